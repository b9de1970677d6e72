import Foundation
import TitanTestSupport
import Testing

/// `titan verify --ci`, `--allow-unknown` and `--cross-check`: what a CI job sees.
@Suite("The CI gate", .watched)
struct CIGateTests {
    @Test("--ci prints the counts, then file:line: status: Model.property (method) per failure")
    func conciseSummary() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try copy(["Specs/kernel/ledger.tspec", "Specs/mutants/ledger_unchecked_mint.tspec"], into: dir)
        let r = try titan(["verify", "Specs", "--ci", "--no-report"], cwd: dir)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "titan verify: 27 properties in 2 spec files: 25 proved, 2 violated, 0 unknown, 0 errors")
        #expect(lines.contains("Specs/mutants/ledger_unchecked_mint.tspec:22: violated: LedgerUncheckedMint.supply_is_sum (bmc depth 2)"))
        #expect(lines.contains { $0.hasPrefix("Specs/mutants/ledger_unchecked_mint.tspec:24: violated: LedgerUncheckedMint.mint_reverts_instead_of_wrapping (") })
        #expect(lines.last == "exit 1: a property is violated or vacuous")
        #expect(lines.count == 4, "nothing but the counts, the failures and the exit line:\n\(r.stdout)")
    }

    @Test("an unknown property fails the gate (exit 3) unless --allow-unknown (exit 0); a violation always fails")
    func allowUnknown() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try counterSpec.write(to: dir.appendingPathComponent("counter.tspec"), atomically: true, encoding: .utf8)
        let strict = try titan(["verify", "counter.tspec", "--simulate", "0", "--ci", "--no-report"], cwd: dir)
        #expect(strict.status == 3)
        #expect(strict.stdout.contains("counter.tspec:4: unknown: Counter.small (bmc depth 4): not inductive"), "\(strict.stdout)")
        let allowed = try titan(["verify", "counter.tspec", "--simulate", "0", "--ci", "--allow-unknown", "--no-report"], cwd: dir)
        #expect(allowed.status == 0)
        #expect(allowed.stdout.contains("[allowed by --allow-unknown]"))
        let violated = try titan(["verify", "counter.tspec", "--simulate", "0", "--depth", "5", "--ci", "--allow-unknown", "--no-report"], cwd: dir)
        #expect(violated.status == 1)
        #expect(violated.stdout.contains("counter.tspec:4: violated: Counter.small (bmc depth 5)"))
    }

    @Test("--cross-check cvc5 confirms every query of the shipped specs")
    func crossCheckAgrees() throws {
        _ = try #require(which("cvc5"), "cvc5 is not installed: run scripts/setup")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The worked examples' non-linear BMC queries are beyond cvc5 in any bounded time.
        let r = try titan(["verify", "Specs/kernel", "Specs/systems", "Specs/mutants", "Specs/findings",
                           "--cross-check", "cvc5", "--report-dir", dir.path])
        #expect(r.status == 1, "the mutants are violated; no disagreement\n\(r.stdout)\(r.stderr)")
        let results = try #require(try readJSON(dir.appendingPathComponent("report.json"))["results"] as? [[String: Any]])
        #expect(results.count >= 15)
        for result in results {
            let check = result["crossCheck"] as? [String: Any]
            #expect(check?["outcome"] as? String == "agreed", "\(result["property"] ?? ""): \(String(describing: check))")
            #expect((check?["solver"] as? String)?.hasPrefix("cvc5 ") == true)
            for q in result["queries"] as? [[String: Any]] ?? [] {
                #expect(q["crossCheck"] as? String == q["verdict"] as? String)
                #expect(q["file"] == nil, "temporary query files are deleted, so the report does not name them")
            }
        }
    }

    /// A stand-in for cvc5 on PATH that answers every query the same way.
    func fakeSolver(answer: String, in dir: URL) throws -> String {
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let script = bin.appendingPathComponent("cvc5")
        try "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'This is cvc5 version 9.9.9-fake'; exit 0; fi\necho \(answer)\n"
            .write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    }

    @Test("a second solver that disagrees fails with exit 5; one that cannot decide is reported and exits 3")
    func crossCheckDisagreementAndUnknown() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let disagreeing = try fakeSolver(answer: "sat", in: dir.appendingPathComponent("sat"))
        let r = try titan(["verify", "Specs/kernel", "--cross-check", "cvc5", "--ci", "--no-report"], environment: ["PATH": disagreeing])
        #expect(r.status == 5, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Specs/kernel/ledger.tspec:43: cross-check disagreed: Ledger.supply_is_sum (cvc5 9.9.9-fake): supply_is_sum.base: z3 unsat, cvc5 sat"),
                "\(r.stdout)")

        let undecided = try fakeSolver(answer: "unknown", in: dir.appendingPathComponent("unknown"))
        let u = try titan(["verify", "Specs/kernel", "--cross-check", "cvc5", "--ci", "--no-report"], environment: ["PATH": undecided])
        #expect(u.status == 3, "an unconfirmed proof is not an agreement\n\(u.stdout)")
        #expect(u.stdout.contains("cross-check unconfirmed: Ledger.supply_is_sum"))
        let allowed = try titan(["verify", "Specs/kernel", "--cross-check", "cvc5", "--allow-unknown", "--no-report"], environment: ["PATH": undecided])
        #expect(allowed.status == 0)
    }

    @Test("--cross-check without the solver installed is exit 2 with a clear message")
    func crossCheckWithoutSolver() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try titan(["verify", "Specs/kernel", "--cross-check", "cvc5", "--no-report"], environment: ["PATH": dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: --cross-check: cvc5 was not found on PATH"), "\(r.stderr)")
    }
}
