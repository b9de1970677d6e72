import Foundation
import TitanVerification
import TitanFuzz

/// What a fuzz campaign did, for auditors: written by `titan fuzz --report-dir` as
/// `fuzz.json` and an offline `index.html`.
public struct FuzzCampaignSummary: Codable, Sendable {
    public struct Finding: Codable, Sendable {
        public var backend: String
        public var verdict: String
        /// How many sequences showed it.
        public var sequences: Int
        /// The shrunk trace, one call per line, and the step where the results differ.
        public var trace: [String]
        /// What the backend adds about each call of `trace` (a Bitcoin witness, say); nil where nothing.
        public var notes: [String?]?
        public var difference: String
    }
    public var seed: UInt64
    public var shard: String?
    public var sequences: Int
    public var operations: Int
    public var seconds: Double
    public var backends: [String]
    public var knownDivergences: [Finding]
    public var divergence: Finding?

    public init(seed: UInt64, shard: String?, backends: [String], report: Campaign.Report) {
        func finding(_ f: Campaign.Finding) -> Finding {
            Finding(backend: f.backend, verdict: "\(f.verdict)", sequences: f.count, trace: f.trace.map { "\($0)" },
                    notes: f.notes.contains { $0 != nil } ? f.notes : nil,
                    difference: "reference \(f.observation.reference); \(f.backend) \(f.observation.backend)")
        }
        self.seed = seed
        self.shard = shard
        sequences = report.sequences
        operations = report.operations
        seconds = report.elapsed
        self.backends = backends
        knownDivergences = report.known.map(finding)
        divergence = report.divergence.map(finding)
    }
}

/// The campaign as a section of the HTML report: counts, backends, and each finding's shrunk
/// trace, the unexplained divergence first. Status reads as a word, not only a colour.
public struct FuzzCampaignSection: HTMLReportSection {
    public let summary: FuzzCampaignSummary
    public init(summary: FuzzCampaignSummary) { self.summary = summary }
    public var id: String { "fuzz" }
    public var title: String { "Fuzz campaign" }

    public func bodyHTML() -> String {
        let e = HTMLRenderer.escape
        let s = summary
        var html = "<p class=\"meta\">seed \(s.seed)\(s.shard.map { " · shard \(e($0))" } ?? "") · \(s.sequences) sequences · "
            + "\(s.operations) operations · \(String(format: "%.1f", s.seconds)) s · backends: \(e(s.backends.joined(separator: ", ")))</p>\n"
        html += s.divergence == nil
            ? "<p><span class=\"badge proved\"><span aria-hidden=\"true\">\u{2714}</span> no divergence</span> apart from the known divergences below.</p>\n"
            : "<p><span class=\"badge violated\"><span aria-hidden=\"true\">\u{2718}</span> divergence</span> found; its shrunk trace is first below.</p>\n"
        let findings = (s.divergence.map { [($0, true)] } ?? []) + s.knownDivergences.map { ($0, false) }
        if findings.isEmpty { return html + "<p>Every sequence agreed with the reference on every backend.</p>\n" }
        html += "<table><thead><tr><th>Backend</th><th>Finding</th><th>Sequences</th><th>Shrunk trace</th><th>Difference</th></tr></thead><tbody>\n"
        for (f, unexplained) in findings {
            let kind = unexplained ? "<span class=\"badge violated\">\u{2718} divergence</span>"
                : "<span class=\"badge unknown\">\(e(f.verdict))</span>"
            let trace = f.trace.enumerated().map { i, call in
                let note = (f.notes?.indices.contains(i) == true ? f.notes?[i] : nil).map { "<br>&nbsp;&nbsp;&nbsp;\(e($0))" } ?? ""
                return "\(i + 1). \(e(call))\(note)"
            }.joined(separator: "<br>")
            html += "<tr><td>\(e(f.backend))</td><td>\(kind)</td><td>\(f.sequences)</td><td><code>\(trace)</code></td><td>\(e(f.difference))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// Writes fuzz.json and index.html into `directory`, each file atomically.
    public static func write(_ summary: FuzzCampaignSummary, to directory: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try HTMLRenderer.writeStandalone(json: try enc.encode(summary), named: "fuzz.json", section: FuzzCampaignSection(summary: summary),
                                         title: "Titan Verify fuzz campaign", to: directory)
    }
}
