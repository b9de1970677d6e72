import BigInt
import Foundation
import TitanTestSupport
import PropertyBased
import Testing
import TitanIR
import TitanInterp
@testable import TitanProver
import TitanSemantics
import TitanSMT

/// The interpreter and the Z3 encoder read the same IR. Asked about a concrete pre-state and
/// action, the encoder must admit exactly the interpreter's post-state and revert flag.
@Suite("Interpreter and encoder agree", .watched)
struct SemanticsAgreementTests {
    static let arithmeticSpec = """
    model Arith {
      arithmetic checked
      state a: uint256
      state b: uint8
      state flag: bool
      state m: map<address, uint256>
      state nested: map<address, map<uint8, uint8>>
      action mulDiv(x: uint256, y: uint256) {
        a = a * x / y
      }
      action small(x: uint8, k: address) {
        if x > 200 { b = b + x } else if x == 7 { require flag } else { unchecked { b = b - x } }
        nested[k][x] = nested[k][x] % (x == 0 ? 3 : x)
      }
      action mix(k: address, x: uint256) {
        let old = m[k]
        m[k] = old + x
        flag = !flag && old < x
        unchecked { a = a - x * 2 }
      }
      invariant anything: sum(m) >= 0
    }
    """

    static let uintPool: [BigUInt] = [0, 1, 2, 3, 7, 100, 255, 256, BigUInt(1) << 128, BigUInt(1) << 255,
                                      (BigUInt(1) << 256) - 2, (BigUInt(1) << 256) - 1]
    static let addressPool: [BigUInt] = [0, 1, 2, (BigUInt(1) << 160) - 1]

    /// Turns a stream of small integers into values of any sort.
    struct Picker {
        var picks: [Int]
        var i = 0
        mutating func next() -> Int { defer { i += 1 }; return picks[i % picks.count] }
        mutating func value(_ sort: Sort) -> Value {
            switch sort {
            case .bool: return .bool(next() % 2 == 0)
            case .address: return .bits(addressPool[next() % addressPool.count])
            case .uint(let w), .sint(let w), .int(let w):
                // For an intN the pool's patterns are read in two's complement: 2^256 - 1 is -1.
                let n = uintPool[next() % uintPool.count]
                return .bits(n & ((BigUInt(1) << w) - 1))
            case .bytes(let max):
                let data = (0..<min(max, next() % 5)).map { _ in UInt8(next() % 256) }
                return Value.bytes(data, maxLength: max)
            case .map(let k, let v):
                var m = MapValue(defaultValue: Value.zero(v))
                for _ in 0..<(next() % 4) { m[value(k)] = value(v) }
                return .map(m)
            }
        }
    }

    func check(_ model: Model, picks: [Int]) throws {
        var pick = Picker(picks: picks)
        let interp = Interpreter(model: model)
        var vars: [String: Value] = [:]
        for v in model.stateVars { vars[v.name] = pick.value(v.sort) }
        let pre = interp.state(vars)
        let action = model.actions[pick.next() % model.actions.count]
        var args: [String: Value] = [:]
        for p in action.params { args[p.name] = pick.value(p.sort) }
        let expected = try interp.step(Step(action: action.name, args: args), from: pre)

        let q = Query(model: model, timeoutMilliseconds: 60_000)
        let symPre = q.freshState("0")
        let symArgs = q.freshArgs(action, tag: "0")
        for v in model.stateVars { q.solver.assert(q.z3.eq(symPre[v.name], q.domain.lift(pre[v.name], v.sort))) }
        func ghost(_ m: String) -> Sort { Executor<SymbolicDomain>.ghostSort(of: model.stateVar(m)!.sort)! }
        for m in model.summedMaps { q.solver.assert(q.z3.eq(symPre.sum(m)!, q.domain.lift(pre.sum(m)!, ghost(m)))) }
        for p in action.params { q.solver.assert(q.z3.eq(symArgs[p.name]!, q.domain.lift(args[p.name]!, p.sort))) }
        let out = q.exec.run(action, args: symArgs, from: symPre)
        var same: [Term] = [q.z3.eq(out.ok, q.z3.bool(expected.ok.asBool))]
        for v in model.stateVars { same.append(q.z3.eq(out.state[v.name], q.domain.lift(expected.state[v.name], v.sort))) }
        for m in model.summedMaps {
            same.append(q.z3.eq(out.state.sum(m)!, q.domain.lift(expected.state.sum(m)!, ghost(m))))
        }
        // Any post-state other than the interpreter's must be impossible.
        q.solver.assert(q.z3.not(q.z3.and(same)))
        let verdict = try q.solver.check()
        guard case .unsat = verdict else {
            Issue.record("\(model.name).\(action.name)(\(args)) from \(pre.vars): encoder admits another outcome than ok=\(expected.ok) post=\(expected.state.vars)")
            return
        }
    }

    @Test("on the ledger")
    func ledger() async throws {
        let (_, model) = try loadModel("Specs/kernel/ledger.tspec")
        await propertyCheck(count: 60, input: Gen.int(in: 0...1000).array(of: 24...24)) { picks in
            try check(model, picks: picks)
        }
    }

    @Test("on arithmetic: checked and wrapping, mul, div, mod, branches, nested maps")
    func arithmetic() async throws {
        let model = try parseModel(Self.arithmeticSpec)
        await propertyCheck(count: 60, input: Gen.int(in: 0...1000).array(of: 24...24)) { picks in
            try check(model, picks: picks)
        }
    }

    static let varSpec = """
    model Vars {
      arithmetic checked
      state a: uint256
      state b: uint8
      action step(x: uint256, y: uint8, flag: bool) {
        var acc = x / 3
        var small = y
        if flag { acc = acc + 1  small = small / 2 } else if x > 100 { acc = acc * 2 } else { small = 7 }
        if small > 100 { acc = 0 }
        a = acc
        b = small
      }
      invariant anything: a >= 0
    }
    """

    @Test("on var locals set in branches")
    func varLocals() async throws {
        let model = try parseModel(Self.varSpec)
        await propertyCheck(count: 60, input: Gen.int(in: 0...1000).array(of: 24...24)) { picks in
            try check(model, picks: picks)
        }
    }

    static let signedSpec = """
    model Signed {
      arithmetic checked
      state s: int256
      state t: int24
      state u: uint112
      state byKey: map<int8, int64>
      action ops(x: int256, y: int24, k: int8) {
        if x < 0 { s = s + x * 2 } else { s = s / (x == 0 ? -1 : x) }
        t = t % (y == 0 ? int24(3) : y) - y
        byKey[k] = -byKey[k] + int64(k)
      }
      action wraps(x: int256, y: int24, z: uint112) {
        unchecked {
          s = s * x - max_int256
          t = int24(z) + y / (y == 0 ? int24(1) : -y)
          u = uint112(x) + z
        }
        byKey[int8(y)] = max(int64(y), -5)
      }
      action converts(x: int256, z: uint112) {
        u = uint112(x)
        t = int24(z) - int24(abs(int24(x)))
        s = int256(z) - x
      }
      invariant anything: s >= min_int256
    }
    """

    @Test("on signed and odd-width arithmetic: checked and wrapping, conversions, maps keyed by ints")
    func signed() async throws {
        let model = try parseModel(Self.signedSpec)
        await propertyCheck(count: 80, input: Gen.int(in: 0...1000).array(of: 24...24)) { picks in
            try check(model, picks: picks)
        }
    }

    @Test("on the mutants")
    func mutants() async throws {
        for path in ["Specs/mutants/ledger_whitepaper_swift_transfer.tspec", "Specs/mutants/ledger_unchecked_mint.tspec"] {
            let (_, model) = try loadModel(path)
            await propertyCheck(count: 20, input: Gen.int(in: 0...1000).array(of: 24...24)) { picks in
                try check(model, picks: picks)
            }
        }
    }
}
