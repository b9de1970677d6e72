import TitanTestSupport
import Testing
import TitanIR
import TitanInterp
import TitanProver
import TitanSpec

/// Arithmetic modes, widths and sorts follow the place of use: a view, an explicit conversion or
/// a typed `let` behaves as if its expression were written where it is used.
@Suite("Arithmetic follows the place of use", .watched)
struct ArithmeticModeTests {
    func verify(_ text: String) throws -> [String: PropertyResult] { try verifiedByName(text, ProverOptions(jobs: 1)) }

    @Test("a view used inside unchecked wraps, so a wrap to zero is found")
    func viewInsideUncheckedWraps() throws {
        let r = try verify("""
        model ViewUnchecked {
          arithmetic checked
          state x: uint8 = 255
          view next(a: uint8): uint8 = a + 1
          action bump() { unchecked { x = next(x) } }
          invariant never_zero: x != 0
        }
        """)
        let never = try #require(r["never_zero"])
        #expect(never.status == .violated)
        #expect(never.counterexample?.steps.map(\.action) == ["bump"])
        #expect(never.counterexample?.steps.last?.changes.first?.after == "0")
    }

    @Test("the same view in a checked action reverts instead of wrapping")
    func viewInCheckedActionReverts() throws {
        let r = try verify("""
        model ViewChecked {
          arithmetic checked
          state x: uint8 = 255
          view next(a: uint8): uint8 = a + 1
          action bump() { x = next(x) }
          invariant never_zero: x != 0
          rule bump_reverts_at_top on bump(): x == 255 ==> reverted
        }
        """)
        #expect(r["never_zero"]?.status == .proved)
        #expect(r["bump_reverts_at_top"]?.status == .proved)
    }

    @Test("a view in a property computes exactly, whatever the model's mode; uintN(...) wraps it")
    func viewInPropertyIsExact() throws {
        let r = try verify("""
        model ViewInProperty {
          arithmetic checked
          state x: uint8
          view next(a: uint8): uint8 = a + 1
          action set(v: uint8) { x = v }
          invariant next_is_not_smaller: next(x) > x
          invariant wrapped_next_is_not_smaller: uint8(next(x)) > x
        }
        """)
        #expect(r["next_is_not_smaller"]?.status == .proved)
        #expect(r["wrapped_next_is_not_smaller"]?.status == .violated)
    }

    @Test("a view calling a view takes the mode of the outermost place of use")
    func nestedViewsFollowTheUse() throws {
        let r = try verify("""
        model NestedViews {
          arithmetic checked
          state x: uint8 = 254
          view inc(a: uint8): uint8 = a + 1
          view inc2(a: uint8): uint8 = inc(inc(a))
          action bump() { unchecked { x = inc2(x) } }
          invariant never_zero: x != 0
        }
        """)
        #expect(r["never_zero"]?.status == .violated)
    }

    @Test("a typed let takes its declared width")
    func typedLet() throws {
        let model = try parseModel("""
        model TypedLet {
          state code: uint8
          action set() { let c: uint8 = 7  code = c }
        }
        """)
        guard case .bind("c", let e)? = model.actions[0].body.first else { Issue.record("no let"); return }
        #expect(e.sort == .uint(8))
    }

    @Test("a typed let widens a narrower value and refuses a wider one, naming the conversion")
    func typedLetWidths() throws {
        _ = try parseModel("""
        model Widen {
          state w: uint16
          action set(v: uint8) { let c: uint16 = v  w = c }
        }
        """)
        let error = try #require(throws: SpecErrors.self) {
            try parseModel("""
            model Narrow {
              state n: uint8
              action set(v: uint16) { let c: uint8 = v  n = c }
            }
            """)
        }
        let text = error.diagnostics.map(\.description).joined()
        #expect(text.contains("inline.tspec:3:42"))
        #expect(text.contains("uint8(...)"))
    }

    @Test("narrowing reverts in checked arithmetic and wraps in unchecked")
    func narrowing() throws {
        let r = try verify("""
        model Narrowing {
          arithmetic checked
          state small: uint8
          state big: uint16
          action put(v: uint16) { big = v  small = uint8(v) }
          action wrap(v: uint16) { unchecked { small = uint8(v) } }
          rule put_fits on put(v): !reverted ==> small' == v
          rule put_reverts_above on put(v): v > 255 ==> reverted
          rule wrap_keeps_low_bits on wrap(v): !reverted && small' == v % 256
          rule wrap_can_change_value on wrap(v): small' == v
          lemma widen_then_narrow(a: uint8): uint8(uint16(a)) == a
          lemma literal_converts(a: uint8): uint16(a) + uint16(255) >= 255
        }
        """)
        #expect(r["put_fits"]?.status == .proved)
        #expect(r["put_reverts_above"]?.status == .proved)
        #expect(r["wrap_keeps_low_bits"]?.status == .proved)
        #expect(r["wrap_can_change_value"]?.status == .violated)
        #expect(r["widen_then_narrow"]?.status == .proved)
        #expect(r["literal_converts"]?.status == .proved)
    }

    @Test("the interpreter narrows as the prover does")
    func interpreterNarrows() throws {
        let model = try parseModel("""
        model Narrowing {
          arithmetic checked
          state small: uint8
          action put(v: uint16) { small = uint8(v) }
          action wrap(v: uint16) { unchecked { small = uint8(v) } }
        }
        """)
        let interp = Interpreter(model: model)
        let s0 = interp.initialState()
        let reverted = try interp.step(Step(action: "put", args: ["v": .bits(300)]), from: s0)
        #expect(!reverted.ok.asBool)
        let wrapped = try interp.step(Step(action: "wrap", args: ["v": .bits(300)]), from: s0)
        #expect(wrapped.ok.asBool)
        #expect(wrapped.state["small"] == .bits(44))
    }

    @Test("a conversion of a non-uint is a type error at its operand")
    func conversionOfBool() throws {
        let error = try #require(throws: SpecErrors.self) {
            try parseModel("""
            model Bad {
              state n: uint8
              action set(b: bool) { n = uint8(b) }
            }
            """)
        }
        #expect(error.diagnostics.map(\.description).joined().contains("converts a uint or an int, found bool"))
    }
}
