import Foundation
import TitanTestSupport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The files of a report directory, checked against their schemas and for what auditors and CI read.
@Suite("Report formats: JSON, JUnit, SARIF, HTML", .watched)
struct ReportFormatTests {
    /// A run over the kernel, the mutants and an unknown property: every status but error.
    static func makeRun() throws -> (dir: URL, result: ProcessResult) {
        let dir = try temporaryDirectory()
        try copy(["Specs/kernel/ledger.tspec", "Specs/mutants/ledger_unchecked_mint.tspec"], into: dir)
        try counterSpec.write(to: dir.appendingPathComponent("Specs/counter.tspec"), atomically: true, encoding: .utf8)
        let r = try titan(["verify", "Specs", "--simulate", "0", "--report-dir", "out"], cwd: dir)
        return (dir, r)
    }

    /// Validates a JSON file against a JSON Schema with Python's jsonschema, an independent implementation.
    func validate(_ file: URL, schema: String) throws -> ProcessResult {
        let python = try #require(which("python3"), "python3 is not installed: run scripts/setup")
        let script = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        errors = sorted(cls(schema).iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.path))
        for e in errors: print("/".join(map(str, e.path)) + ": " + e.message)
        sys.exit(1 if errors else 0)
        """
        return try run(python, ["-c", script, packageRoot.appendingPathComponent("Reports/schema/\(schema)").path, file.path])
    }

    @Test("report.json validates against Reports/schema/report.schema.json, and a corrupted copy does not")
    func reportJSONMatchesSchema() throws {
        let (dir, r) = try Self.makeRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let file = dir.appendingPathComponent("out/report.json")
        let ok = try validate(file, schema: "report.schema.json")
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")

        var json = try readJSON(file)
        var results = try #require(json["results"] as? [[String: Any]])
        results[0]["status"] = "pass"
        json["results"] = results
        let bad = dir.appendingPathComponent("bad.json")
        try JSONSerialization.data(withJSONObject: json).write(to: bad)
        let rejected = try validate(bad, schema: "report.schema.json")
        #expect(rejected.status == 1)
        #expect(rejected.stdout.contains("results/0/status"), "\(rejected.stdout)\(rejected.stderr)")
    }

    @Test("report.sarif validates against the SARIF 2.1.0 schema; one result per non-proved property at its spec line")
    func sarifMatchesSchemaAndLocatesProperties() throws {
        let (dir, _) = try Self.makeRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("out/report.sarif")
        let ok = try validate(file, schema: "sarif-schema-2.1.0.json")
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")

        let report = try readJSON(dir.appendingPathComponent("out/report.json"))
        let notProved = try #require(report["results"] as? [[String: Any]]).filter { $0["status"] as? String != "proved" }
        let sarif = try readJSON(file)
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == notProved.count)
        #expect(notProved.count == 3, "two mutant violations and one unknown")
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == ["titan/invariant", "titan/rule"])
        for (expected, result) in zip(notProved, results) {
            let loc = try #require(((result["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any])
            let uri = (loc["artifactLocation"] as? [String: Any])?["uri"] as? String
            let region = loc["region"] as? [String: Any]
            #expect(uri == expected["spec"] as? String)
            #expect(region?["startLine"] as? Int == expected["line"] as? Int)
            #expect(region?["startColumn"] as? Int == expected["column"] as? Int)
            let level = result["level"] as? String
            #expect(level == (expected["status"] as? String == "unknown" ? "warning" : "error"))
            let ruleId = result["ruleId"] as? String
            #expect(ruleId == "titan/\(expected["kind"] as? String ?? "")")
        }
    }

    @Test("junit.xml: one testcase per property; violated and unknown are failures, with the trace for a violation")
    func junitCasesAndFailures() throws {
        let (dir, _) = try Self.makeRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = try XMLDocument(contentsOf: dir.appendingPathComponent("out/junit.xml"), options: [])
        let report = try readJSON(dir.appendingPathComponent("out/report.json"))
        let results = try #require(report["results"] as? [[String: Any]])
        let cases = try doc.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        #expect(cases.count == results.count)
        for (c, r) in zip(cases, results) {
            #expect(c.attribute(forName: "name")?.stringValue == r["property"] as? String)
            #expect(c.attribute(forName: "classname")?.stringValue == "\(r["spec"] as? String ?? ""):\(r["model"] as? String ?? "")")
            let failure = c.elements(forName: "failure").first
            switch r["status"] as? String {
            case "proved":
                #expect(c.childCount == 0)
            case "violated":
                #expect(failure?.attribute(forName: "type")?.stringValue == "violated")
                #expect(failure?.stringValue?.contains("counterexample (replayed by the interpreter)") == true)
                #expect(failure?.stringValue?.contains("1. mint(") == true)
            case "unknown":
                #expect(failure?.attribute(forName: "type")?.stringValue == "unknown")
                #expect(c.elements(forName: "skipped").isEmpty)
            default:
                Issue.record("unexpected status \(String(describing: r["status"]))")
            }
        }
        let root = try #require(doc.rootElement())
        #expect(root.attribute(forName: "failures")?.stringValue == "3")
    }

    @Test("HTML: every property has a page; spec text is escaped; statuses are words, not only colours")
    func htmlPagesAndEscaping() throws {
        let (dir, _) = try Self.makeRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let index = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        let pages = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("properties").path)
        let report = try readJSON(out.appendingPathComponent("report.json"))
        #expect(pages.count == (report["results"] as? [Any])?.count)
        for page in pages { #expect(index.contains("href=\"properties/\(page)\"")) }
        for word in ["proved", "violated", "unknown"] { #expect(index.contains("</span> \(word)</span>")) }
        // Offline: nothing is fetched from elsewhere.
        for html in [index] + (try pages.map { try String(contentsOf: out.appendingPathComponent("properties/\($0)"), encoding: .utf8) }) {
            #expect(!html.contains("<script"))
            #expect(!html.contains("http://") && !html.contains("https://"))
        }
        let counterPage = try #require(pages.first { $0.contains("Counter--small") })
        let html = try String(contentsOf: out.appendingPathComponent("properties/\(counterPage)"), encoding: .utf8)
        // Highlighted by the language's lexer: the escaped text is there once the markup is taken out.
        let text = html.replacingOccurrences(of: "<span class=\"[a-z]+\">|</span>", with: "", options: .regularExpression)
        #expect(text.contains("invariant small: counter &lt; 5 &amp;&amp; counter &lt;= 6"))
        #expect(html.contains("<span class=\"kw\">invariant</span>") && html.contains("<span class=\"num\">5</span>")
                && html.contains("<span class=\"op\">&amp;&amp;</span>"))
        #expect(!html.contains("counter < 5"))
        #expect(html.contains("titan verify Specs/counter.tspec --property small"))
    }

    @Test("a violated property's page has the step table and the replay command")
    func violationPage() throws {
        let (dir, _) = try Self.makeRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out/properties")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path)
            .first { $0.hasPrefix("ledger_unchecked_mint--LedgerUncheckedMint--supply_is_sum") })
        let html = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
        #expect(html.contains("<h2>Counterexample</h2>"))
        #expect(html.components(separatedBy: "<tr class=\"step").count - 1 == 3, "initial state and two steps")
        #expect(html.contains("<ins>"), "changed state is highlighted")
        #expect(html.contains("\u{2718} VIOLATED"))
        #expect(html.contains("titan verify Specs/mutants/ledger_unchecked_mint.tspec --property supply_is_sum"))
    }
}

@Suite("Writing report directories", .watched)
struct ReportDirectoryTests {
    @Test("a new run replaces the report directory whole: no pages of the old run, no staging directories left")
    func replacesWhole() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try copy(["Specs/kernel/ledger.tspec", "Specs/mutants/ledger_unchecked_mint.tspec"], into: dir)
        #expect(try titan(["verify", "Specs/mutants", "--report-dir", "out"], cwd: dir).status == 1)
        #expect(try titan(["verify", "Specs/kernel", "--report-dir", "out"], cwd: dir).status == 0)
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out/properties").path)
        #expect(pages.count == 25)
        #expect(pages.allSatisfy { $0.hasPrefix("ledger--Ledger--") })
        let siblings = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(siblings.sorted() == ["Specs", "out"], "\(siblings)")
    }

    @Test("a directory that is not a report is never replaced: exit 2, a message, and it is left as it was")
    func refusesForeignDirectory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try copy(["Specs/kernel/ledger.tspec"], into: dir)
        let r = try titan(["verify", "Specs/kernel", "--report-dir", "Specs"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: report: refusing to replace Specs: it exists and is not a report directory"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("Specs").path) == ["kernel"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["Specs"])
    }

    @Test("a report of the previous format (no query hashes or certificate fields) is still read and merged")
    func readsPreviousFormat() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try titan(["verify", "Specs/kernel", "--report-dir", dir.appendingPathComponent("new").path]).status == 0)
        var json = try readJSON(dir.appendingPathComponent("new/report.json"))
        var results = try #require(json["results"] as? [[String: Any]])
        let total = results.count
        for i in results.indices {
            var queries = try #require(results[i]["queries"] as? [[String: Any]])
            for j in queries.indices { queries[j]["sha256"] = nil }
            results[i]["queries"] = queries
        }
        json["results"] = results
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("old"), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("old/report.json"))
        let r = try titan(["report", "merge", "old", "--output", "merged"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(total >= 12)
        #expect(r.stdout.contains("\(total) properties, \(total) proved"))
    }
}
