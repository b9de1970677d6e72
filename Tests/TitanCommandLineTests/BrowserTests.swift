import Foundation
import TitanTestSupport
import Testing

/// Chromium, if installed (scripts/setup installs the Debian package `chromium`).
let chromium: String? = which("chromium") ?? which("chromium-browser")

/// The HTML report as a real browser renders it: headless Chromium loads the pages from disk,
/// the DOM it builds is checked, and screenshots are kept in .build/test-artifacts/ for people to look at.
@Suite("The HTML report in a browser", .watched, .enabled(if: chromium != nil, "Chromium is not installed: run scripts/setup"))
struct BrowserTests {
    static let artifacts = packageRoot.appendingPathComponent(".build/test-artifacts")

    /// Runs headless Chromium with its own profile directory, so that runs in parallel do not share one.
    func chrome(_ arguments: [String], profile: URL) throws -> ProcessResult {
        try run(try #require(chromium), ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                         "--user-data-dir=\(profile.path)"] + arguments)
    }

    func isPNG(_ url: URL) throws -> Bool {
        let data = try Data(contentsOf: url)
        return data.count > 10_000 && data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    @Test("Chromium renders index.html with every status and a violation page with its trace rows")
    func rendersIndexAndViolation() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try copy(["Specs/kernel/ledger.tspec", "Specs/mutants/ledger_transfer_ignores_self.tspec",
                  "Specs/mutants/ledger_whitepaper_swift_transfer.tspec"], into: dir)
        try counterSpec.write(to: dir.appendingPathComponent("Specs/counter.tspec"), atomically: true, encoding: .utf8)
        let verify = try titan(["verify", "Specs", "--simulate", "0", "--report-dir", "out"], cwd: dir)
        #expect(verify.status == 1)
        let out = dir.appendingPathComponent("out")
        let profile = dir.appendingPathComponent("chromium-profile")

        let index = try chrome(["--dump-dom", out.appendingPathComponent("index.html").absoluteString], profile: profile)
        #expect(index.status == 0, "\(index.stderr)")
        let dom = index.stdout
        #expect(dom.contains("<h1>Titan Verify report</h1>"))
        let rows = dom.components(separatedBy: "<tr class=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(rows.filter { $0 == "proved" }.count == 26, "25 kernel properties and the counter's rule")
        #expect(rows.filter { $0 == "violated" }.count == 3)
        #expect(rows.filter { $0 == "unknown" }.count == 1)
        for word in ["proved", "violated", "unknown"] { #expect(dom.contains("</span> \(word)</span>")) }

        let pages = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("properties").path)
        let violation = try #require(pages.first { $0.hasPrefix("ledger_transfer_ignores_self--LedgerSelfTransfer--supply_is_sum") })
        let page = out.appendingPathComponent("properties/\(violation)")
        let trace = try chrome(["--dump-dom", page.absoluteString], profile: profile)
        #expect(trace.status == 0, "\(trace.stderr)")
        let steps = trace.stdout.components(separatedBy: "<tr class=\"step").count - 1
        #expect(steps == 3, "the initial state, mint, then the self-transfer")
        #expect(trace.stdout.contains("<td><code>transfer</code></td>"))
        #expect(trace.stdout.contains("\u{2718} VIOLATED"))
        #expect(trace.stdout.contains("titan verify Specs/mutants/ledger_transfer_ignores_self.tspec --property supply_is_sum"))

        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        for (name, url) in [("report-index.png", out.appendingPathComponent("index.html")), ("report-violation.png", page)] {
            let shot = Self.artifacts.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: shot)
            let r = try chrome(["--screenshot=\(shot.path)", "--window-size=1280,900", "--hide-scrollbars", url.absoluteString], profile: profile)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try isPNG(shot), "\(name) is not a rendered PNG")
        }
    }
}
