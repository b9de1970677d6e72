import Foundation
import TitanTestSupport
import Testing
import TitanProver
import TitanSpec

/// Proof certificates: what they name, and how `--check-proofs` tells fresh ones from stale ones.
@Suite("Proof certificates", .watched)
struct ProofCertificateTests {
    static let tally = """
    model Tally {
      arithmetic checked
      state total: uint256
      state items: uint256
      action add(n: uint256) { require n > 0  total = total + n  items = items + 1 }
      invariant total_covers_count: total >= items
      rule add_counts on add(n): !reverted ==> items' == items + 1
    }

    """

    /// A directory with the kernel ledger and the small Tally spec, as a user's checkout would hold them.
    static func workspace() throws -> URL {
        let dir = try temporaryDirectory()
        try copy(["Specs/kernel/ledger.tspec"], into: dir)
        try tally.write(to: dir.appendingPathComponent("Specs/tally.tspec"), atomically: true, encoding: .utf8)
        return dir
    }

    /// Each result of a report.json: property name to (certificate state, whether every query came from a certificate).
    static func certificateStates(_ dir: URL) throws -> [String: (state: String?, fromCertificate: Bool)] {
        let results = try #require(try readJSON(dir.appendingPathComponent("out/report.json"))["results"] as? [[String: Any]])
        var out: [String: (String?, Bool)] = [:]
        for r in results {
            let queries = r["queries"] as? [[String: Any]] ?? []
            out["\(r["model"]!).\(r["property"]!)"] = ((r["certificate"] as? [String: Any])?["state"] as? String,
                                                       !queries.isEmpty && queries.allSatisfy { $0["fromCertificate"] as? Bool == true })
        }
        return out
    }

    @Test("a spec's content hash is the SHA-256 of its bytes, as sha256sum computes it")
    func specHashMatchesSha256sum() throws {
        let sha256sum = try #require(which("sha256sum"))
        let path = specPath("Specs/kernel/ledger.tspec")
        let spec = try #require(try SpecLoader.load(paths: [path]).first)
        let expected = try run(sha256sum, [path]).stdout.split(separator: " ").first.map(String.init)
        #expect(spec.contentHash == expected)
    }

    @Test("a query's hash is the SHA-256 of the emitted SMT-LIB2 text without its comment header")
    func queryHashMatchesEmittedText() throws {
        let python = try #require(which("python3"))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (file, model) = try loadModel("Specs/kernel/ledger.tspec")
        let results = Prover(model: model, specPath: file.path, options: ProverOptions(emitDirectory: dir.path)).verify()
        let script = """
        import hashlib, sys
        for path in sys.argv[1:]:
            lines = open(path, 'rb').read().split(b'\\n')
            while lines and lines[0].startswith(b';'): lines.pop(0)
            print(path, hashlib.sha256(b'\\n'.join(lines)).hexdigest())
        """
        let records = results.flatMap(\.queries)
        #expect(records.count >= 12)
        let out = try run(python, ["-c", script] + records.compactMap(\.file)).stdout
        var byFile: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ")
            byFile[String(parts[0])] = String(parts[1])
        }
        for q in records {
            let file = try #require(q.file)
            #expect(q.sha256 == byFile[file], "\(q.name)")
        }
    }

    @Test("--check-proofs re-proves exactly the properties whose spec changed, and solves nothing for fresh ones")
    func checkProofsReprovesOnlyChangedSpecs() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let write = try titan(["verify", "Specs", "--write-proofs", "--no-report"], cwd: dir)
        #expect(write.status == 0, "\(write.stdout)\(write.stderr)")
        #expect(write.stdout.contains("Proof certificates: 27 written"))
        let certificate = dir.appendingPathComponent("Proofs/Specs/tally/Tally/total_covers_count.json")
        let json = try readJSON(certificate)
        #expect(json["verdict"] as? String == "proved")
        #expect(json["specSHA256"] as? String == (try SpecLoader.load(paths: [dir.appendingPathComponent("Specs/tally.tspec").path]).first?.contentHash))
        #expect((json["queries"] as? [[String: Any]])?.isEmpty == false)

        // Nothing changed: every certificate is fresh and no query reaches the solver.
        let fresh = try titan(["verify", "Specs", "--check-proofs", "--report-dir", "out"], cwd: dir)
        #expect(fresh.status == 0)
        #expect(fresh.stdout.contains("Proof certificates (Proofs): 27 fresh, 0 re-proved"), "\(fresh.stdout)")
        for (name, c) in try Self.certificateStates(dir) {
            #expect(c.state == "fresh", "\(name)")
            #expect(c.fromCertificate, "\(name) was solved again")
        }

        // A comment changes the spec's bytes, not its meaning: its model is re-proved, the other is not.
        let tallyURL = dir.appendingPathComponent("Specs/tally.tspec")
        try (Self.tally + "// reviewed\n").write(to: tallyURL, atomically: true, encoding: .utf8)
        let changed = try titan(["verify", "Specs", "--check-proofs", "--report-dir", "out"], cwd: dir)
        #expect(changed.status == 0)
        #expect(changed.stdout.contains("25 fresh, 2 re-proved"), "\(changed.stdout)")
        #expect(changed.stdout.contains("re-proved  Tally.total_covers_count  (Specs/tally.tspec): spec changed"))
        for (name, c) in try Self.certificateStates(dir) {
            let isTally = name.hasPrefix("Tally.")
            #expect(c.state == (isTally ? "reproved" : "fresh"), "\(name)")
            #expect(c.fromCertificate == !isTally, "\(name)")
        }
    }

    @Test("a changed query hash or tool version makes a certificate stale and re-proves its whole model")
    func tamperedCertificatesAreStale() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try titan(["verify", "Specs", "--write-proofs", "--no-report"], cwd: dir).status == 0)
        func edit(_ relative: String, _ change: (inout [String: Any]) -> Void) throws {
            let url = dir.appendingPathComponent(relative)
            var json = try readJSON(url)
            change(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        try edit("Proofs/Specs/kernel/ledger/Ledger/supply_is_sum.json") { json in
            var queries = json["queries"] as! [[String: Any]]
            queries[1]["sha256"] = String(repeating: "0", count: 64)
            json["queries"] = queries
        }
        try edit("Proofs/Specs/tally/Tally/add_counts.json") { $0["toolVersion"] = "0.0.1" }
        let r = try titan(["verify", "Specs", "--check-proofs", "--report-dir", "out"], cwd: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("0 fresh, 27 re-proved"), "\(r.stdout)")
        #expect(r.stdout.contains("re-proved  Ledger.supply_is_sum  (Specs/kernel/ledger.tspec): query changed"))
        #expect(r.stdout.contains("re-proved  Ledger.transfer_moves_amount  (Specs/kernel/ledger.tspec): another property of Ledger is stale (supply_is_sum: query changed)"))
        #expect(r.stdout.contains("re-proved  Tally.add_counts  (Specs/tally.tspec): tool version changed (0.0.1 -> "))

        // --write-proofs with --check-proofs refreshes exactly the stale ones; then all are fresh.
        let refresh = try titan(["verify", "Specs", "--check-proofs", "--write-proofs", "--no-report"], cwd: dir)
        #expect(refresh.stdout.contains("Proof certificates: 27 written"), "\(refresh.stdout)")
        let again = try titan(["verify", "Specs", "--check-proofs", "--no-report"], cwd: dir)
        #expect(again.stdout.contains("27 fresh, 0 re-proved"), "\(again.stdout)")
    }

    @Test("--write-proofs removes the certificate of a property that is no longer proved")
    func brokenPropertyLosesItsCertificate() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try titan(["verify", "Specs/tally.tspec", "--write-proofs", "--no-report"], cwd: dir).status == 0)
        let certificate = dir.appendingPathComponent("Proofs/Specs/tally/Tally/total_covers_count.json")
        #expect(FileManager.default.fileExists(atPath: certificate.path))
        try Self.tally.replacingOccurrences(of: "require n > 0", with: "require n >= 0")
            .write(to: dir.appendingPathComponent("Specs/tally.tspec"), atomically: true, encoding: .utf8)
        let r = try titan(["verify", "Specs/tally.tspec", "--write-proofs", "--no-report"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("1 written, 1 removed"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: certificate.path))
    }

    @Test("an unwritable proofs directory is a clear error, not a crash")
    func unwritableProofsDirectory() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "not a directory".write(to: dir.appendingPathComponent("Proofs"), atomically: true, encoding: .utf8)
        let r = try titan(["verify", "Specs/tally.tspec", "--write-proofs", "--no-report"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: proof certificate: could not write Proofs/Specs/tally/Tally/"), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
    }
}
