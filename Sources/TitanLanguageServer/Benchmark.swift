import Foundation

extension LanguageServer {
    /// Milliseconds from a `didChange` message arriving to its diagnostics being sent, for
    /// `changes` edits of the file at `path`, the whole message path included. Edits alternate:
    /// `valid` ones add a space to a line (the file still checks: the full parse, type check and
    /// outline), `broken` ones a stray character (the parser stops at it).
    public static func benchmark(path: String, changes: Int) throws -> (valid: [Double], broken: [Double]) {
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
        var times: (valid: [Double], broken: [Double]) = ([], [])
        let original = lines[middle]
        for version in 1...max(1, changes) {
            let broken = version % 2 == 1
            lines[middle] = original + String(repeating: " ", count: version / 2 % 7) + (broken ? " @" : "")
            let body = message("textDocument/didChange", ["textDocument": ["uri": uri, "version": version],
                                                          "contentChanges": [["text": lines.joined(separator: "\n")]]])
            let start = DispatchTime.now().uptimeNanoseconds
            server.handle(body)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if broken { times.broken.append(ms) } else { times.valid.append(ms) }
        }
        guard published == changes + 1 else { throw Framing.Error(description: "diagnostics were not published for every change") }
        return times
    }
}
