import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// Inputs that once fooled the prover or crashed the front end.
@Suite("Robustness", .watched)
struct RobustnessTests {
    func diagnostics(_ text: String) -> [String] {
        do {
            _ = try SpecLoader.parse(text: text, path: "r.tspec")
            return []
        } catch let e as SpecErrors {
            return e.diagnostics.map(\.message)
        } catch {
            return ["\(error)"]
        }
    }

    @Test("a state variable named like a sum's ghost stays a separate unknown")
    func ghostNamesCannotClash() throws {
        let model = try parseModel("""
        model Alias {
          state x: map<address, uint256>
          state sum_x: uint256
          action set(a: address, v: uint256) { x[a] = v }
          rule pre_equal on set(a, v): sum_x == sum(x)
        }
        """)
        let r = try #require(Prover(model: model, specPath: "inline").verify().first)
        #expect(r.status == .violated)
        #expect(r.counterexample?.replayed == true)
    }

    @Test("hex literals take ASCII digits only: a full-width digit is a diagnostic, not a crash")
    func fullWidthHexDigits() {
        let found = diagnostics("model H {\n  state b: bytes\n  action f() { b = hex\"\u{FF10}\u{FF11}\" }\n}\n")
        #expect(found.contains { $0.contains("invalid character") })
    }

    @Test("chains of views that expand past the size bound are a diagnostic, not a stack overflow")
    func viewExpansionIsBounded() {
        var lines = ["model D {", "  state s: uint256", "  view v0(a: uint256): uint256 = a"]
        for i in 1..<800 { lines.append("  view v\(i)(a: uint256): uint256 = v\(i - 1)(a) + 1") }
        lines += ["  invariant i: v799(s) >= 0", "}"]
        #expect(diagnostics(lines.joined(separator: "\n")).contains { $0.contains("expands to an expression too large") })

        var wide = ["model E {", "  state s: uint256", "  view w0(a: uint256): uint256 = a"]
        for i in 1..<40 { wide.append("  view w\(i)(a: uint256): uint256 = w\(i - 1)(a) + w\(i - 1)(a)") }
        wide += ["  invariant i: w39(s) >= 0", "}"]
        #expect(diagnostics(wide.joined(separator: "\n")).contains { $0.contains("expands to an expression too large") })
    }

    @Test("sums that could pass 512 bits are refused; those that fit are exact")
    func sumsFitTheirWidth() {
        let wide = diagnostics("model S {\n  state m: map<bytes<64>, uint256>\n  invariant i: sum(m) >= 0\n}\n")
        #expect(wide.contains { $0.contains("could exceed 512 bits") })
        #expect(diagnostics("model T {\n  state m: map<uint256, uint256>\n  invariant i: sum(m) >= 0\n}\n").isEmpty)
        #expect(diagnostics("model U {\n  state m: map<bytes<32>, bool>\n  invariant i: count(m) >= 0\n}\n").isEmpty)
    }
}
