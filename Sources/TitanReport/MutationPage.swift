import Foundation
import TitanMutation

/// `titan mutate`'s text output: each model's score, then every mutant that was not killed.
public enum MutationText {
    public static func render(_ report: MutationReport) -> String {
        var out = ""
        for m in report.models {
            out += "\(m.spec)  model \(m.model): spec strength \(String(format: "%.1f", m.score))% "
                + "(\(m.killed) killed of \(m.mutants - m.equivalent); \(m.survived) survived, \(m.unknown) unknown, \(m.error) errors, \(m.equivalent) equivalent)\n"
            for r in report.mutants where r.spec == m.spec && r.model == m.model && r.outcome != .killed && r.outcome != .equivalent {
                out += "  \(r.outcome.rawValue.uppercased()) \(r.id)\n"
                out += "    - \(r.before.trimmingCharacters(in: .whitespaces))\n    + \(r.after.trimmingCharacters(in: .whitespaces))\n"
                if let why = r.reason { out += "    \(why)\n" }
            }
        }
        let killed = report.mutants.filter { $0.outcome == .killed }.count
        let counted = report.mutants.filter { $0.outcome != .equivalent }.count
        out += "\nMutants: \(report.mutants.count), killed \(killed) of \(counted) counted"
            + (counted > 0 ? String(format: " (%.1f%%)", Double(killed) * 100 / Double(counted)) : "") + "\n"
        return out
    }
}

/// The "Spec strength" page: each model's score, and each survivor as a diff of its line.
public struct MutationSection: HTMLReportSection {
    public let report: MutationReport
    public init(report: MutationReport) { self.report = report }
    public var id: String { "spec-strength" }
    public var title: String { "Spec strength" }

    public func bodyHTML() -> String {
        let e = HTMLRenderer.escape
        var html = "<p class=\"meta\">\(e(report.tool)) \(e(report.toolVersion)) · \(e(report.date)) · \(report.mutants.count) mutants</p>\n"
        html += "<p>Each mutant plants one bug in an action or view. <strong>Killed</strong>: some property caught it. "
            + "<strong>Survived</strong>: every property still proved, so the specs miss that bug. The score is killed / (mutants − equivalent).</p>\n"
        html += "<table><thead><tr><th>Spec</th><th>Model</th><th class=\"num\">Score</th><th class=\"num\">Killed</th>"
            + "<th class=\"num\">Survived</th><th class=\"num\">Unknown</th><th class=\"num\">Error</th><th class=\"num\">Equivalent</th></tr></thead><tbody>\n"
        for m in report.models {
            html += "<tr><td><code>\(e(m.spec))</code></td><td>\(e(m.model))</td><td class=\"num\"><strong>\(String(format: "%.1f", m.score))%</strong></td>"
                + "<td class=\"num\">\(m.killed)</td><td class=\"num\">\(m.survived)</td><td class=\"num\">\(m.unknown)</td>"
                + "<td class=\"num\">\(m.error)</td><td class=\"num\">\(m.equivalent)</td></tr>\n"
        }
        html += "</tbody></table>\n"
        let open = report.mutants.filter { $0.outcome != .killed }
        guard !open.isEmpty else { return html + "<p>Every mutant was killed.</p>\n" }
        html += "<h3>Mutants not killed</h3>\n"
        for r in open {
            let badge = r.outcome == .equivalent ? "proved" : r.outcome == .survived ? "violated" : "unknown"
            html += "<div class=\"mutant\"><p><span class=\"badge \(badge)\">\(e(r.outcome.rawValue))</span> <code>\(e(r.spec)):\(r.line):\(r.column)</code> "
                + "\(e(r.model)).\(e(r.owner)) · \(e(r.mutationOperator))\(r.reason.map { " · " + e($0) } ?? "")</p>\n"
            html += "<pre class=\"diff\"><del>- \(e(r.before))</del>\n<ins>+ \(e(r.after))</ins></pre></div>\n"
        }
        return html
    }
}

public enum MutationPage {
    /// Writes mutation.json and index.html into `directory`, each file atomically.
    public static func write(_ report: MutationReport, to directory: String) throws {
        try HTMLRenderer.writeStandalone(json: try report.json(), named: "mutation.json", section: MutationSection(report: report),
                                         title: "Titan Verify: spec strength", to: directory)
    }
}
