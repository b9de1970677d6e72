import Foundation
import TitanConform

/// A `titan conform` run as a section of the HTML report: the figures, the verdict as a word,
/// and the shrunk divergence with both sides' values at the step where they part.
public struct ConformSection: HTMLReportSection {
    public let result: ConformResult
    public init(result: ConformResult) { self.result = result }
    public var id: String { "conform" }
    public var title: String { "Conformance: \(result.model)" }

    public func bodyHTML() -> String {
        let e = HTMLRenderer.escape
        let r = result
        var html = "<p class=\"meta\">model \(e(r.model)) (\(e(r.spec))) · implementation \(e(r.target)) · seed \(r.seed) · "
            + "\(r.sequences) sequences · \(r.calls) calls · \(String(format: "%.1f", r.seconds)) s (\(Int(r.callsPerSecond)) calls/s) · "
            + "\(r.coverage) outcomes reached, \(r.corpusSize) sequences kept</p>\n"
        for k in r.known {
            html += "<p><span class=\"badge unknown\">known</span> \(e(k.name)), seen \(k.count) time\(k.count == 1 ? "" : "s"): \(e(k.reason))</p>\n"
        }
        guard let f = r.divergence else {
            return html + "<p><span class=\"badge proved\"><span aria-hidden=\"true\">\u{2714}</span> conforms</span>: "
                + "no divergence in \(r.sequences) sequences.</p>\n"
        }
        let d = f.divergence
        html += "<p><span class=\"badge violated\"><span aria-hidden=\"true\">\u{2718}</span> diverges</span> at "
            + (d.step == 0 ? "the deployment" : "step \(d.step)") + " (shrunk from \(f.originalLength) to \(f.steps.count) steps)"
            + (r.corpusFile.map { "; replay: <code>\(e($0))</code>" } ?? "") + ".</p>\n"
        html += "<table><thead><tr><th>#</th><th>Call</th><th>Observation</th><th>Model</th><th>Implementation</th></tr></thead><tbody>\n"
        let offset = f.trace.count - f.steps.count
        for (i, call) in f.trace.enumerated() {
            let n = i - offset + 1
            let here = n == d.step || (n <= 0 && d.step == 0)
            html += "<tr\(here ? " class=\"fails\"" : "")><td class=\"num\">\(n <= 0 ? "deploy" : "\(n)")</td><td><code>\(e(call))</code></td>"
                + (here ? "<td>\(e(d.observation))</td><td>\(e(d.model))</td><td>\(e(d.implementation))</td>" : "<td></td><td></td><td></td>")
                + "</tr>\n"
        }
        if d.step == 0 && offset == 0 {
            html += "<tr class=\"fails\"><td class=\"num\">deploy</td><td><em>deployment</em></td><td>\(e(d.observation))</td>"
                + "<td>\(e(d.model))</td><td>\(e(d.implementation))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// Writes conform.json and an offline index.html into `directory`, each file atomically.
    public static func write(_ result: ConformResult, to directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(result.json().utf8).write(to: dir.appendingPathComponent("conform.json"), options: .atomic)
        let page = HTMLRenderer(sections: [ConformSection(result: result)]).standalonePage(title: "Titan Verify conformance: \(result.model)")
        try Data(page.utf8).write(to: dir.appendingPathComponent("index.html"), options: .atomic)
    }
}
