import TitanTestSupport
import BigInt
import Testing
import TitanIR
import TitanInterp
@testable import TitanProver
import TitanSemantics
import TitanSpec

/// Arithmetic in properties is on mathematical integers; `uintN(e)` wraps on request; mulDiv
/// and mulDivUp compute a * b / c in full precision, in actions and in properties.
@Suite("Mathematical integers in properties", .watched)
struct MathIntTests {
    static func verify(_ text: String) throws -> [String: PropertyResult] {
        try verifiedByName(text, ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0))
    }

    @Test("x * 2 >= x and a - b <= a are proved: nothing wraps in a property")
    func noWrapping() throws {
        let r = try Self.verify("""
        model M {
          state x: uint256
          action set(v: uint256) { x = v }
          lemma doubling(v: uint256): v * 2 >= v
          lemma difference(a: uint256, b: uint256): a - b <= a
          lemma negative(a: uint256): a < 5 ==> a - 5 < 0
          lemma product_is_exact(a: uint256, b: uint256): a >= 2 && b >= 2 ==> a * b >= a + b
          invariant twice: x * 2 >= x
        }
        """)
        for name in ["doubling", "difference", "negative", "product_is_exact", "twice"] {
            #expect(r[name]?.status == .proved, "\(name): \(r[name]?.status.rawValue ?? "missing")")
        }
    }

    @Test("uintN(e) asks for wrapping: uint256(x + 1) is 0 at the top")
    func explicitWrapping() throws {
        let r = try Self.verify("""
        model M {
          state x: uint256
          action set(v: uint256) { x = v }
          lemma wraps_at_top(v: uint256): v == max_uint256 ==> uint256(v + 1) == 0
          lemma wrapped_never_smaller(v: uint256): uint256(v + 1) > v
          lemma narrow_keeps_low_bits(v: uint256): uint8(v + 256) == uint8(v)
        }
        """)
        #expect(r["wraps_at_top"]?.status == .proved)
        #expect(r["narrow_keeps_low_bits"]?.status == .proved)
        let wrapped = try #require(r["wrapped_never_smaller"])
        #expect(wrapped.status == .violated)
        #expect(String(describing: wrapped.counterexample).contains("115792089237316195423570985008687907853269984665640564039457584007913129639935") == true)
    }

    @Test("overflow is stated against max_uint256, and a checked action's revert matches it")
    func overflowAgainstTheTop() throws {
        let r = try Self.verify("""
        model M {
          arithmetic checked
          state supply: uint256
          action mint(amount: uint256) { supply = supply + amount }
          rule reverts_exactly_on_overflow on mint(amount): reverted == (supply + amount > max_uint256)
          rule the_old_idiom_is_now_vacuous on mint(amount): reverted == (supply + amount < supply) expect violated
        }
        """)
        #expect(r["reverts_exactly_on_overflow"]?.status == .proved)
        #expect(r["the_old_idiom_is_now_vacuous"]?.status == .violated)
    }

    @Test("division and remainder truncate toward zero, in the prover and in the interpreter")
    func truncatingDivision() throws {
        let r = try Self.verify("""
        model M {
          state x: uint256
          action set(v: uint256) { x = v }
          lemma quotient: (0 - 7) / 2 == 0 - 3 && 7 / (0 - 2) == 0 - 3 && (0 - 7) / (0 - 2) == 3
          lemma remainder: (0 - 7) % 2 == 0 - 1 && 7 % (0 - 2) == 1
          lemma by_zero(a: uint256): (0 - a) / 0 == 0 && a % 0 == 0
          scenario the_interpreter_divides_alike {
            set(7)
            expect (0 - x) / 2 == 0 - 3 && (0 - x) % 2 == 0 - 1 && x - 10 < 0
          }
        }
        """)
        for name in ["quotient", "remainder", "by_zero", "the_interpreter_divides_alike"] {
            #expect(r[name]?.status == .proved, "\(name): \(r[name]?.status.rawValue ?? "missing")")
        }
    }

    @Test("mulDiv: full-precision product; a zero divisor or a quotient past the top reverts; mulDivUp rounds up")
    func mulDivInActions() throws {
        let r = try Self.verify("""
        model Vault {
          arithmetic checked
          state out: uint256
          state up: uint256
          action compute(a: uint256, b: uint256, c: uint256) { out = mulDiv(a, b, c)  up = mulDivUp(a, b, c) }
          rule zero_divisor_reverts on compute(a, b, c): c == 0 ==> reverted
          rule rounding on compute(a, b, c): !reverted ==> up' - out' <= 1 && out' <= up'
          scenario past_256_bits {
            compute(2 ** 200, 2 ** 100, 2 ** 150)
            expect out == 2 ** 150 && up == 2 ** 150
            compute(10, 10, 3)
            expect out == 33 && up == 34
            compute(max_uint256, max_uint256, max_uint256)
            expect out == max_uint256
            compute(max_uint256, 2, 1) reverts
            compute(1, 1, 0) reverts
          }
        }
        """)
        for name in ["zero_divisor_reverts", "rounding", "past_256_bits"] {
            #expect(r[name]?.status == .proved, "\(name): \(r[name]?.status.rawValue ?? "missing") \(r[name]?.reason ?? "")")
        }
    }

    @Test("mulDiv in a property is exact: it equals a * b / c")
    func mulDivInProperties() throws {
        let r = try Self.verify("""
        model M {
          state x: uint256
          action set(v: uint256) { x = v }
          lemma exact(a: uint256, b: uint256, c: uint256): mulDiv(a, b, c) == a * b / c
          lemma up_is_at_most_one_more(a: uint8, b: uint8, c: uint8): c > 0 ==> mulDivUp(a, b, c) - mulDiv(a, b, c) <= 1
        }
        """)
        #expect(r["exact"]?.status == .proved)
        #expect(r["up_is_at_most_one_more"]?.status == .proved)
    }

    @Test("bad mulDiv calls and too-wide products are file:line:column errors")
    func diagnostics() throws {
        func errors(_ body: String) -> String {
            do {
                _ = try SpecLoader.parse(text: "model M {\n  state x: uint256\n  action set(v: uint256) { x = v }\n\(body)\n}\n", path: "m.tspec")
                return ""
            } catch { return "\(error)" }
        }
        #expect(errors("  lemma l(a: uint256): mulDiv(a, 1) == a").contains("m.tspec:4:"))
        #expect(errors("  lemma l(a: uint256): mulDiv(a, 1) == a").contains("takes 3 arguments"))
        #expect(errors("  lemma l(a: address): mulDiv(a, 1, 1) == 0").contains("needs uint arguments"))
        let wide = "  lemma l(a: uint256): " + Array(repeating: "a", count: 17).joined(separator: " * ") + " >= 0"
        #expect(errors(wide).contains("integers to be exact"))
    }

    // MARK: The three readings of int arithmetic, against an oracle

    /// A property over small parameters, and what it means on integers (the oracle, written
    /// separately with BigInt, whose / and % truncate toward zero).
    static let formulas: [(text: String, oracle: (BigInt, BigInt, BigInt) -> Bool)] = [
        ("(a - b) * (c - a) < b * c - a", { a, b, c in (a - b) * (c - a) < b * c - a }),
        ("(a - c) / (b - 3) == (c - b) % (a + 1) - 2", { a, b, c in div(a - c, b - 3) == rem(c - b, a + 1) - 2 }),
        ("a * b - c * c >= (a - b - c) / 2", { a, b, c in a * b - c * c >= div(a - b - c, 2) }),
        ("uint8(a - b - c) == 200 || (b - a) % (c - 5) > 1", { a, b, c in mod256(a - b - c) == 200 || rem(b - a, c - 5) > 1 }),
    ]
    static func div(_ a: BigInt, _ b: BigInt) -> BigInt { b == 0 ? 0 : a / b }
    static func rem(_ a: BigInt, _ b: BigInt) -> BigInt { b == 0 ? 0 : a % b }
    static func mod256(_ a: BigInt) -> BigInt { let m = a % 256; return m < 0 ? m + 256 : m }

    @Test("interpreter, integer encoding and bit-vector encoding all agree with the oracle", arguments: 0..<4)
    func threeReadings(formula: Int) throws {
        let (text, oracle) = Self.formulas[formula]
        let model = try parseModel("""
        model M {
          state x: uint8
          action set(v: uint8) { x = v }
          lemma f(a: uint8, b: uint8, c: uint8): \(text)
        }
        """)
        let property = try #require(model.properties.first)
        let interp = Interpreter(model: model)
        let pool: [BigUInt] = [0, 1, 2, 3, 5, 7, 100, 200, 254, 255]
        for a in pool { for b in pool.reversed() { for c in [pool[Int(a % 10)], pool[Int(b % 7)], 255] {
            let expected = oracle(BigInt(a), BigInt(b), BigInt(c))
            let names: [String: Value] = ["a": .bits(a), "b": .bits(b), "c": .bits(c)]
            let concrete = interp.evaluate(property.body, in: interp.initialState(), names: names)
            #expect(concrete == .bool(expected), "interpreter: \(text) at a=\(a) b=\(b) c=\(c)")
            for bitVectors in [false, true] {
                let q = Query(model: model, timeoutMilliseconds: 20_000, bitVectors: bitVectors)
                let frame = Executor<SymbolicDomain>.Frame(pre: q.freshState("0"), names: names.mapValues { q.domain.number($0.asBits, width: 8) })
                let value = q.exec.evaluate(property.body, in: frame)
                q.solver.assert(q.z3.not(q.z3.eq(value, q.z3.bool(expected))))
                let verdict = try q.solver.check()
                guard case .unsat = verdict else {
                    Issue.record("\(bitVectors ? "bit-vector" : "integer") encoding: \(text) at a=\(a) b=\(b) c=\(c) is not \(expected)")
                    continue
                }
            }
        } } }
    }
}
