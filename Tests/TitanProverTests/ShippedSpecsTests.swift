import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// The shipped specs as a specification of the tool: every kernel property is proved, and
/// every mutant and finding is refuted exactly where its header says, with a replayed trace.
@Suite("Shipped specs", .watched)
struct ShippedSpecsTests {
    static func specFiles(_ dir: String) -> [String] {
        let root = packageRoot.appendingPathComponent(dir)
        let paths = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        return paths.filter { $0.hasSuffix(".tspec") }.sorted().map { "\(dir)/\($0)" }
    }

    /// The property names a mutant's header lists: "// Expected: a, b and c violated."
    static func expectedViolations(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: specPath(path), encoding: .utf8)
        let comment = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("//") }.map { $0.dropFirst(2) }.joined(separator: " ")
        guard let start = comment.range(of: "Expected:"), let end = comment.range(of: "violated", range: start.upperBound..<comment.endIndex) else {
            return []
        }
        return comment[start.upperBound..<end.lowerBound]
            .split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            .map(String.init).filter { $0 != "and" }
    }

    @Test("every property of the kernel specs is proved", arguments: specFiles("Specs/kernel"))
    func kernelSpecIsProved(path: String) throws {
        let files = try SpecLoader.load(paths: [specPath(path)])
        for model in files[0].models {
            for r in Prover(model: model, specPath: path).verify() {
                #expect(r.status == .proved, "\(model.name).\(r.property): \(r.status) \(r.reason ?? "")")
            }
        }
    }

    @Test("each mutant and finding is refuted as its header says, with a replayed trace",
          arguments: specFiles("Specs/mutants") + specFiles("Specs/findings"))
    func mutantIsRefuted(path: String) throws {
        let expected = try Self.expectedViolations(path)
        #expect(!expected.isEmpty, "\(path) has no 'Expected: ... violated' line")
        let files = try SpecLoader.load(paths: [specPath(path)])
        let results = files[0].models.flatMap { Prover(model: $0, specPath: path).verify() }
        for name in expected {
            let r = try #require(results.first { $0.property == name }, "\(path) has no property \(name)")
            #expect(r.status == .violated, "\(name): \(r.status) \(r.reason ?? "")")
            let cex = try #require(r.counterexample)
            #expect(cex.replayed)
            if r.kind != "lemma" {
                #expect(!cex.steps.isEmpty || !cex.holdsInitially)
                #expect(cex.steps.last?.propertyHolds != true)
            }
        }
        for r in results where !expected.contains(r.property) {
            #expect(r.status == .proved, "\(path): \(r.property) is not listed as expected to fail but is \(r.status)")
        }
    }

    @Test("the MPC threshold fails exactly at n = 0")
    func mpcFindingIsAtZero() throws {
        let (file, model) = try loadModel("Specs/findings/thresholds.tspec")
        let r = try #require(Prover(model: model, specPath: file.path).verify().first { $0.property == "mpc_quorum_is_safe" })
        #expect(r.counterexample?.ruleParams.map(\.name) == ["n"])
        #expect(r.counterexample?.ruleParams.map(\.value) == ["0"])
    }
}
