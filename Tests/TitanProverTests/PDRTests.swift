import Foundation
import TitanTestSupport
import Testing
@testable import TitanProver
import TitanSMT

/// Unbounded proofs by PDR: invariants that are true but not inductive, and that k-induction
/// cannot prove, are proved by `titan verify` at default settings with the helpers Z3's Spacer
/// found, each checked again by induction; false ones never are.
@Suite("PDR: Spacer's invariants as checked helpers", .watched)
struct PDRTests {
    static let models = SuggestTests.parity + "\n\n" + SuggestTests.mutex + "\n\n" + """
    model Doubled {
      arithmetic checked
      state a: uint64
      state b: uint64
      action bump() { require a < 1000
        a = a + 1
        b = b + 2 }
      invariant not_seven: b != 7
    }

    model Deep {
      state n: uint64
      action tick() { require n < 1000
        n = n + 1 }
      action stutter() { }
      invariant below_40: n != 40
    }
    """

    func verify(_ text: String, _ extra: [String] = []) throws -> (ProcessResult, [String: [String: Any]]) {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("pdr.tspec")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        let r = try titan(["verify", spec.path, "--no-cache", "--simulate", "0.2", "--report-dir", dir.appendingPathComponent("report").path] + extra)
        #expect(try ReportFormatTests().validate(dir.appendingPathComponent("report/report.json"), schema: "report.schema.json").status == 0)
        let json = try readJSON(dir.appendingPathComponent("report/report.json"))
        var byName: [String: [String: Any]] = [:]
        for case let result as [String: Any] in json["results"] as? [Any] ?? [] { byName[result["property"] as? String ?? ""] = result }
        return (r, byName)
    }

    @Test("true invariants that need a helper are proved by pdr, with the helpers shown, and the helpers pasted in prove them by induction")
    func provedWithHelpers() throws {
        let (r, results) = try verify(Self.models)
        for name in ["never_15", "not_seven", "exclusive"] {
            let entry = try #require(results[name])
            #expect(entry["status"] as? String == "proved" && entry["method"] as? String == "pdr", "\(name): \(entry)\n\(r.stdout)")
            #expect(!(entry["suggestedHelpers"] as? [String] ?? []).isEmpty, "\(name)")
        }
        // Mutual exclusion: whoever holds the lock has it locked.
        let mutex = try #require(results["exclusive"]?["suggestedHelpers"] as? [String])
        #expect(Set(mutex.map { $0.components(separatedBy: ": ").last! }) == ["locked || !owner_a", "locked || !owner_b"], "\(mutex)")
        // Pasted into the spec, the helpers make each invariant inductive: proved without PDR.
        var text = Self.models
        for name in ["never_15", "not_seven", "exclusive"] {
            let helpers = try #require(results[name]?["suggestedHelpers"] as? [String])
            text = text.replacingOccurrences(of: "  invariant \(name):", with: helpers.map { "  " + $0 + "\n" }.joined() + "  invariant \(name):")
        }
        let (again, proved) = try verify(text, ["--pdr", "0"])
        for name in ["never_15", "not_seven", "exclusive"] {
            #expect(proved[name]?["status"] as? String == "proved" && proved[name]?["method"] as? String != "pdr", "\(again.stdout)")
        }
        // A false invariant is never proved: Spacer finds the state reachable, and the searches refute it.
        #expect(results["below_40"]?["status"] as? String != "proved", "\(r.stdout)")
    }

    @Test("--pdr 0 turns it off: the same invariants stay unknown and the run exits 3")
    func turnedOff() throws {
        let (r, results) = try verify(Self.models, ["--pdr", "0"])
        #expect(r.status != 0)
        for name in ["never_15", "not_seven", "exclusive"] {
            #expect(results[name]?["status"] as? String == "unknown", "\(name): \(r.stdout)")
        }
    }

    @Test("Spacer's formulas read back as spec text: linear comparisons with positive coefficients, negations folded")
    func specText() {
        let reader = SpecText(names: ["a", "b", "m", "sum(m)"])
        let x = SMTExpr.variable(0), y = SMTExpr.variable(1)
        let minusTwoB = SMTExpr.app("*", [.number(-2), y])
        #expect(reader.text(.app("<=", [.app("+", [x, minusTwoB]), .number(3)])) == "a <= 2 * b + 3")
        #expect(reader.text(.app("not", [.app("=", [x, .number(13)])])) == "a != 13")
        #expect(reader.text(.app("not", [.app("<=", [x, .number(4)])])) == "a > 4")
        #expect(reader.text(.app("=", [.app("mod", [x, .number(2)]), .number(0)])) == "a % 2 == 0")
        #expect(reader.text(.app("=>", [.app("select", [.variable(2), .number(1)]), .app(">=", [.variable(3), x])])) == "!m[1] || (sum(m) >= a)")
        // No spec form: left out, never guessed.
        #expect(reader.text(.app("ite", [.bool(true), x, y])) == nil)
        #expect(reader.text(.opaque("(forall ...)")) == nil)
    }
}
