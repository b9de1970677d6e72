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
        // Each file is one whole query. Every solver reads them all in one run, each after a
        // (reset) and an (echo) of its name, so a verdict is read under the name it belongs to
        // (hundreds of files: one process each was mostly process start-up).
        var script = ""
        var expected: [String: String] = [:]
        for name in files {
            let text = try String(contentsOfFile: dir.appendingPathComponent(name).path, encoding: .utf8)
            #expect(text.hasSuffix("(check-sat)\n"), "\(name) does not end in (check-sat)")
            expected[name] = try #require(recordedVerdict(text), "\(name) has no recorded verdict")
            script += "(reset)\n(echo \"query \(name)\")\n" + text
        }
        let all = dir.appendingPathComponent("all-queries.smt2")
        try script.write(to: all, atomically: true, encoding: .utf8)
        for (solver, arguments) in [(z3, [all.path]), (cvc5, ["--lang=smt2", all.path])] {
            let r = try run(solver, arguments)
            let verdicts = Self.verdicts(r.stdout)
            #expect(verdicts.count == files.count, "\(solver) answered \(verdicts.count) of \(files.count) queries\n\(r.stdout.suffix(2000))\(r.stderr)")
            for name in files {
                #expect(verdicts[name] == expected[name], "\(name): \(solver) says \(verdicts[name] ?? "nothing"), recorded \(expected[name] ?? "")")
            }
        }
    }

    /// What a solver printed after each `query NAME` line, by name.
    static func verdicts(_ output: String) -> [String: String] {
        var verdicts: [String: String] = [:]
        var current: String?
        for line in output.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let unquoted = line.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if unquoted.hasPrefix("query ") {
                current = String(unquoted.dropFirst("query ".count))
            } else if let name = current, !line.isEmpty {
                verdicts[name, default: ""] += verdicts[name] == nil ? line : "\n" + line
            }
        }
        return verdicts
    }
}
