import Foundation
import TitanTestSupport
import Testing
import TitanProver
import TitanSpec

/// uintN for every multiple of 8, `max_uintN`, `bytes32`, the `min`/`max` built-ins,
/// `for i in 0..N` loops (unrolled by the checker), model constants, and literals in exact
/// properties.
@Suite("What real contracts say: every width, min and max, bytes32, bounded loops, constants", .watched)
struct RealContractLanguageTests {
    static let options = ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0)

    /// Each of `names` is among `results` and proved.
    static func expectProved(_ results: [String: PropertyResult], _ names: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for name in names {
            #expect(results[name]?.status == .proved, "\(name): \(results[name]?.reason ?? "missing")", sourceLocation: sourceLocation)
        }
    }

    /// The text does not check, and the error names `line:column` and says `message`.
    static func expectRefused(_ text: String, at position: String, _ message: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            _ = try SpecLoader.parse(text: text, path: "spec.tspec")
        } throws: { error in
            "\(error)".contains("spec.tspec:\(position)") && "\(error)".contains(message)
        }
    }

    static let reserves = """
    model Reserves {
      state reserve0: uint112
      state reserve1: uint112
      state stamp: uint32
      arithmetic checked
      action sync(a: uint256, b: uint256) {
        require a <= max_uint112 && b <= max_uint112
        reserve0 = uint112(a)
        reserve1 = uint112(b)
        stamp = uint32(block.timestamp % 4294967296)
      }
      action add0(x: uint112) { reserve0 = reserve0 + x }
      action wrap24(x: uint24) { unchecked { reserve1 = uint112(x + 1) } }
      invariant fits: reserve0 <= 5192296858534827628530496329220095 && reserve1 <= max_uint112
      rule add_checked on add0(x): !reverted ==> reserve0' == reserve0 + x
      rule add_overflow_reverts on add0(x): reserve0 + x > max_uint112 ==> reverted
      rule wrap on wrap24(x): !reverted ==> reserve1' == (x == max_uint24 ? 0 : x + 1)
    }
    """

    @Test("uint112 and uint24: checked arithmetic reverts past 2^N - 1, unchecked wraps, and both readers agree")
    func oddWidths() throws {
        let proved = try verifiedByName(Self.reserves, Self.options)
        Self.expectProved(proved, ["fits", "add_checked", "add_overflow_reverts", "wrap"])
        // Wrapping where the spec says checked: the overflow at exactly 2^112 is found and replayed.
        let wrapping = Self.reserves.replacingOccurrences(of: "action add0(x: uint112) { reserve0 = reserve0 + x }",
                                                          with: "action add0(x: uint112) { unchecked { reserve0 = reserve0 + x } }")
        let refuted = try verifiedByName(wrapping, Self.options)
        let r = try #require(refuted["add_overflow_reverts"])
        #expect(r.status == .violated && r.counterexample != nil, "\(r.status) \(r.reason ?? "")")
    }

    @Test("a width that is not a multiple of 8 from 8 to 256 is refused at its line and column", arguments: ["uint12", "uint264", "uint0"])
    func badWidths(_ type: String) throws {
        let text = "model M {\n  state x: \(type)\n}\n"
        Self.expectRefused(text, at: "2:12", "uint widths are multiples of 8 from 8 to 256")
    }

    static let clamp = """
    model Clamp {
      state x: uint8
      state y: uint16
      state z: uint16
      arithmetic checked
      action set(a: uint8, b: uint16) {
        x = a
        y = b
        z = max(a, b) - min(a, b)
      }
      action cap(c: uint16) { z = min(z, c) }
      rule ordered on set(a, b): !reverted && z' == (a >= b ? a - b : b - a)
      rule capped on cap(c): z' <= c && z' <= z && (z' == c || z' == z)
      invariant spread: z <= max(x, y)
      lemma order(a: uint256, b: uint256): min(a, b) <= max(a, b) && min(a, 7) <= 7 && max(a, 7) >= 7
    }
    """

    @Test("min and max in actions, properties and lemmas, across widths; swapped, the refutation replays")
    func minAndMax() throws {
        let proved = try verifiedByName(Self.clamp, Self.options)
        Self.expectProved(proved, ["ordered", "capped", "spread", "order"])
        let swapped = try verifiedByName(Self.clamp.replacingOccurrences(of: "z = max(a, b) - min(a, b)", with: "z = min(a, b) - max(a, b)"), Self.options)
        #expect(swapped["ordered"]?.status == .violated && swapped["ordered"]?.counterexample != nil)
        #expect(throws: (any Error).self) {
            _ = try SpecLoader.parse(text: "model M {\n  state x: uint8\n  invariant i: min(x) == 0\n}\n", path: "m.tspec")
        }
    }

    @Test("bytes32 is bytes<32>")
    func bytes32() throws {
        let text = """
        model Tags {
          state a: bytes32
          state b: bytes<32>
          action set(t: bytes32) { a = t
            b = t }
          invariant same: a == b && len(a) <= 32
        }
        """
        #expect(try verifiedByName(text, Self.options)["same"]?.status == .proved)
    }

    static let batch = """
    model Batch {
      state total: uint64
      state slots: map<uint8, uint64>
      arithmetic checked
      action fill(v: uint64) {
        for i in 0..4 {
          slots[i] = v + i
          total = total + v
        }
      }
      action tally() {
        var acc: uint64 = 0
        for i in 0..4 {
          let here = slots[i]
          acc = acc + here
        }
        total = acc
      }
      rule filled on fill(v): !reverted ==> slots'[3] == v + 3 && slots'[4] == slots[4] && total' == total + 4 * v
      rule tallied on tally(): !reverted ==> total' == slots[0] + slots[1] + slots[2] + slots[3]
    }
    """

    @Test("for i in 0..N runs its body N times with i = 0 ... N-1, a let in it scoped to one pass, in both readers")
    func boundedLoops() throws {
        let proved = try verifiedByName(Self.batch, Self.options)
        #expect(proved["filled"]?.status == .proved && proved["tallied"]?.status == .proved,
                "\(proved.mapValues { $0.reason ?? $0.status.rawValue })")
        // One pass too many: the rule about slot 4 is refuted with a replayed trace.
        let five = try verifiedByName(Self.batch.replacingOccurrences(of: "for i in 0..4 {\n      slots[i] = v + i", with: "for i in 0..5 {\n      slots[i] = v + i"), Self.options)
        #expect(five["filled"]?.status == .violated && five["filled"]?.counterexample != nil)
        // The bound may be a constant declared above: the same model, the same verdicts.
        let named = Self.batch.replacingOccurrences(of: "  state total: uint64\n", with: "  const SLOTS: uint8 = 4\n  state total: uint64\n")
            .replacingOccurrences(of: "for i in 0..4 {", with: "for i in 0..SLOTS {")
        let constant = try verifiedByName(named, Self.options)
        #expect(constant["filled"]?.status == .proved && constant["tallied"]?.status == .proved)
        Self.expectRefused(named.replacingOccurrences(of: "const SLOTS: uint8 = 4", with: "const SLOTS: uint8 = 65"), at: "7:17",
                           "a loop runs at most 64 times")
    }

    @Test("a loop without a constant bound, or over 64, is refused with a message that says how to write it",
          arguments: [("while (x < 3) { x = x + 1 }", "4:5", "loops need a constant bound"),
                      ("for i in 0..n { x = x + 1 }", "4:17", "loops need a constant bound"),
                      ("for i in 0..65 { x = x + 1 }", "4:17", "at most 64 times"),
                      ("for x in 0..2 { }", "4:9", "already a name here")])
    func unboundedLoops(_ loop: String, _ position: String, _ message: String) throws {
        let text = "model W {\n  state x: uint8\n  action a(n: uint8) {\n    \(loop)\n  }\n}\n"
        Self.expectRefused(text, at: position, message)
    }

    @Test("a Solidity or Vyper construct the language lacks is named, with what to write instead",
          arguments: [("  state m: mapping(address => uint256)", "3:12", "'mapping(K => V)' is written 'map<K, V>'"),
                      ("  struct Position { size: uint256 }", "3:3", "'struct' is not part of the spec language: use one map per field"),
                      ("  enum Phase { Open }", "3:3", "'enum' is not part of the spec language"),
                      ("  event Moved(to: address)", "3:3", "events are not modelled"),
                      ("  modifier onlyOwner() { }", "3:3", "'modifier' is not part of the spec language"),
                      ("  state debt: int7", "3:15", "unknown type 'int7'; int widths are multiples of 8 from 8 to 256"),
                      ("  state name: string", "3:15", "'string' is not a spec type; use 'bytes<N>'"),
                      ("  action a() { emit Moved(1) }", "3:16", "'emit' is not part of the spec language"),
                      ("  action a() { x += 1 }", "3:18", "compound assignment 'x += e' is written 'x = x + e'"),
                      ("  action a() { x-- }", "3:17", "'x--' is written 'x = x - 1'")])
    func constructsNamed(_ line: String, _ position: String, _ message: String) throws {
        let text = "model W {\n  state x: uint8\n\(line)\n}\n"
        Self.expectRefused(text, at: position, message)
    }

    static let fees = """
    model Fees {
      const FEE_BPS: uint16 = 30
      const DENOMINATOR: uint256 = 10_000
      const CAP: uint256 = 1e18 * 1000
      const TREASURY: address = 0xdead
      const OPEN: bool = true
      state collected: map<address, uint256>
      state volume: uint256
      arithmetic checked
      action trade(amount: uint256) {
        require OPEN && amount <= CAP
        let fee = amount * FEE_BPS / DENOMINATOR
        collected[TREASURY] = collected[TREASURY] + fee
        volume = volume + amount
      }
      invariant fee_bounded: collected[TREASURY] * DENOMINATOR <= volume * FEE_BPS
      rule capped on trade(amount): amount > 1000000000000000000000 ==> reverted
      rule fee_exact on trade(amount): !reverted ==> collected'[0xdead] == collected[0xdead] + amount * 30 / 10000
      lemma cap_is_large(a: uint256): a <= CAP ==> a * FEE_BPS <= CAP * 30
    }
    """

    @Test("const NAME: type = literal is usable in actions, invariants, rules and lemmas, and its value reaches both readers")
    func constants() throws {
        let proved = try verifiedByName(Self.fees, Self.options)
        Self.expectProved(proved, ["fee_bounded", "capped", "fee_exact", "cap_is_large"])
        let dearer = try verifiedByName(Self.fees.replacingOccurrences(of: "const FEE_BPS: uint16 = 30", with: "const FEE_BPS: uint16 = 31"), Self.options)
        #expect(dearer["fee_exact"]?.status == .violated && dearer["fee_exact"]?.counterexample != nil)
        #expect(dearer["fee_bounded"]?.status == .proved)
    }

    @Test("a constant that does not fit, is not a literal, or clashes with a state variable is refused at its line and column",
          arguments: [("const X: uint8 = 300", "2:20", "too large for uint8"),
                      ("const X: uint8 = Y", "2:20", "must be a literal or arithmetic between literals"),
                      ("const X: uint8 = 2 - 3", "2:20", "negative number -1 where uint8 is expected; only intN types hold negative values"),
                      ("const X: uint8 = 1\n  state X: uint8", "3:9", "'X' is already a constant")])
    func badConstants(_ declaration: String, _ position: String, _ message: String) throws {
        let text = "model C {\n  \(declaration)\n}\n"
        Self.expectRefused(text, at: position, message)
    }

    @Test("in a property, arithmetic is exact and a literal too large for the other operand's width is still read as written")
    func literalsInProperties() throws {
        let text = """
        model Lit {
          state x: uint8
          state b: uint8
          action set(v: uint8) { x = v
            b = v }
          invariant sum_ok: x + 300 > 299
          invariant product: b * 127 != 20574
          invariant wide: x * 1000 <= 255000
          rule r on set(v): x' + 256 >= 256
        }
        """
        let results = try verifiedByName(text, Self.options)
        Self.expectProved(results, ["sum_ok", "wide", "r"])
        // 162 * 127 == 20574: exact, found and replayed.
        let product = try #require(results["product"])
        #expect(product.status == .violated && product.counterexample?.steps.last?.args.first { $0.name == "v" }?.value == "162")
        // In an action the operand's width still bounds the literal.
        #expect(throws: (any Error).self) {
            _ = try SpecLoader.parse(text: "model A {\n  state x: uint8\n  action a() { x = x + 300 }\n}\n", path: "a.tspec")
        }
    }
}
