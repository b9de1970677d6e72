import Foundation
import TitanTestSupport
import Testing
@testable import TitanLanguageServer

/// `titan lsp` (issue #27): the framing and the server type directly, then the end-to-end tests
/// of editors/tests/test_lsp.py through a real LSP client (pytest-lsp, which ./scripts/setup
/// installs into .venv, pinned by editors/tests/requirements-lsp.txt).
@Suite("Language server (titan lsp)", .watched)
struct LanguageServerTests {
    /// A server whose output is collected, decoded, in order.
    final class Harness {
        var sent: [[String: Any]] = []
        lazy var server = LanguageServer { [unowned self] body in
            self.sent.append((try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:])
        }

        func send(_ message: [String: Any]) throws {
            server.handle(try JSONSerialization.data(withJSONObject: message))
        }

        func open(_ uri: String, _ text: String) throws {
            try send(["jsonrpc": "2.0", "method": "textDocument/didOpen",
                      "params": ["textDocument": ["uri": uri, "languageId": "tspec", "version": 1, "text": text]]])
        }
    }

    @Test("a message is framed with its byte length, and the decoder waits for the whole body")
    func framing() throws {
        let body = Data(#"{"jsonrpc":"2.0","method":"é"}"#.utf8)
        let framed = Framing.encode(body)
        #expect(String(decoding: framed, as: UTF8.self).hasPrefix("Content-Length: \(body.count)\r\n\r\n"))
        #expect(body.count == 31) // é is two bytes: the length counts bytes, not characters
        var decoder = Framing.Decoder()
        decoder.append(framed.prefix(framed.count - 1))
        #expect(try decoder.next() == nil)
        decoder.append(framed.suffix(1) + Framing.encode(Data("{}".utf8)))
        #expect(try decoder.next() == body)
        #expect(try decoder.next() == Data("{}".utf8))
        #expect(try decoder.next() == nil)
    }

    @Test("a header without Content-Length is refused, and the next message still decodes")
    func framingResynchronises() throws {
        var decoder = Framing.Decoder()
        decoder.append(Data("Content-Type: x\r\n\r\n".utf8) + Framing.encode(Data("[]".utf8)))
        #expect(throws: Framing.Error.self) { try decoder.next() }
        #expect(try decoder.next() == Data("[]".utf8))
    }

    @Test("a type error is published with the checker's message, as a 0-based range over the name")
    func diagnosticRange() throws {
        let h = Harness()
        try h.open("file:///tmp/x.tspec", """
        model M {
          state x: uint8
          action set(v: uint8) {
            x = w
          }
        }
        """)
        let published = try #require(h.sent.last)
        #expect(published["method"] as? String == "textDocument/publishDiagnostics")
        let params = try #require(published["params"] as? [String: Any])
        let diagnostics = try #require(params["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        let range = try #require(diagnostics.first?["range"] as? [String: [String: Int]])
        // `w` is at 1-based 4:9.
        #expect(range["start"] == ["line": 3, "character": 8])
        #expect(range["end"] == ["line": 3, "character": 9])
        #expect((diagnostics.first?["message"] as? String)?.contains("'w'") == true)
    }

    @Test("unknown requests get MethodNotFound, unknown notifications nothing, bad JSON a parse error")
    func errors() throws {
        let h = Harness()
        try h.send(["jsonrpc": "2.0", "id": 1, "method": "no/such"])
        #expect((h.sent.last?["error"] as? [String: Any])?["code"] as? Int == -32601)
        try h.send(["jsonrpc": "2.0", "method": "no/such"])
        #expect(h.sent.count == 1)
        h.server.handle(Data("{".utf8))
        #expect((h.sent.last?["error"] as? [String: Any])?["code"] as? Int == -32700)
        try h.send(["jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": ["position": 3]])
        #expect((h.sent.last?["error"] as? [String: Any])?["code"] as? Int == -32602)
        try h.send(["jsonrpc": "2.0", "id": 3, "method": "shutdown"])
        try h.send(["jsonrpc": "2.0", "method": "exit"])
        #expect(h.server.exitCode == 0)
    }

    @Test("a code lens shows the verdict of the report under the workspace root")
    func codeLensVerdict() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Reports/latest"), withIntermediateDirectories: true)
        let report = #"{"results": [{"spec": "s.tspec", "model": "M", "property": "small", "status": "violated", "method": "bmc depth 1"}]}"#
        try report.write(to: root.appendingPathComponent("Reports/latest/report.json"), atomically: true, encoding: .utf8)
        let h = Harness()
        try h.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["rootUri": root.absoluteString]])
        let uri = root.appendingPathComponent("s.tspec").absoluteString
        try h.open(uri, "model M {\n  state x: uint8\n  invariant small: x < 5\n  invariant big: x < 255\n}\n")
        try h.send(["jsonrpc": "2.0", "id": 2, "method": "textDocument/codeLens", "params": ["textDocument": ["uri": uri]]])
        let lenses = try #require(h.sent.last?["result"] as? [[String: Any]])
        let titles = lenses.compactMap { ($0["command"] as? [String: Any])?["title"] as? String }
        #expect(titles.count == 2)
        #expect(titles.first?.hasPrefix("✗ violated (bmc depth 1)") == true, "\(titles)")
        #expect(titles.last?.hasPrefix("not verified yet") == true, "\(titles)")
    }

    @Test("pytest-lsp drives titan lsp end to end: diagnostics, hover, navigation, symbols, completion, errors, 1000 random edits",
          .enabled(if: venvPresent, "the project venv .venv is absent: run ./scripts/setup"))
    func endToEnd() throws {
        let probe = try run(venvPython, ["-c", "import pytest_lsp"])
        try #require(probe.status == 0, ".venv has no pytest-lsp: run ./scripts/setup\n\(probe.stderr)")
        let result = try run(venvPython, ["-m", "pytest", "editors/tests/test_lsp.py", "-q", "-p", "no:cacheprovider"],
                             environment: ["TITAN_BINARY": titanBinary])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" passed"), "\(result.stdout)")
        #expect(!result.stdout.contains("failed"), "\(result.stdout)")
    }
}
