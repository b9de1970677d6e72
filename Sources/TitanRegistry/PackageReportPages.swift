import Foundation
import TitanReport
import TitanVerification

/// The auditor's pages of a published version: TitanReport's HTML report of the registry's own
/// re-check, with a section on top saying what the registry concluded and why.
public struct PackageReportPages: Sendable {
    public var info: PackageVersionInfo
    public var report: Report

    public init(info: PackageVersionInfo, reportJSON: Data) throws {
        self.info = info
        report = try JSONDecoder().decode(Report.self, from: reportJSON)
    }

    /// Pages by relative path: `index.html` and `properties/*.html`.
    public func pages() -> [String: String] {
        var out: [String: String] = [:]
        for p in HTMLRenderer(sections: [VerdictSection(info: info)]).pages(report) { out[p.path] = p.html }
        return out
    }

    struct VerdictSection: HTMLReportSection {
        var info: PackageVersionInfo
        var id: String { "registry" }
        var title: String { "Registry verdict: \(info.name)@\(info.version)" }

        func bodyHTML() -> String {
            let e = HTMLRenderer.escape
            var rows = [
                ("status", info.status == .verified ? "\u{2714} verified" : "\u{2718} unverified"),
                ("re-checked with", info.checkedWith),
                ("bundle digest (SHA-256)", info.digest),
                ("publisher key", info.publisherKey),
                ("published", info.publishedAt),
                ("yanked", info.yanked ? "yes" : "no"),
            ]
            if let p = info.price { rows.append(("listing price (minor units)", "\(p)")) }
            var html = "<table>" + rows.map { "<tr><th>\(e($0.0))</th><td>\(e($0.1))</td></tr>" }.joined() + "</table>"
            html += "<p>Claimed properties: " + info.verdicts.filter(\.claimed).map { "\(e($0.name)) (\($0.status.rawValue))" }.joined(separator: ", ") + "</p>"
            if !info.reasons.isEmpty {
                html += "<p>Not verified because:</p><ul>" + info.reasons.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
            }
            return html
        }
    }
}
