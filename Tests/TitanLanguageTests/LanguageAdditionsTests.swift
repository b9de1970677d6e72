import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanReport
import TitanVerification
import TitanSpec

/// Smaller additions to the language and the command line: constant literals, expected
/// violations, `--property` selecting models.
@Suite("Language additions", .watched)
struct LanguageAdditionsTests {
    @Test("1e18 and 2**96 are constant literals")
    func literals() throws {
        let model = try parseModel("""
        model Lit {
          state x: uint256 = 1e18
          state y: uint128 = 2**96
          state z: uint256 = 25e17
          action set() { x = 2**255 + 1e3 }
        }
        """)
        #expect(model.stateVars[0].initial == .number(1_000_000_000_000_000_000, .uint256))
        #expect(model.stateVars[1].initial == .number(1 << 96, .uint(128)))
        #expect(model.stateVars[2].initial == .number(2_500_000_000_000_000_000, .uint256))
        for bad in ["state x: uint8 = 1e3", "state x: uint256 = 1e", "state x: uint256 = 2**", "state x: uint256 = 2**300",
                    "state x: uint256\\n  action a(v: uint256) { x = v**2 }"] {
            #expect(throws: SpecErrors.self, "\(bad)") { try parseModel("model M {\n  \(bad.replacingOccurrences(of: "\\n", with: "\n"))\n}") }
        }
    }

    static let deliberate = """
    model Deliberate {
      arithmetic checked
      state x: uint8
      action inc() { require x < 3  x = x + 1 }
      invariant small: x <= 3
      invariant tiny: x <= 1 expect violated
    }
    """

    @Test("a property marked expect violated passes the gate when refuted and fails it when proved")
    func expectViolated() throws {
        let model = try parseModel(Self.deliberate)
        #expect(model.properties[1].expectViolated)
        let results = Prover(model: model, specPath: "d.tspec", options: ProverOptions(jobs: 1)).verify()
        #expect(results.map(\.status) == [.proved, .violated])
        let report = Report(toolVersion: "t", options: .init(depth: 4, timeoutSeconds: 30), specs: ["d.tspec"], results: results)
        #expect(report.exitCode == 0)
        #expect(CIRenderer(allowUnknown: false).render(report).contains("exit 0: pass"))
        #expect(!JUnitRenderer().render(report).contains("<failure"))

        let proved = try parseModel(Self.deliberate.replacingOccurrences(of: "x <= 1 expect violated", with: "x <= 3 expect violated"))
        let r2 = Prover(model: proved, specPath: "d.tspec", options: ProverOptions(jobs: 1)).verify()
        let report2 = Report(toolVersion: "t", options: .init(depth: 4, timeoutSeconds: 30), specs: ["d.tspec"], results: r2)
        #expect(report2.exitCode == 1)
        #expect(CIRenderer(allowUnknown: false).render(report2).contains("proved, but marked expect violated: Deliberate.tiny"))
        #expect(JUnitRenderer().render(report2).contains("type=\"expected-violation\""))
    }

    @Test("--property proves only the models that hold the named property")
    func propertySelectsModels() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        model A {
          state x: uint8
          action set(v: uint8) { x = v }
          invariant a_small: x <= 255
        }
        model B {
          state y: uint8
          action set(v: uint8) { y = v }
          invariant b_zero: y == 0
          scenario b_runs { set(3) expect y == 3 }
        }
        """.write(to: dir.appendingPathComponent("two.tspec"), atomically: true, encoding: .utf8)
        let r = try titan(["verify", "two.tspec", "--property", "a_small", "--format", "json", "--no-report", "--no-cache"], cwd: dir)
        #expect(r.status == 0, "model B, whose invariant is violated, is not proved at all: \(r.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let results = report?["results"] as? [[String: Any]] ?? []
        #expect(results.map { $0["model"] as? String } == ["A"])

        // A scenario is named like a property: selecting it runs it alone.
        let s = try titan(["verify", "two.tspec", "--property", "b_runs", "--format", "json", "--no-report", "--no-cache"], cwd: dir)
        #expect(s.status == 0, "\(s.stdout)\(s.stderr)")
        let scenario = (try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]] ?? []
        #expect(scenario.map { $0["property"] as? String } == ["b_runs"])
        #expect(scenario.first?["status"] as? String == "proved")
        let missing = try titan(["verify", "two.tspec", "--property", "nothing_here", "--no-report"], cwd: dir)
        #expect(missing.status == 2 && missing.stderr.contains("no property named nothing_here"))
    }
}

/// `using lemma`: a proved lemma is assumed, instantiated, in the property's queries.
@Suite("Lemmas as hints", .watched)
struct LemmaHintTests {
    static func spec(_ lemma: String) -> String {
        """
        model Hinted {
          state x: uint8
          action set(v: uint8) { x = v }
          invariant zero: x == 0 using helper
          rule set_stores on set(v): x' == v using helper
          \(lemma)
        }
        """
    }

    @Test("a false lemma is never assumed: what uses it is not proved by it")
    func unprovedLemmaIsNotAssumed() throws {
        let model = try parseModel(Self.spec("lemma helper(a: uint8): a == 0"))
        let results = Dictionary(uniqueKeysWithValues: Prover(model: model, specPath: "h.tspec", options: ProverOptions(jobs: 1)).verify().map { ($0.property, $0) })
        #expect(results["helper"]?.status == .violated)
        #expect(results["zero"]?.status == .violated)
        #expect(results["zero"]?.lemmasUsed == nil)
        #expect(results["zero"]?.reason?.contains("not assumed, since not proved: lemma helper") == true)
    }

    @Test("a proved lemma is assumed in the queries and named in the result")
    func provedLemmaIsAssumed() throws {
        let with = try parseModel(Self.spec("lemma helper(a: uint8, b: uint8): a <= b || b < a"))
        let results = Dictionary(uniqueKeysWithValues: Prover(model: with, specPath: "h.tspec", options: ProverOptions(jobs: 1)).verify().map { ($0.property, $0) })
        #expect(results["set_stores"]?.status == .proved)
        #expect(results["set_stores"]?.lemmasUsed == ["helper"])
        // The rule's query differs from the same rule's without the hint: the instances are in it.
        var plain = with
        plain.properties = plain.properties.map { var p = $0; p.using = []; return p }
        let without = Prover(model: plain, specPath: "h.tspec", options: ProverOptions(jobs: 1)).verify().first { $0.property == "set_stores" }
        #expect(without?.queries.first?.sha256 != results["set_stores"]?.queries.first?.sha256)
    }

    @Test("using names a lemma of the same model")
    func usingChecksNames() throws {
        let error = try #require(throws: SpecErrors.self) { try parseModel(Self.spec("invariant helper: x >= 0")) }
        #expect(error.description.contains("'using' names 'helper', which is not a lemma of model 'Hinted'"))
    }
}

/// The language reference's opening example is a spec that proves, so the page cannot drift.
@Suite("The language reference", .watched)
struct LanguageReferenceTests {
    @Test("Docs/spec-language.md's example parses and every property is proved")
    func exampleProves() throws {
        let page = try String(contentsOfFile: specPath("Docs/spec-language.md"), encoding: .utf8)
        let start = try #require(page.range(of: "```\nmodel Vault"))
        let rest = page[start.upperBound...]
        let end = try #require(rest.range(of: "```"))
        let model = try parseModel("model Vault" + rest[..<end.lowerBound])
        let results = Prover(model: model, specPath: "doc.tspec", options: ProverOptions(jobs: 1, simulationSeconds: 0.5)).verify()
        #expect(results.count == 3)
        #expect(results.allSatisfy { $0.status == .proved }, "\(results.map { "\($0.property): \($0.status)" })")
    }

    @Test("every model on the page parses, and every property it states is proved")
    func everyExampleProves() throws {
        let page = try String(contentsOfFile: specPath("Docs/spec-language.md"), encoding: .utf8)
        let blocks = page.components(separatedBy: "```\n").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let models = blocks.filter { $0.hasPrefix("model ") }
        #expect(models.count >= 3)
        for text in models {
            let model = try parseModel(text)
            let results = Prover(model: model, specPath: "doc.tspec", options: ProverOptions(jobs: 1, simulationSeconds: 0.5)).verify()
            #expect(!results.isEmpty && results.allSatisfy { $0.status == .proved }, "\(model.name): \(results.map { "\($0.property): \($0.status)" })")
        }
    }
}
