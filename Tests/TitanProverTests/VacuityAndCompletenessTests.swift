import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanReport
import TitanVerification
import TitanSpec

/// Nothing is proved vacuously, and easy truths are proved: sums bounded by what real states
/// allow, narrow non-linear arithmetic decided over bit-vectors.
@Suite("Vacuity and completeness", .watched)
struct VacuityAndCompletenessTests {
    func verify(_ text: String) throws -> [String: PropertyResult] {
        try verifiedByName(text, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0.5))
    }

    static let frozen = """
    model Frozen {
      state frozen: bool = true
      state owner: address
      state x: uint8
      action set(v: uint8) { require !frozen  x = v }
      action guarded(v: uint8) { if v > 10 { require v < 5  x = v } else { x = 0 } }
      invariant stays_frozen: frozen
      rule set_keeps_owner on set(v): owner' == owner
      rule guarded_large on guarded(v): v > 200 && v < 100 ==> x' == 7
      rule guarded_small on guarded(v): v <= 10 ==> x' == 0
      invariant owner_premise: owner != owner ==> x == 3
      lemma impossible(a: uint8): a > 5 && a < 3 ==> a == 9
    }
    """

    @Test("a rule over an action that can never complete is vacuous, not proved")
    func ruleOverDeadAction() throws {
        let r = try verify(Self.frozen)
        #expect(r["stays_frozen"]?.status == .proved)
        let rule = try #require(r["set_keeps_owner"])
        #expect(rule.status == .vacuous)
        #expect(rule.reason?.contains("action set can never complete") == true)
    }

    @Test("a premise that can never hold makes a rule, an invariant or a lemma vacuous")
    func impossiblePremise() throws {
        let r = try verify(Self.frozen)
        #expect(r["guarded_large"]?.status == .vacuous)
        #expect(r["owner_premise"]?.status == .vacuous)
        #expect(r["impossible"]?.status == .vacuous)
        #expect(r["guarded_small"]?.status == .proved)
    }

    @Test("a require that can never pass is reported at its line")
    func deadRequire() throws {
        let r = try verify(Self.frozen)
        let dead = r.values.filter { $0.kind == "require" }.sorted { $0.line < $1.line }
        #expect(dead.map(\.property) == ["set.require@5:26", "guarded.require@6:42"])
        #expect(dead.allSatisfy { $0.status == .vacuous })
    }

    @Test("vacuous fails the gate like violated, with its own word in every format")
    func vacuousInReports() throws {
        let model = try parseModel(Self.frozen)
        let results = Prover(model: model, specPath: "inline.tspec", options: ProverOptions(jobs: 1, simulationSeconds: 0)).verify()
        let report = Report(toolVersion: "test", options: .init(depth: 4, timeoutSeconds: 30), specs: ["inline.tspec"], results: results)
        #expect(report.summary.vacuous == 6)
        #expect(report.exitCode(allowUnknown: true) == 1)
        #expect(TextRenderer(color: false).render(report).contains("VACUOUS"))
        #expect(JUnitRenderer().render(report).contains("<failure type=\"vacuous\""))
        let sarif = String(decoding: try SARIFRenderer().render(report), as: UTF8.self)
        #expect(sarif.contains("is vacuous"))
        #expect(HTMLRenderer().pages(report).first { $0.path == "index.html" }?.html.contains("badge vacuous") == true)
    }

    @Test("sums and counts are bounded by the number of keys of their key sort")
    func sumBounds() throws {
        let r = try verify("""
        model Sums {
          state w: map<uint256, uint256>
          state f: map<bool, bool>
          state g: map<bool, uint8>
          action setW(k: uint256, v: uint256) { w[k] = v }
          action setF(k: bool, v: bool) { f[k] = v }
          action setG(k: bool, v: uint8) { g[k] = v }
          invariant sum_covers_entry(k: uint256): sum(w) >= w[k]
          invariant at_most_two: count(f) <= 2
          invariant at_most_510: sum(g) <= 510
        }
        """)
        #expect(r["sum_covers_entry"]?.status == .proved)
        #expect(r["at_most_two"]?.status == .proved)
        #expect(r["at_most_510"]?.status == .proved)
    }

    @Test("narrow non-linear lemmas are decided over bit-vectors")
    func narrowNonLinear() throws {
        let r = try verify("""
        model Narrow {
          state x: uint8
          action set(v: uint8) { x = v }
          lemma div_mod(a: uint8, b: uint8): b != 0 ==> (a / b) * b + a % b == a
          lemma mul_div(a: uint8, b: uint8): b != 0 && uint16(a) * uint16(b) < 256 ==> a * b / b == a
          lemma false_one(a: uint8, b: uint8): a * b % 7 != 3
        }
        """)
        #expect(r["div_mod"]?.status == .proved)
        #expect(r["mul_div"]?.status == .proved)
        #expect(r["false_one"]?.status == .violated)
    }
}
