import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

@Suite("Emitted SMT-LIB2 queries", .watched)
struct SMTLibExportTests {
    /// Reads the z3 verdict recorded in an emitted file's header.
    func recordedVerdict(_ text: String) -> String? {
        for line in text.split(separator: "\n") where line.contains(" verdict: ") {
            return line.components(separatedBy: " verdict: ").last.map { String($0.prefix { !$0.isWhitespace }) }
        }
        return nil
    }

    @Test("every query over the shipped specs gets the same verdict from the z3 and cvc5 command-line solvers")
    func z3AndCvc5Agree() throws {
        let z3 = try #require(which("z3"), "z3 is not installed: run scripts/setup")
        let cvc5 = try #require(which("cvc5"), "cvc5 is not installed: run scripts/setup")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The worked examples' non-linear BMC queries are beyond cvc5 in any bounded time.
        let specs = try SpecLoader.load(paths: ["Specs/kernel", "Specs/systems", "Specs/mutants", "Specs/findings"].map(specPath))
        for spec in specs {
            for model in spec.models {
                _ = Prover(model: model, specPath: spec.path, options: ProverOptions(emitDirectory: dir.path)).verify()
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".smt2") }.sorted()
        #expect(files.count >= 20)
        for name in files {
            let path = dir.appendingPathComponent(name).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasSuffix("(check-sat)\n"), "\(name) does not end in (check-sat)")
            let expected = try #require(recordedVerdict(text), "\(name) has no recorded verdict")
            let fromZ3 = try run(z3, [path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let fromCvc5 = try run(cvc5, ["--lang=smt2", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(fromZ3 == expected, "\(name): z3 says \(fromZ3), recorded \(expected)")
            #expect(fromCvc5 == expected, "\(name): cvc5 says \(fromCvc5), recorded \(expected)")
        }
    }
}
