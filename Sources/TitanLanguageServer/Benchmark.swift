import Foundation

extension LanguageServer {
    /// Milliseconds from a `didChange` message arriving to its diagnostics being sent, for
    /// `changes` edits of the file at `path` (each edit alternately breaks and restores one line,
    /// so both the error path and the full check are timed). The whole message path is included.
    public static func benchmark(path: String, changes: Int) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Framing.Error(description: "cannot read \(path)")
        }
        var published = 0
        let server = LanguageServer { _ in published += 1 }
        let uri = URL(fileURLWithPath: path).absoluteString
        func message(_ method: String, _ params: [String: Any]) -> Data {
            (try? JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "method": method, "params": params])) ?? Data()
        }
        server.handle(message("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "tspec", "version": 0, "text": text]]))
        var lines = text.components(separatedBy: "\n")
        let middle = lines.count / 2
        var times: [Double] = []
        for version in 1...max(1, changes) {
            // Odd versions add a stray token in the middle (a syntax error); even ones restore the text.
            lines[middle] = version % 2 == 1 ? lines[middle] + " @" : text.components(separatedBy: "\n")[middle]
            let body = message("textDocument/didChange", ["textDocument": ["uri": uri, "version": version],
                                                          "contentChanges": [["text": lines.joined(separator: "\n")]]])
            let start = DispatchTime.now().uptimeNanoseconds
            server.handle(body)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        guard published == changes + 1 else { throw Framing.Error(description: "diagnostics were not published for every change") }
        return times
    }
}
