import Foundation
import TitanTestSupport
import Testing

/// The TextMate grammar editors/tspec.tmLanguage.json (issue #27), run by a real TextMate tokenizer:
/// editors/tests/tokenize_specs.py with textmate-grammar-python, which ./scripts/setup installs into
/// .venv (pinned by editors/tests/requirements.txt). `venvPython` and `venvPresent` are
/// RegistryAPIConformanceTests' paths to that venv.
@Suite("Editor grammar (editors/tspec.tmLanguage.json)", .watched)
struct EditorGrammarTests {
    static let script = packageRoot.appendingPathComponent("editors/tests/tokenize_specs.py").path

    /// With .venv there, a missing tokenizer fails the test instead of skipping it.
    func requireTokenizer() throws {
        let probe = try run(venvPython, ["-c", "import textmate_grammar"])
        try #require(probe.status == 0, ".venv has no textmate-grammar-python: run ./scripts/setup\n\(probe.stderr)")
    }

    @Test("every shipped spec tokenizes with no unknown or invalid span (grammar and Pygments lexer), and the expected scopes hold",
          .enabled(if: venvPresent, "the project venv .venv is absent: run ./scripts/setup"))
    func shippedSpecsTokenize() throws {
        try requireTokenizer()
        let result = try run(venvPython, [Self.script])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("FAIL "), "\(result.stdout)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("tokenized ") && $0.contains(" spec files, ") }, "\(result.stdout)")
        let last = try #require(lines.last)
        #expect(last.hasSuffix(" passed, 0 failed"), "\(result.stdout)")
        // One check per shipped spec, per reserved word and per expected scope of the sample.
        #expect((last.split(separator: " ").first.flatMap { Int($0) } ?? 0) > 100, "\(last)")
    }

    @Test("a spec holding characters the lexer rejects makes the check fail, naming file:line:column and the text",
          .enabled(if: venvPresent, "the project venv .venv is absent: run ./scripts/setup"))
    func unknownTokenFails() throws {
        try requireTokenizer()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("stray.tspec")
        try """
        model Stray {
          state x: uint8
          invariant small: x ` 1 < 5
          invariant sect: x § 2 < 5
        }

        """.write(to: spec, atomically: true, encoding: .utf8)
        let result = try run(venvPython, [Self.script, spec.path])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("stray.tspec:3:22: unknown token (no scope but source.tspec): '`'"), "\(result.stdout)")
        #expect(result.stdout.contains("stray.tspec:4:21: unknown token (no scope but source.tspec): '§'"), "\(result.stdout)")
        // The TextMate grammar and the Pygments lexer (editors/pygments_tspec.py) each report both.
        #expect(result.stdout.contains("stray.tspec:3:22: Pygments lexer: Error token '`'"), "\(result.stdout)")
        #expect(result.stdout.contains("stray.tspec:4:21: Pygments lexer: Error token '§'"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix(" passed, 4 failed\n"), "\(result.stdout)")
    }
}
