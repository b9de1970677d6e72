import Foundation
import TitanVerification
import TitanProver

/// An extra section of index.html, for results that are not proof results. This is the hook for
/// fuzz campaigns: `titan fuzz` will supply one; the prover supplies none.
public protocol HTMLReportSection: Sendable {
    /// The anchor id and heading of the section.
    var id: String { get }
    var title: String { get }
    /// The section's body. Implementations escape their own text (see `HTMLRenderer.escape`).
    func bodyHTML() -> String
}

public struct HTMLPage: Sendable, Equatable {
    /// Relative to the report directory.
    public var path: String
    public var html: String
}

/// The static, offline HTML report: index.html and one page per property. No scripts, no external
/// resources; the stylesheet is inline. Every status is shown as a word and a symbol as well as a
/// colour, so it reads in greyscale and for colour-blind readers.
public struct HTMLRenderer: Sendable {
    public var sections: [any HTMLReportSection]
    public init(sections: [any HTMLReportSection] = []) { self.sections = sections }

    public static func escape(_ s: String) -> String { s.markupEscaped }

    public func pages(_ report: Report) -> [HTMLPage] {
        [HTMLPage(path: "index.html", html: index(report))]
            + report.results.map { HTMLPage(path: Self.pagePath(for: $0), html: propertyPage($0, report)) }
    }

    /// A readable file name that stays unique: specs in different directories may share a model name.
    public static func pagePath(for r: PropertyResult) -> String {
        func slug(_ s: String) -> String {
            String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
        }
        let stem = ((r.spec as NSString).lastPathComponent as NSString).deletingPathExtension
        return "properties/\(slug(stem))--\(slug(r.model))--\(slug(r.property))-\(sha256Hex(r.key).prefix(8)).html"
    }

    // MARK: Pieces

    static func badge(_ s: Status) -> String {
        let (symbol, word): (String, String)
        switch s {
        case .proved: (symbol, word) = ("\u{2714}", "proved")
        case .violated: (symbol, word) = ("\u{2718}", "violated")
        case .unknown: (symbol, word) = ("?", "unknown")
        case .error: (symbol, word) = ("!", "error")
        case .vacuous: (symbol, word) = ("\u{2205}", "vacuous")
        }
        return "<span class=\"badge \(s.rawValue)\"><span aria-hidden=\"true\">\(symbol)</span> \(word)</span>"
    }

    static func seconds(_ s: Double) -> String { String(format: "%.2f s", s) }

    /// A page of its own for results that are not proof results (a fuzz campaign): the
    /// report's styling, a heading, and the sections.
    /// Writes a one-section report: its data as `jsonName` and the page as `index.html`, into
    /// `directory`, each file atomically. What `titan fuzz` and `titan mutate` write for auditors.
    public static func writeStandalone(json: Data, named jsonName: String, section: HTMLReportSection,
                                       title: String, to directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        try ReportDirectory.writeAtomically(json, to: dir.appendingPathComponent(jsonName).path)
        let page = HTMLRenderer(sections: [section]).standalonePage(title: title)
        try ReportDirectory.writeAtomically(Data(page.utf8), to: dir.appendingPathComponent("index.html").path)
    }

    public func standalonePage(title: String) -> String {
        var body = "<header><h1>\(Self.escape(title))</h1></header>\n"
        for section in sections {
            body += "<section id=\"\(Self.escape(section.id))\"><h2>\(Self.escape(section.title))</h2>\n\(section.bodyHTML())</section>\n"
        }
        return document(title: title, body: body)
    }

    func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>\(Self.css)</style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    // MARK: index.html

    func index(_ report: Report) -> String {
        let e = Self.escape
        let s = report.summary
        var body = "<header><h1>Titan Verify report</h1>\n"
        body += "<p class=\"meta\">\(e(report.tool)) \(e(report.toolVersion)) · \(e(report.solver)) · BMC depth \(report.options.depth)"
            + " · timeout \(e(String(format: "%g", report.options.timeoutSeconds))) s per query · \(report.specs.count) spec file\(report.specs.count == 1 ? "" : "s")"
            + " · \(s.total) propert\(s.total == 1 ? "y" : "ies")</p></header>\n"
        body += "<section class=\"summary\" aria-label=\"Summary\">\n"
        for (status, n) in [(Status.proved, s.proved), (.violated, s.violated), (.vacuous, s.vacuous), (.unknown, s.unknown), (.error, s.error)] {
            body += "<div class=\"count \(status.rawValue)\(n == 0 ? " zero" : "")\"><span class=\"n\">\(n)</span> \(Self.badge(status))</div>\n"
        }
        body += "</section>\n"
        let showCertificates = report.results.contains { $0.certificate != nil }
        let showCrossCheck = report.results.contains { $0.crossCheck != nil }
        var lastSpec: String?
        var lastModel: String?
        var open = false
        func close() { if open { body += "</tbody></table>\n"; open = false } }
        for r in report.results {
            if r.spec != lastSpec {
                close()
                body += "<h2 class=\"spec\">\(e(r.spec))</h2>\n"
                lastSpec = r.spec
                lastModel = nil
            }
            if r.model != lastModel {
                close()
                // Fixed column widths, so that the tables of all models line up.
                let cols = "<colgroup><col style=\"width:25%\"><col style=\"width:8%\"><col style=\"width:11%\"><col>"
                    + "<col style=\"width:9%\"><col style=\"width:7%\">" + (showCertificates ? "<col style=\"width:10%\">" : "")
                    + (showCrossCheck ? "<col style=\"width:12%\">" : "") + "</colgroup>"
                let inModel = report.results.filter { $0.spec == r.spec && $0.model == r.model }
                let proved = inModel.filter { $0.status == .proved }.count
                var strength = ""
                if let st = report.specStrength?.first(where: { $0.spec == r.spec && $0.model == r.model }) {
                    strength = " · spec strength <strong>\(String(format: "%.1f", st.score))%</strong> (\(st.killed) of \(st.counted) planted bugs caught; mutation run \(e(String(st.date.prefix(10)))))"
                }
                body += "<h3>model \(e(r.model))</h3>\n<p class=\"meta\">\(proved) of \(inModel.count) proved\(strength)</p>\n<table class=\"results\">\(cols)<thead><tr><th>Property</th><th>Kind</th>"
                    + "<th>Status</th><th>Method</th><th>Solver</th><th class=\"num\">Time</th>"
                    + (showCertificates ? "<th>Certificate</th>" : "") + (showCrossCheck ? "<th>Cross-check</th>" : "")
                    + "</tr></thead><tbody>\n"
                lastModel = r.model
                open = true
            }
            body += "<tr class=\"\(r.status.rawValue)\"><td><a href=\"\(e(Self.pagePath(for: r)))\">\(e(r.property))</a></td>"
                + "<td>\(e(r.kind))</td><td>\(Self.badge(r.status))\(r.expectViolated == true ? " <span class=\"tag\">expected violated</span>" : "")</td><td>\(e(r.method))</td><td>\(e(r.solver))</td>"
                + "<td class=\"num\">\(Self.seconds(r.seconds))</td>"
                // Short words here; the reasons are in the tooltip and on the property's page.
                + (showCertificates ? "<td title=\"\(e(certificateText(r.certificate)))\">\(e(r.certificate.map { $0.state == .fresh ? "fresh" : "re-proved" } ?? "—"))</td>" : "")
                + (showCrossCheck ? "<td title=\"\(e(crossCheckText(r.crossCheck)))\">\(e(r.crossCheck?.outcome.rawValue ?? "—"))</td>" : "")
                + "</tr>\n"
        }
        close()
        if report.results.isEmpty { body += "<p>No properties were checked.</p>\n" }
        // Hook: sections from other kinds of runs (fuzz campaigns), kept apart from proof results.
        for section in sections {
            body += "<section class=\"extra\" id=\"\(e(section.id))\"><h2>\(e(section.title))</h2>\n\(section.bodyHTML())\n</section>\n"
        }
        body += "<footer>Files in this directory: report.json (schema Reports/schema/report.schema.json), junit.xml, report.sarif, summary.txt.</footer>"
        return document(title: "Titan Verify report", body: body)
    }

    func certificateText(_ c: CertificateCheck?) -> String {
        guard let c else { return "—" }
        switch c.state {
        case .fresh: return "fresh"
        case .reproved: return "re-proved" + (c.reason.map { " (\($0))" } ?? "")
        }
    }

    func crossCheckText(_ c: CrossCheck?) -> String {
        guard let c else { return "—" }
        return "\(c.solver): \(c.outcome.rawValue)" + (c.detail.map { " (\($0))" } ?? "")
    }

    // MARK: Property pages

    func propertyPage(_ r: PropertyResult, _ report: Report) -> String {
        let e = Self.escape
        var body = "<nav><a href=\"../index.html\">\u{2190} All properties</a></nav>\n"
        body += "<header><h1>\(Self.badge(r.status)) <span class=\"qualified\">\(e(r.model)).\(e(r.property))</span></h1></header>\n"
        body += "<dl class=\"facts\">\n"
        var facts: [(String, String)] = [
            ("Spec", "<code>\(e(r.spec)):\(r.line):\(r.column)</code>"),
            ("Kind", e(r.kind)),
            ("Status", Self.badge(r.status)),
            ("Method", e(r.method)),
            ("Solver", e(r.solver)),
            ("Time", Self.seconds(r.seconds)),
        ]
        if let why = r.reason { facts.append(("Reason", e(why))) }
        if r.certificate != nil { facts.append(("Certificate", e(certificateText(r.certificate)))) }
        if r.crossCheck != nil { facts.append(("Cross-check", e(crossCheckText(r.crossCheck)))) }
        for (k, v) in facts { body += "<dt>\(k)</dt><dd>\(v)</dd>\n" }
        body += "</dl>\n"

        body += "<h2>Source</h2>\n<pre class=\"source\">"
        for (i, line) in SourceHighlighter.lines(r.source).enumerated() {
            body += "<span class=\"lineno\">\(r.line + i)</span>\(line)\n"
        }
        body += "</pre>\n"

        if let cex = r.counterexample { body += counterexample(cex, r) }
        if let cti = r.counterexampleToInduction { body += counterexampleToInduction(cti) }
        if let helpers = r.suggestedHelpers {
            body += "<h2>Suggested helpers</h2>\n<p>With these invariants added to the model, this property is proved (<code>--suggest</code>):</p>\n"
            body += "<pre class=\"command\"><code>\(e(helpers.joined(separator: "\n")))</code></pre>\n"
        }

        body += "<h2>Replay</h2>\n<p>Run this from the directory the report was made in:</p>\n"
        body += "<pre class=\"command\"><code>\(e(replayCommand(r)))</code></pre>\n"

        if !r.queries.isEmpty {
            body += "<h2>Solver queries</h2>\n<table class=\"queries\"><thead><tr><th>Query</th><th>Verdict</th>"
                + "<th class=\"num\">Time</th><th>SHA-256 of the SMT-LIB2 text</th>"
                + (r.queries.contains { $0.crossCheck != nil } ? "<th>Cross-check</th>" : "") + "</tr></thead><tbody>\n"
            for q in r.queries {
                let verdict = q.verdict + (q.fromCertificate == true ? " (from certificate)" : "")
                body += "<tr><td><code>\(e(q.name))</code></td><td>\(e(verdict))</td><td class=\"num\">\(Self.seconds(q.seconds))</td>"
                    + "<td><code class=\"hash\">\(e(q.sha256 ?? "—"))</code></td>"
                    + (r.queries.contains { $0.crossCheck != nil } ? "<td>\(e(q.crossCheck ?? "—"))</td>" : "") + "</tr>\n"
            }
            body += "</tbody></table>\n"
        }
        return document(title: "\(r.model).\(r.property): \(r.status.rawValue) — Titan Verify", body: body)
    }

    public func replayCommand(_ r: PropertyResult) -> String {
        "titan verify \(r.spec.shellQuoted) --property \(r.property.shellQuoted)"
    }

    func counterexample(_ cex: Counterexample, _ r: PropertyResult) -> String {
        let e = Self.escape
        var out = "<h2>Counterexample</h2>\n"
        out += "<p>Replayed by the concrete interpreter from the initial state\(cex.replayed ? "" : " (not replayed)"). "
            + "Changed state is highlighted: <del>before</del> \u{2192} <ins>after</ins>.</p>\n"
        if !cex.ruleParams.isEmpty {
            out += "<p>Rule parameters: " + cex.ruleParams.map { "<code>\(e($0.name)) = \(e($0.value))</code>" }.joined(separator: ", ") + "</p>\n"
        }
        let isRule = r.kind == "rule"
        out += "<table class=\"trace\"><thead><tr><th class=\"num\">Step</th><th>Action</th><th>Arguments</th>"
            + "<th>State changes</th><th>\(e(r.property))</th></tr></thead><tbody>\n"
        let initial = cex.initialState.map { "<div><code>\(e($0.name)) = \(e($0.value))</code></div>" }.joined()
        out += "<tr class=\"step initial\(cex.holdsInitially ? "" : " fails")\"><td class=\"num\">0</td><td><em>initial state</em></td><td>—</td>"
            + "<td>\(initial)</td><td>\(holds(isRule ? nil : cex.holdsInitially))</td></tr>\n"
        for (i, st) in cex.steps.enumerated() {
            let last = i == cex.steps.count - 1
            var args = st.args.isEmpty ? "—" : st.args.map { "<div><code>\(e($0.name)) = \(e($0.value))</code></div>" }.joined()
            if let r = st.returned { args += "<div>returns <code>\(e(r))</code></div>" }
            var changes = st.changes.map {
                "<div class=\"change\"><code>\(e($0.variable))</code>: <del>\(e($0.before))</del> \u{2192} <ins>\(e($0.after))</ins></div>"
            }.joined()
            if st.changes.isEmpty { changes = "<span class=\"muted\">no state change</span>" }
            if last, cex.lastReverted == true { changes += "<div><span class=\"tag\">reverted</span></div>" }
            // A rule is a statement about one action: it is evaluated on the last step only.
            let value: Bool? = isRule && !last ? nil : st.propertyHolds
            out += "<tr class=\"step\(value == false ? " fails" : "")\"><td class=\"num\">\(i + 1)</td><td><code>\(e(st.action))</code></td>"
                + "<td>\(args)</td><td>\(changes)</td><td>\(holds(value))</td></tr>\n"
        }
        out += "</tbody></table>\n"
        return out
    }

    /// The step that breaks an invariant from a state satisfying the assumed ones, as a step table.
    func counterexampleToInduction(_ cti: CounterexampleToInduction) -> String {
        let e = Self.escape
        var out = "<h2>Counterexample to induction <span class=\"tag\">\(e(cti.label))</span></h2>\n"
        out += "<p>The induction step fails from this state, which satisfies "
            + (cti.assumed.isEmpty ? "no other invariant" : "the assumed invariants " + cti.assumed.map { "<code>\(e($0))</code>" }.joined(separator: ", "))
            + ". It is <strong>\(e(cti.label))</strong> from the initial state: either it is unreachable, and an invariant that rules it out is missing, or a longer trace reaches it.</p>\n"
        if !cti.invariantParams.isEmpty {
            out += "<p>Invariant parameters: " + cti.invariantParams.map { "<code>\(e($0.name)) = \(e($0.value))</code>" }.joined(separator: ", ") + "</p>\n"
        }
        out += "<table class=\"trace cti\"><thead><tr><th class=\"num\">Step</th><th>Action</th><th>Arguments</th>"
            + "<th>State changes</th><th>\(e(cti.invariant))</th></tr></thead><tbody>\n"
        let pre = cti.preState.map { "<div><code>\(e($0.name)) = \(e($0.value))</code></div>" }.joined()
        out += "<tr class=\"step initial\"><td class=\"num\">0</td><td><em>pre-state</em></td><td>—</td><td>\(pre)</td><td>\(holds(true))</td></tr>\n"
        let args = cti.args.isEmpty ? "—" : cti.args.map { "<div><code>\(e($0.name)) = \(e($0.value))</code></div>" }.joined()
        var changes = cti.changes.map {
            "<div class=\"change\"><code>\(e($0.variable))</code>: <del>\(e($0.before))</del> \u{2192} <ins>\(e($0.after))</ins></div>"
        }.joined()
        if cti.changes.isEmpty { changes = "<span class=\"muted\">no state change</span>" }
        out += "<tr class=\"step fails\"><td class=\"num\">1</td><td><code>\(e(cti.action))</code></td><td>\(args)</td><td>\(changes)</td><td>\(holds(false))</td></tr>\n"
        out += "</tbody></table>\n"
        return out
    }

    func holds(_ value: Bool?) -> String {
        switch value {
        case .none: return "<span class=\"muted\" title=\"a rule is evaluated on its action only\">—</span>"
        case .some(true): return "<span class=\"holds\">\u{2714} holds</span>"
        case .some(false): return "<span class=\"fails-word\">\u{2718} VIOLATED</span>"
        }
    }

    static let css = """
    :root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--panel:#f6f8fa;
    --ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#7d4e00;--warn-bg:#fff8c5;--err:#8250df;--err-bg:#fbefff}
    *{box-sizing:border-box}
    body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
    main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
    h1{font-size:1.6rem;margin:.2em 0 .3em}
    h2{font-size:1.2rem;margin:1.6em 0 .5em;padding-bottom:.25em;border-bottom:1px solid var(--line)}
    h2.spec{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:1.05rem}
    h3{font-size:1rem;margin:1.1em 0 .4em;color:var(--muted)}
    a{color:#0969da;text-decoration:none} a:hover{text-decoration:underline}
    code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.88em}
    .meta,.muted,footer{color:var(--muted)}
    footer{margin-top:3em;font-size:.85em}
    .summary{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0 8px}
    .count{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:150px;background:var(--panel);display:flex;align-items:center;gap:10px}
    .count .n{font-size:1.7rem;font-weight:700;min-width:1.2em;text-align:right}
    .count.zero{opacity:.55}
    .count.violated:not(.zero){border-color:var(--bad);background:var(--bad-bg)}
    .count.unknown:not(.zero){border-color:#d4a72c;background:var(--warn-bg)}
    .count.error:not(.zero){border-color:var(--err);background:var(--err-bg)}
    .count.vacuous:not(.zero){border-color:var(--bad);background:var(--bad-bg)}
    .badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:.8rem;font-weight:700;letter-spacing:.03em;text-transform:uppercase;border:1px solid;white-space:nowrap}
    .badge.proved{color:var(--ok);background:var(--ok-bg);border-color:var(--ok)}
    .badge.violated{color:var(--bad);background:var(--bad-bg);border-color:var(--bad)}
    .badge.unknown{color:var(--warn);background:var(--warn-bg);border-color:#d4a72c}
    .badge.error{color:var(--err);background:var(--err-bg);border-color:var(--err)}
    .badge.vacuous{color:var(--bad);background:var(--bad-bg);border-color:var(--bad);border-style:dashed}
    h1 .badge{font-size:.9rem;vertical-align:middle}
    .qualified{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
    table{border-collapse:collapse;width:100%;margin:.4em 0 1em;font-size:.92rem}
    th,td{border-bottom:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
    th{background:var(--panel);font-weight:600}
    td.num,th.num{text-align:right;white-space:nowrap}
    table.results{table-layout:fixed}
    table.results th,table.results td:nth-child(2),table.results td:nth-child(5),table.results td:nth-child(6){white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
    table.results tr.violated td:first-child{box-shadow:inset 4px 0 var(--bad)}
    table.results tr.unknown td:first-child{box-shadow:inset 4px 0 #d4a72c}
    table.results tr.error td:first-child{box-shadow:inset 4px 0 var(--err)}
    table.results tr.vacuous td:first-child{box-shadow:inset 4px 0 var(--bad)}
    dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:12px 0}
    dl.facts dt{color:var(--muted)} dl.facts dd{margin:0}
    pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow-x:auto}
    pre.source .lineno{display:inline-block;width:3.5em;color:var(--muted);user-select:none}
    pre.source .kw{color:#8250df;font-weight:600}pre.source .num{color:#0550ae}pre.source .post{color:#953800}
    pre.source .com{color:var(--muted);font-style:italic}pre.source .op{color:#cf222e}
    table.trace th,table.trace td:nth-child(2){white-space:nowrap}
    table.trace td:nth-child(3){min-width:16em}
    table.trace tr.fails td{background:var(--bad-bg)}
    table.trace tr.fails td:first-child{box-shadow:inset 4px 0 var(--bad)}
    del{background:#ffebe9;color:#82071e;text-decoration:line-through;padding:0 3px;border-radius:3px}
    ins{background:#ccffd8;color:#055d20;text-decoration:none;font-weight:600;padding:0 3px;border-radius:3px}
    .change{margin:1px 0}
    .holds{color:var(--ok);font-weight:600;white-space:nowrap}
    .fails-word{color:var(--bad);font-weight:700;white-space:nowrap}
    .tag{display:inline-block;font-size:.78rem;font-weight:700;text-transform:uppercase;border:1px solid var(--warn);color:var(--warn);background:var(--warn-bg);border-radius:4px;padding:0 6px;margin-top:3px}
    code.hash{font-size:.78em;color:var(--muted)}
    nav{margin-bottom:8px}
    """
}
