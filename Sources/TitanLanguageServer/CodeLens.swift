import Foundation
import TitanProcess
import TitanSpec

/// The verdicts of the last `titan verify` report, re-read only when the file changes: lenses are
/// asked for often and must never run the prover.
struct ReportCache {
    struct Result: Decodable {
        var spec: String
        var model: String
        var property: String
        var status: String
        var method: String?
    }
    private struct File: Decodable { var results: [Result] }

    private var path = ""
    private var modified: Date?
    /// By "spec path \u{1F} model \u{1F} property", spec paths made absolute against the root.
    private var verdicts: [String: Result] = [:]

    static func key(_ spec: String, _ model: String, _ property: String) -> String {
        "\(spec)\u{1F}\(model)\u{1F}\(property)"
    }

    /// `spec` as an absolute, standardized path (relative ones are taken from `root`).
    static func absolute(_ spec: String, root: String) -> String {
        let full = spec.hasPrefix("/") ? spec : (root as NSString).appendingPathComponent(spec)
        return (full as NSString).standardizingPath
    }

    mutating func verdict(root: String, spec: String, model: String, property: String) -> Result? {
        let file = (root as NSString).appendingPathComponent("Reports/latest/report.json")
        let date = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date
        if file != path || date != modified {
            path = file
            modified = date
            verdicts = [:]
            if let data = FileManager.default.contents(atPath: file), let report = try? JSONDecoder().decode(File.self, from: data) {
                for r in report.results {
                    verdicts[ReportCache.key(ReportCache.absolute(r.spec, root: root), r.model, r.property)] = r
                }
            }
        }
        return verdicts[ReportCache.key(ReportCache.absolute(spec, root: root), model, property)]
    }
}

extension LanguageServer {
    static let verifyCommand = "titan.verifyProperty"

    /// A lens over each invariant, rule and lemma: its latest verdict; clicking verifies it.
    func codeLenses(_ params: [String: Any]) throws -> Any {
        let document = try document(params)
        var lenses: [[String: Any]] = []
        for model in document.models {
            for p in model.children where [.invariant, .rule, .lemma].contains(p.kind) {
                let title: String
                if let r = reports.verdict(root: root, spec: document.path, model: model.name, property: p.name) {
                    let mark = ["proved": "✓", "violated": "✗", "vacuous": "⚠"][r.status] ?? "?"
                    title = "\(mark) \(r.status)" + (r.method.map { $0.isEmpty ? "" : " (\($0))" } ?? "")
                } else {
                    title = "not verified yet"
                }
                lenses.append([
                    "range": document.range(line: p.location.line, column: p.location.column, length: p.name.count),
                    "command": ["title": title + " — verify", "command": LanguageServer.verifyCommand,
                                "arguments": [document.path, model.name, p.name]],
                ])
            }
        }
        return lenses
    }

    /// `titan.verifyProperty [file, model, property]`: runs `titan verify FILE --property NAME
    /// --no-report` in the background and logs its output; the request is answered at once.
    func executeCommand(_ params: [String: Any]) throws -> Any {
        guard params["command"] as? String == LanguageServer.verifyCommand else {
            throw RequestError(code: .invalidParams, message: "unknown command; the server runs only \(LanguageServer.verifyCommand)")
        }
        guard let args = params["arguments"] as? [String], args.count == 3 else {
            throw RequestError(code: .invalidParams, message: "\(LanguageServer.verifyCommand) takes [file, model, property]")
        }
        guard let titan = titanExecutable else {
            throw RequestError(code: .invalidParams, message: "the titan executable is unknown; cannot verify")
        }
        guard FileManager.default.isExecutableFile(atPath: titan) else {
            throw RequestError(code: .invalidParams, message: "cannot run \(titan): not an executable file")
        }
        let label = "\(args[1]).\(args[2])", root = self.root
        DispatchQueue.global().async { [weak self] in
            let text: String, failed: Bool
            do {
                let r = try ChildProcess.run([titan, "verify", args[0], "--property", args[2], "--no-report"], directory: root,
                                             errors: .toStdout, timeout: 3600)
                text = "titan verify \(label): exit \(r.status.map(String.init) ?? r.exit)\n" + r.stdout
                failed = r.status != 0
            } catch {
                text = "titan verify \(label): cannot run \(titan): \(error)"
                failed = true
            }
            self?.notify("window/logMessage", ["type": failed ? 1 : 3, "message": text] as [String: Any])
        }
        return NSNull()
    }
}
