import TitanTestSupport
import BigInt
import Testing
import TitanIR
import TitanInterp
import TitanProver

/// An oracle for integer arithmetic, deliberately separate from the product: what `+ - * / %`
/// and conversions give on `intN` and `uintN` of any width, written from Solidity 0.8's
/// documentation (Docs/spec-language.md, "Integers") on exact `BigInt`s, not from the product's
/// executor or domains. Checked arithmetic reverts when the exact result does not fit, or on a
/// zero divisor; wrapping arithmetic keeps the low bits in two's complement and, as the EVM,
/// gives 0 for x / 0 and x % 0. Division truncates toward zero and the remainder takes the
/// dividend's sign.
enum IntegerOracle {
    struct Kind: CustomStringConvertible {
        var signed: Bool
        var width: Int
        var description: String { "\(signed ? "int" : "uint")\(width)" }
        var sort: Sort { signed ? .sint(width) : .uint(width) }
        var min: BigInt { signed ? -(BigInt(1) << (width - 1)) : 0 }
        var max: BigInt { signed ? (BigInt(1) << (width - 1)) - 1 : (BigInt(1) << width) - 1 }
        func contains(_ v: BigInt) -> Bool { v >= min && v <= max }
        /// `v` modulo 2^width, read back in this kind.
        func wrap(_ v: BigInt) -> BigInt {
            let m = BigInt(1) << width
            var r = v % m
            if r < 0 { r += m }
            return signed && r > max ? r - m : r
        }
        /// Values where arithmetic turns: the extremes, around zero, and a few between.
        func samples(_ rng: inout SplitMix64) -> [BigInt] {
            var out: Set<BigInt> = [min, min + 1, max, max - 1, 0, 1, 2, 3]
            if signed { out.formUnion([-1, -2, -3]) }
            let span = max - min + 1
            for _ in 0..<6 { out.insert(min + BigInt(BigUInt(rng.next()) * BigUInt(rng.next())) % span) }
            for _ in 0..<3 { out.insert(BigInt(rng.next() % 50) * (signed && rng.next() % 2 == 0 ? -1 : 1)) }
            return out.filter(contains).sorted()
        }
    }

    /// The result of `a op b`, or nil when it reverts: the exact result (`OModel.exact`, the
    /// oracle's own integers), then checked against the kind or wrapped into it.
    static func apply(_ op: OArith, _ a: BigInt, _ b: BigInt, _ kind: Kind, checked: Bool) -> BigInt? {
        if checked && b == 0 && (op == .div || op == .mod) { return nil }
        let exact = OModel.exact(op, a, b)
        if checked { return kind.contains(exact) ? exact : nil }
        return kind.wrap(exact)
    }

    /// `target(v)` of a value of another kind, or nil when it reverts.
    static func convert(_ v: BigInt, to target: Kind, checked: Bool) -> BigInt? {
        if checked { return target.contains(v) ? v : nil }
        return target.wrap(v)
    }

    static func pattern(_ v: BigInt, _ kind: Kind) -> BigUInt {
        let m = BigInt(1) << kind.width
        return (v < 0 ? v + m : v).magnitude
    }
}

@Suite("the integer oracle: signed and odd-width arithmetic in both readers", .watched)
struct OracleIntegerArithmeticTests {
    static let kinds: [IntegerOracle.Kind] = [
        .init(signed: true, width: 8), .init(signed: true, width: 24), .init(signed: true, width: 112), .init(signed: true, width: 256),
        .init(signed: false, width: 24), .init(signed: false, width: 112),
    ]

    static func model(_ kind: IntegerOracle.Kind, checked: Bool, body: String, extra: String = "") -> String {
        """
        model Arith {
          arithmetic \(checked ? "checked" : "wrapping")
          state r: \(kind)
        \(extra)
          action f(a: \(kind), b: \(kind)) { \(body) }
        }
        """
    }

    @Test("the interpreter computes + - * / % as the oracle does, for each kind and mode", arguments: kinds)
    func interpreter(kind: IntegerOracle.Kind) throws {
        var rng = SplitMix64(seed: UInt64(kind.width) * (kind.signed ? 3 : 5))
        let values = kind.samples(&rng)
        for checked in [true, false] {
            for op in OArith.allCases {
                let model = try parseModel(Self.model(kind, checked: checked, body: "r = a \(op.rawValue) b"))
                let interp = Interpreter(model: model)
                let s0 = interp.initialState()
                for a in values {
                    for b in values {
                        let args: [String: Value] = ["a": .bits(IntegerOracle.pattern(a, kind)), "b": .bits(IntegerOracle.pattern(b, kind))]
                        let out = try interp.step(Step(action: "f", args: args), from: s0)
                        let expected = IntegerOracle.apply(op, a, b, kind, checked: checked)
                        let got = out.ok.asBool ? out.state["r"].rendered(as: kind.sort) : nil
                        #expect(got == expected?.description, "\(kind) \(checked ? "checked" : "wrapping"): \(a) \(op.rawValue) \(b)")
                    }
                }
            }
        }
    }

    @Test("conversions between kinds revert or wrap as the oracle says, in both modes")
    func conversions() throws {
        let pairs: [(IntegerOracle.Kind, IntegerOracle.Kind)] = [
            (.init(signed: true, width: 16), .init(signed: true, width: 8)), (.init(signed: true, width: 8), .init(signed: false, width: 8)),
            (.init(signed: false, width: 8), .init(signed: true, width: 8)), (.init(signed: true, width: 8), .init(signed: true, width: 24)),
            (.init(signed: true, width: 24), .init(signed: false, width: 112)), (.init(signed: false, width: 112), .init(signed: true, width: 24)),
        ]
        var rng = SplitMix64(seed: 7)
        for (from, to) in pairs {
            for checked in [true, false] {
                let model = try parseModel("""
                model Convert {
                  arithmetic \(checked ? "checked" : "wrapping")
                  state r: \(to)
                  action f(a: \(from)) { r = \(to)(a) }
                }
                """)
                let interp = Interpreter(model: model)
                for a in from.samples(&rng) {
                    let out = try interp.step(Step(action: "f", args: ["a": .bits(IntegerOracle.pattern(a, from))]), from: interp.initialState())
                    let expected = IntegerOracle.convert(a, to: to, checked: checked)
                    let read = out.ok.asBool ? to.sort.integer(fromPattern: out.state["r"].asBits) : nil
                    #expect(read == expected, "\(to)(\(from) \(a)), \(checked ? "checked" : "wrapping")")
                }
            }
        }
    }

    /// A rule listing the oracle's answers for sampled operands: proved only if the encoder
    /// computes each of them, and refuted, with a replayed trace, once one answer is off by one.
    static func table(_ op: OArith, _ kind: IntegerOracle.Kind, checked: Bool, count: Int, corrupt: Bool) -> String {
        var rng = SplitMix64(seed: UInt64(kind.width) &* 31 &+ UInt64(op.rawValue.unicodeScalars.first!.value))
        let values = kind.samples(&rng)
        var cases: [String] = []
        for i in 0..<count {
            let a = values[Int(rng.next() % UInt64(values.count))], b = values[Int(rng.next() % UInt64(values.count))]
            let expected = IntegerOracle.apply(op, a, b, kind, checked: checked)
            var outcome = expected.map { "!reverted && r' == \($0)" } ?? "reverted"
            if corrupt && i == 0 {
                // One answer off by one (or a revert denied): no reading of the semantics meets it.
                outcome = expected.map { "!reverted && r' == \($0 == kind.max ? $0 - 1 : $0 + 1)" } ?? "!reverted"
            }
            cases.append("(a == \(a) && b == \(b) ==> \(outcome))")
        }
        return model(kind, checked: checked, body: "r = a \(op.rawValue) b", extra: "  rule table on f(a, b):\n    " + cases.joined(separator: " &&\n    "))
    }

    @Test("the prover computes the oracle's answers, and refutes a wrong one with a replayed trace",
          arguments: [IntegerOracle.Kind(signed: true, width: 8), .init(signed: true, width: 24), .init(signed: true, width: 112), .init(signed: false, width: 112)])
    func prover(kind: IntegerOracle.Kind) throws {
        let options = ProverOptions(timeoutSeconds: 30, jobs: 1, simulationSeconds: 0)
        for checked in [true, false] {
            for op in OArith.allCases {
                let what = "\(kind) \(op.rawValue) \(checked ? "checked" : "wrapping")"
                let proved = try verifiedByName(Self.table(op, kind, checked: checked, count: 8, corrupt: false), options)["table"]
                #expect(proved?.status == .proved, "\(what): \(proved?.status.rawValue ?? "none") \(proved?.reason ?? "")")
                let refuted = try verifiedByName(Self.table(op, kind, checked: checked, count: 8, corrupt: true), options)["table"]
                #expect(refuted?.status == .violated && refuted?.counterexample?.replayed == true, "\(what) (corrupted): \(refuted?.status.rawValue ?? "none")")
            }
        }
    }
}
