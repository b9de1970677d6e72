import Foundation
import TitanIR
import TitanSpec

/// A Language Server Protocol server for `.tspec` files. Messages go in through `handle` (one
/// JSON body each) and out through `send` (one JSON body each, unframed), so tests can drive it
/// without pipes; `run` connects it to stdin and stdout.
public final class LanguageServer {
    /// JSON-RPC error codes used here.
    public enum ErrorCode: Int {
        case parseError = -32700, invalidRequest = -32600, methodNotFound = -32601, invalidParams = -32602
        case serverNotInitialized = -32002
    }

    struct RequestError: Error {
        var code: ErrorCode
        var message: String
    }

    private let send: (Data) -> Void
    private let sendLock = NSLock()
    var documents: [String: Document] = [:]
    /// Where `Reports/latest/report.json` is looked up; set from `initialize`.
    var root: String = FileManager.default.currentDirectoryPath
    /// The `titan` executable that `titan.verifyProperty` runs.
    public var titanExecutable: String?
    var reports = ReportCache()
    private(set) var shutdownRequested = false
    /// Set by `exit`: the process exit code (0 after `shutdown`, 1 otherwise, as the protocol says).
    public private(set) var exitCode: Int32?

    public init(send: @escaping (Data) -> Void) { self.send = send }

    /// Reads framed messages from stdin until `exit` or end of input; returns the exit code.
    public static func run(titanExecutable: String?) -> Int32 {
        let output = FileHandle.standardOutput
        let server = LanguageServer { body in output.write(Framing.encode(body)) }
        server.titanExecutable = titanExecutable
        var decoder = Framing.Decoder()
        while server.exitCode == nil {
            let chunk = FileHandle.standardInput.availableData
            if chunk.isEmpty { return 1 }
            decoder.append(chunk)
            while server.exitCode == nil {
                do {
                    guard let body = try decoder.next() else { break }
                    server.handle(body)
                } catch {
                    server.respond(id: NSNull(), error: RequestError(code: .parseError, message: "\(error)"))
                }
            }
        }
        return server.exitCode ?? 1
    }

    // MARK: Dispatch

    /// Handles one message body. Never throws: anything malformed is answered with an error.
    public func handle(_ body: Data) {
        guard let json = try? JSONSerialization.jsonObject(with: body) else {
            return respond(id: NSNull(), error: RequestError(code: .parseError, message: "the message is not valid JSON"))
        }
        guard let message = json as? [String: Any] else {
            return respond(id: NSNull(), error: RequestError(code: .invalidRequest, message: "a message must be a JSON object"))
        }
        let id = message["id"]
        guard let method = message["method"] as? String else {
            // A response to a request of ours (none is sent expecting one) or garbage.
            if id != nil, message["result"] == nil, message["error"] == nil {
                respond(id: id!, error: RequestError(code: .invalidRequest, message: "a request needs a 'method' string"))
            }
            return
        }
        let params = message["params"] as? [String: Any] ?? [:]
        guard let id else { return notification(method, params) }
        do {
            respond(id: id, result: try request(method, params))
        } catch let error as RequestError {
            respond(id: id, error: error)
        } catch {
            respond(id: id, error: RequestError(code: .invalidParams, message: "\(error)"))
        }
    }

    private func request(_ method: String, _ params: [String: Any]) throws -> Any {
        switch method {
        case "initialize": return initialize(params)
        case "shutdown":
            shutdownRequested = true
            return NSNull()
        case "textDocument/hover": return try hover(params)
        case "textDocument/definition": return try definition(params)
        case "textDocument/references": return try references(params)
        case "textDocument/documentSymbol": return try documentSymbols(params)
        case "textDocument/codeLens": return try codeLenses(params)
        case "textDocument/completion": return try completion(params)
        case "workspace/executeCommand": return try executeCommand(params)
        default: throw RequestError(code: .methodNotFound, message: "unknown method '\(method)'")
        }
    }

    private func notification(_ method: String, _ params: [String: Any]) {
        switch method {
        case "exit": exitCode = shutdownRequested ? 0 : 1
        case "textDocument/didOpen":
            guard let doc = params["textDocument"] as? [String: Any], let uri = doc["uri"] as? String,
                  let text = doc["text"] as? String else { return }
            update(uri, text)
        case "textDocument/didChange":
            // Full sync: the last change holds the whole text.
            guard let doc = params["textDocument"] as? [String: Any], let uri = doc["uri"] as? String,
                  let changes = params["contentChanges"] as? [[String: Any]],
                  let text = changes.last?["text"] as? String else { return }
            update(uri, text)
        case "textDocument/didClose":
            guard let doc = params["textDocument"] as? [String: Any], let uri = doc["uri"] as? String else { return }
            documents[uri] = nil
            publish(["uri": uri, "diagnostics": []])
        default: break // Notifications the server does not know are ignored, as the protocol asks.
        }
    }

    private func initialize(_ params: [String: Any]) -> Any {
        if let uri = params["rootUri"] as? String {
            root = Document.path(of: uri)
        } else if let path = params["rootPath"] as? String {
            root = path
        } else if let folders = params["workspaceFolders"] as? [[String: Any]], let uri = folders.first?["uri"] as? String {
            root = Document.path(of: uri)
        }
        let capabilities: [String: Any] = [
            "textDocumentSync": ["openClose": true, "change": 1],
            "hoverProvider": true,
            "definitionProvider": true,
            "referencesProvider": true,
            "documentSymbolProvider": true,
            "codeLensProvider": ["resolveProvider": false],
            "completionProvider": ["triggerCharacters": ["."]],
            "executeCommandProvider": ["commands": [LanguageServer.verifyCommand]],
        ]
        return ["capabilities": capabilities, "serverInfo": ["name": "titan", "version": TitanVersion.current]]
    }

    // MARK: Documents and diagnostics

    /// Analyses the new text and publishes its diagnostics.
    @discardableResult
    func update(_ uri: String, _ text: String) -> Document {
        let document = Document(uri: uri, text: text, previous: documents[uri])
        documents[uri] = document
        publish(["uri": uri, "diagnostics": diagnostics(document)])
        return document
    }

    /// The analysis' diagnostics as LSP diagnostics, with the CLI's messages.
    func diagnostics(_ document: Document) -> [[String: Any]] {
        document.analysis.diagnostics.map { d in
            ["range": document.range(line: d.location.line, column: d.location.column),
             "severity": d.isWarning ? 2 : 1, "source": "titan", "message": d.message]
        }
    }

    private func publish(_ params: [String: Any]) {
        notify("textDocument/publishDiagnostics", params)
    }

    /// The open document a request names.
    func document(_ params: [String: Any]) throws -> Document {
        guard let doc = params["textDocument"] as? [String: Any], let uri = doc["uri"] as? String else {
            throw RequestError(code: .invalidParams, message: "missing textDocument.uri")
        }
        guard let document = documents[uri] else {
            throw RequestError(code: .invalidParams, message: "document not open: \(uri)")
        }
        return document
    }

    /// The document and character offset of a `TextDocumentPositionParams`.
    func position(_ params: [String: Any]) throws -> (Document, Int) {
        let document = try document(params)
        guard let p = params["position"] as? [String: Any], let line = p["line"] as? Int, let character = p["character"] as? Int else {
            throw RequestError(code: .invalidParams, message: "missing or malformed position")
        }
        return (document, document.offset(line: line, character: character))
    }

    // MARK: Output

    func notify(_ method: String, _ params: Any) {
        write(["jsonrpc": "2.0", "method": method, "params": params])
    }

    private func respond(id: Any, result: Any) {
        write(["jsonrpc": "2.0", "id": id, "result": result])
    }

    private func respond(id: Any, error: RequestError) {
        write(["jsonrpc": "2.0", "id": id, "error": ["code": error.code.rawValue, "message": error.message]])
    }

    private func write(_ message: [String: Any]) {
        guard let body = try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]) else { return }
        // Verification runs finish on other threads; whole messages must not interleave.
        sendLock.lock()
        defer { sendLock.unlock() }
        send(body)
    }
}
