import Foundation
import TitanTestSupport
import Testing
import TitanProver
import TitanReport
import TitanVerification

/// `titan report merge`: shards of a run join into the report of the whole run.
@Suite("Merging reports", .watched)
struct ReportMergeTests {
    /// report.json without timings, which differ between any two runs.
    func withoutTimings(_ url: URL) throws -> String {
        try TitanTestSupport.withoutTimings(Data(contentsOf: url))
    }

    @Test("shards run separately merge into the single run's report, in every format")
    func shardsMergeIntoTheSingleRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try copy(["Specs/kernel/ledger.tspec", "Specs/mutants/ledger_unchecked_mint.tspec",
                  "Specs/mutants/ledger_whitepaper_swift_transfer.tspec"], into: dir)
        #expect(try titan(["verify", "Specs", "--report-dir", "whole"], cwd: dir).status == 1)
        // Shards given in an order unlike the single run's, one as a directory and one as a file.
        #expect(try titan(["verify", "Specs/mutants", "--report-dir", "shard1"], cwd: dir).status == 1)
        #expect(try titan(["verify", "Specs/kernel", "--report-dir", "shard2"], cwd: dir).status == 0)
        let merge = try titan(["report", "merge", "shard1", "shard2/report.json", "--output", "merged"], cwd: dir)
        #expect(merge.status == 1, "exit code of the merged results: a violation")
        #expect(merge.stdout.contains("Merged 2 runs into merged: 28 properties, 25 proved, 3 violated"), "\(merge.stdout)\(merge.stderr)")

        let whole = dir.appendingPathComponent("whole"), merged = dir.appendingPathComponent("merged")
        #expect(try withoutTimings(merged.appendingPathComponent("report.json")) == withoutTimings(whole.appendingPathComponent("report.json")))
        func files(_ url: URL) throws -> [String] {
            try FileManager.default.subpathsOfDirectory(atPath: url.path).sorted()
        }
        #expect(try files(merged) == files(whole))
    }

    @Test("merging is order-independent and exact: a report split into shards merges back byte for byte")
    func splitAndMergeIsIdentity() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try titan(["verify", "Specs", "--report-dir", dir.appendingPathComponent("run").path]).status == 1)
        var whole = try Report.read(run: dir.appendingPathComponent("run").path)
        // Where a run's time went is the run's own: a merge has none.
        #expect(whole.timing != nil)
        whole.timing = nil
        let odd = whole.results.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let even = whole.results.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        func shard(_ rs: [PropertyResult]) -> Report {
            Report(toolVersion: whole.toolVersion, solver: whole.solver, options: whole.options,
                   specs: Array(Set(rs.map(\.spec))), results: rs.reversed())
        }
        let merged = try Report.merge([("odd", shard(odd)), ("even", shard(even)), ("again", shard(even))])
        #expect(try merged.json() == whole.json())
        #expect(try merged.files().map(\.data) == whole.files().map(\.data))
    }

    @Test("a property with conflicting statuses in two runs is exit 2 with both inputs named")
    func conflictingStatusIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try titan(["verify", "Specs/kernel", "--report-dir", dir.appendingPathComponent("a").path]).status == 0)
        var json = try readJSON(dir.appendingPathComponent("a/report.json"))
        var results = try #require(json["results"] as? [[String: Any]])
        results[0]["status"] = "unknown"
        json["results"] = results
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("b.json"))
        let r = try titan(["report", "merge", "a", "b.json", "--output", "out"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: conflicting results for Ledger.supply_is_sum (Specs/kernel/ledger.tspec): proved in a, unknown in b.json"),
                "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "nothing is written on failure")
    }

    @Test("unreadable inputs and runs with different options are exit 2 with a clear message")
    func badInputsAreErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "{\"tool\": \"titan\"}".write(to: dir.appendingPathComponent("partial.json"), atomically: true, encoding: .utf8)
        let missing = try titan(["report", "merge", "nowhere", "--output", "out"], cwd: dir)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read a report from nowhere: no such file or directory"))
        let partial = try titan(["report", "merge", "partial.json", "--output", "out"], cwd: dir)
        #expect(partial.status == 2)
        #expect(partial.stderr.contains("cannot read a report from partial.json: not a titan report: missing"), "\(partial.stderr)")

        #expect(try titan(["verify", "Specs/kernel", "--depth", "2", "--report-dir", dir.appendingPathComponent("d2").path]).status == 0)
        #expect(try titan(["verify", "Specs/kernel", "--depth", "3", "--report-dir", dir.appendingPathComponent("d3").path]).status == 0)
        let mixed = try titan(["report", "merge", "d2", "d3", "--output", "out"], cwd: dir)
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("the runs differ in options (depth): 2 in d2, 3 in d3"), "\(mixed.stderr)")
        #expect(!mixed.stderr.contains("Fatal error"))
    }
}
