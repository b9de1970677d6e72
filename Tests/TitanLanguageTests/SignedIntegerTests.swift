import TitanTestSupport
import BigInt
import Testing
import TitanIR
import TitanInterp
import TitanProver
import TitanSpec

/// `int8` ... `int256` as a spec writes them: literals, unary minus, conversions, the built-ins
/// and the errors a Solidity habit runs into. The arithmetic itself is checked against the
/// integer oracle (Oracle/OracleIntegerArithmetic.swift).
@Suite("Signed integers in the language", .watched)
struct SignedIntegerTests {
    func errors(_ text: String) -> String {
        do {
            _ = try parseModel(text)
            return ""
        } catch let e as SpecErrors {
            return e.diagnostics.map(\.description).joined(separator: "\n")
        } catch {
            return "\(error)"
        }
    }

    func run(_ text: String, _ action: String, _ args: [String: BigInt] = [:]) throws -> (ok: Bool, state: [String: String]) {
        let model = try parseModel(text)
        let interp = Interpreter(model: model)
        let a = try #require(model.actions.first { $0.name == action })
        var values: [String: Value] = [:]
        for p in a.params { values[p.name] = .bits(p.sort.pattern(of: args[p.name] ?? 0)) }
        let out = try interp.step(Step(action: action, args: values), from: interp.initialState())
        var state: [String: String] = [:]
        for v in model.stateVars { state[v.name] = out.state[v.name].rendered(as: v.sort) }
        return (out.ok.asBool, state)
    }

    static let ledger = """
    model Signed {
      arithmetic checked
      const FLOOR: int64 = -1000
      state debt: int64 = -5
      state q: int256
      state m: uint8
      action borrow(d: int64) {
        require debt - d >= FLOOR
        debt = debt - d
      }
      action divide(a: int256, b: int256) { q = a / b }
      action divideUnchecked(a: int256, b: int256) { unchecked { q = a / b } }
      action magnitude(a: int8) { m = abs(a) }
      action bounds() { q = min(int256(min_int64), -max_int8) }
    }
    """

    @Test("literals, constants and initial values may be negative; min_intN, max_intN and abs are what they say")
    func literals() throws {
        let start = try run(Self.ledger, "bounds")
        #expect(start.ok && start.state["debt"] == "-5" && start.state["q"] == "-9223372036854775808")
        let borrowed = try run(Self.ledger, "borrow", ["d": 995])
        #expect(borrowed.ok && borrowed.state["debt"] == "-1000")
        #expect(try !run(Self.ledger, "borrow", ["d": 996]).ok)
        let m = try run(Self.ledger, "magnitude", ["a": -128])
        #expect(m.ok && m.state["m"] == "128")
    }

    @Test("min_int256 / -1 reverts in checked arithmetic and wraps to itself in wrapping arithmetic, as the EVM's SDIV")
    func leastOverMinusOne() throws {
        let least = -(BigInt(1) << 255)
        #expect(try !run(Self.ledger, "divide", ["a": least, "b": -1]).ok)
        let wrapped = try run(Self.ledger, "divideUnchecked", ["a": least, "b": -1])
        #expect(wrapped.ok && wrapped.state["q"] == least.description)
        let truncated = try run(Self.ledger, "divide", ["a": -7, "b": 2])
        #expect(truncated.ok && truncated.state["q"] == "-3")
    }

    @Test("Solidity's habits get errors that say what to write")
    func errorsNameTheFix() {
        #expect(errors("model M {\n  state x: uint256\n  action a() { x = -1 }\n}").contains("3:20: error: negative number -1 where uint256 is expected; only intN types hold negative values"))
        #expect(errors("model M {\n  state x: int256\n  state y: uint256\n  action a() { x = x + y }\n}").contains("4:20: error: type mismatch: '+' mixes uint256 and int256; convert one side with intN(...) or uintN(...)"))
        #expect(errors("model M {\n  state y: uint64\n  action a() { y = -y }\n}").contains("unary '-' needs an intN operand, found uint64; convert it with int64(...) first"))
        #expect(errors("model M {\n  state x: int7\n}").contains("2:12: error: unknown type 'int7'; int widths are multiples of 8"))
        #expect(errors("model M {\n  state x: int8\n  action a() { x = 128 }\n}").contains("number literal 128 is too large for int8 (max 127)"))
        #expect(errors("model M {\n  state x: int8\n  action a() { x = -129 }\n}").contains("number literal -129 is too small for int8 (min -128)"))
        #expect(errors("model M {\n  state x: int8\n  state y: int16\n  action a() { x = y }\n}").contains("cannot assign int16 to 'x'") || errors("model M {\n  state x: int8\n  state y: int16\n  action a() { x = y }\n}").contains("cannot assign int16 to int8"))
    }

    @Test("a narrower int widens into a wider one by sign extension, without a conversion")
    func implicitWidening() throws {
        let spec = "model W {\n  state wide: int256\n  action put(x: int8) { wide = x }\n}"
        let out = try run(spec, "put", ["x": -3])
        #expect(out.ok && out.state["wide"] == "-3")
    }

    static let properties = """
    model Exact {
      arithmetic checked
      state pos: uint64
      state neg: int64
      action set(p: uint64, n: int64) {
        require n < 0
        pos = p
        neg = n
      }
      invariant mixed_exact: pos - neg >= 0
      invariant negative: neg <= 0
      invariant wrong: pos + neg >= -5
      rule sign_flip on set(p, n): !reverted ==> -neg' > 0
    }
    """

    @Test("in properties, uints and ints meet as exact integers; a counterexample shows the negative values")
    func exactProperties() throws {
        let r = try verifiedByName(Self.properties, ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0))
        #expect(r["mixed_exact"]?.status == .proved)
        #expect(r["negative"]?.status == .proved)
        #expect(r["sign_flip"]?.status == .proved)
        let wrong = try #require(r["wrong"])
        #expect(wrong.status == .violated && wrong.counterexample?.replayed == true)
        let args = wrong.counterexample?.steps.first?.args.map(\.value) ?? []
        #expect(args.contains { $0.hasPrefix("-") }, "arguments: \(args)")
    }

    @Test("intN(e) of an intN wraps in a property, as uintN(e) does")
    func wrapInProperty() throws {
        let spec = """
        model W {
          state x: int8
          action set(v: int8) { x = v }
          invariant wraps: int8(x + x) == x + x
          invariant exact: x + x <= 254
        }
        """
        let r = try verifiedByName(spec, ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0))
        #expect(r["wraps"]?.status == .violated && r["wraps"]?.counterexample?.replayed == true)
        #expect(r["exact"]?.status == .proved)
    }

    @Test("abs in a view used by a checked action still gives the least int's magnitude")
    func absInView() throws {
        let spec = """
        model A {
          arithmetic checked
          state m: uint8
          view magnitude(v: int8): uint8 = abs(v)
          action put(v: int8) { m = magnitude(v) }
        }
        """
        let out = try run(spec, "put", ["v": -128])
        #expect(out.ok && out.state["m"] == "128")
    }

    @Test("a scenario's call arguments are values of the parameters' types: a negative one for a uint is an error")
    func scenarioArguments() {
        let spec = "model S {\n  state x: uint256\n  state y: int64\n  action set(v: uint256) { x = v }\n  action put(v: int64) { y = v }\n"
        #expect(errors(spec + "  scenario s {\n    set(-5)\n  }\n}").contains("7:9: error: negative number -5 where uint256 is expected"))
        #expect(errors(spec + "  scenario s {\n    set(x + y)\n  }\n}").contains("mixes uint256 and int64"))
        #expect(errors(spec + "  scenario s {\n    put(-5)\n    expect y == -5\n  }\n}").isEmpty)
    }
}
