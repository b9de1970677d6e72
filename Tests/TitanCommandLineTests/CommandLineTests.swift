import Foundation
import TitanTestSupport
import Testing

/// The `titan` executable as CI sees it: exit codes, diagnostics, formats.
@Suite("titan verify on the command line", .watched)
struct CommandLineTests {
    @Test("the shipped kernel specs are proved: exit 0, report written")
    func kernelProved() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(titanBinary, ["verify", "Specs/kernel", "--report-dir", dir.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("PROVED"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
        let summary = json?["summary"] as? [String: Any]
        #expect((summary?["proved"] as? Int ?? 0) >= 12)
        #expect(summary?["violated"] as? Int == 0)
    }

    @Test("a mutant exits 1 and prints the replayed trace")
    func mutantViolated() throws {
        let r = try run(titanBinary, ["verify", "Specs/mutants/ledger_whitepaper_swift_transfer.tspec", "--no-report"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("VIOLATED"))
        #expect(r.stdout.contains("counterexample (replayed by the interpreter)"))
        #expect(r.stdout.contains("1. mint("))
    }

    @Test("a bad spec exits 2 with file:line:col, the line and a caret, and no stack trace")
    func badSpec() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.tspec")
        try "model M {\n  state x: uint256\n  invariant i: x == y\n}\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try run(titanBinary, ["verify", file.path, "--no-report"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(file.path):3:21: error: unknown name 'y'"), "\(r.stderr)")
        #expect(r.stderr.contains("  invariant i: x == y\n                    ^"), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test("a missing path exits 2")
    func missingPath() throws {
        let r = try run(titanBinary, ["verify", "Specs/does-not-exist.tspec", "--no-report"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot read"))
    }

    @Test("a bad option value is a usage error: exit 2")
    func badOption() throws {
        let r = try run(titanBinary, ["verify", "--depth", "0", "--no-report"])
        #expect(r.status == 2, "exit \(r.status)")
        #expect(r.stderr.contains("--depth"))
    }

    @Test("--format json prints the report with every property's status")
    func jsonFormat() throws {
        let r = try run(titanBinary, ["verify", "Specs/mutants/ledger_unchecked_mint.tspec", "--format", "json", "--no-report"])
        #expect(r.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let results = json?["results"] as? [[String: Any]] ?? []
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0["status"] as? String == "violated" })
        #expect(results.allSatisfy { ($0["counterexample"] as? [String: Any])?["replayed"] as? Bool == true })
    }
}

@Suite("Parallel discharge", .watched)
struct ParallelDischargeTests {
    @Test("results and reports are identical with 1 and 4 jobs")
    func jobsDoNotChangeResults() throws {
        let specs = ["Specs/kernel/multisig.tspec", "Specs/mutants", "Specs/findings/thresholds.tspec"]
        let one = try run(titanBinary, ["verify"] + specs + ["--format", "json", "--no-report", "--no-cache", "--jobs", "1"])
        let four = try run(titanBinary, ["verify"] + specs + ["--format", "json", "--no-report", "--no-cache", "--jobs", "4"])
        #expect(one.status == 1 && four.status == 1)
        let a = try withoutTimings(Data(one.stdout.utf8)), b = try withoutTimings(Data(four.stdout.utf8))
        #expect(a == b)
        #expect(a.contains("\"violated\""))
    }
}
