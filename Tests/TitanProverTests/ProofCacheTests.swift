import Foundation
import TitanTestSupport
import Testing
@testable import TitanProver

/// The proof cache answers only the identical question, and a cached answer leads to the same
/// report as solving: the same verdicts, and counterexamples replayed again.
@Suite("Proof cache", .watched)
struct ProofCacheTests {
    /// Each result's status, method and counterexample, and how many of its queries came from the cache.
    func summary(_ stdout: String) throws -> (results: [String], cachedQueries: Int, queries: Int) {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let results = try #require(json["results"] as? [[String: Any]])
        var lines: [String] = []
        var cached = 0, total = 0
        for r in results {
            let cex = (r["counterexample"] as? [String: Any]).map { c -> String in
                let steps = (c["steps"] as? [[String: Any]] ?? []).map { step -> String in
                    let args = (step["args"] as? [[String: Any]] ?? []).map { "\($0["name"]!)=\($0["value"]!)" }
                    return "\(step["action"]!)(\(args.joined(separator: ", ")))"
                }
                return "\(steps) replayed=\(c["replayed"]!)"
            } ?? "-"
            lines.append("\(r["model"]!).\(r["property"]!) \(r["status"]!) \(r["method"]!) \(cex)")
            for q in r["queries"] as? [[String: Any]] ?? [] {
                total += 1
                if q["fromCache"] as? Bool == true { cached += 1 }
            }
        }
        return (lines, cached, total)
    }

    @Test("a second run answers every query from the cache and reports the same results, counterexamples included")
    func secondRunIsCached() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let specs = ["Specs/kernel/ledger.tspec", "Specs/kernel/multisig.tspec", "Specs/mutants"]
        let args = ["verify"] + specs + ["--format", "json", "--no-report", "--cache-dir", dir.path]
        let uncached = try summary(run(titanBinary, ["verify"] + specs + ["--format", "json", "--no-report", "--no-cache"]).stdout)
        let cold = try run(titanBinary, args)
        let warm = try run(titanBinary, args)
        #expect(cold.status == 1 && warm.status == 1)
        let first = try summary(cold.stdout), second = try summary(warm.stdout)
        // A cold run solves (only a query repeated within the run can hit); a warm one solves nothing.
        #expect(first.cachedQueries < first.queries / 4)
        #expect(second.cachedQueries == second.queries && second.queries > 50)
        #expect(first.results == uncached.results)
        #expect(second.results == uncached.results)
        #expect(second.results.contains { $0.contains("violated") && $0.contains("replayed=1") })
    }

    @Test("a different timeout is a different question: nothing is reused")
    func optionsArePartOfTheKey() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["verify", "Specs/kernel/thresholds.tspec", "--format", "json", "--no-report", "--cache-dir", dir.path]
        _ = try run(titanBinary, base + ["--timeout", "30"])
        let other = try summary(run(titanBinary, base + ["--timeout", "29"]).stdout)
        #expect(other.cachedQueries == 0)
    }

    @Test("two processes sharing a cache both finish with correct results and leave no torn entry")
    func concurrentProcesses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["verify", "Specs/kernel/multisig.tspec", "Specs/kernel/upgrades.tspec", "--no-report", "--jobs", "1", "--cache-dir", dir.path]
        let group = DispatchGroup()
        final class Box: @unchecked Sendable { var codes: [Int32] = [] ; let lock = NSLock() }
        let box = Box()
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                let code = (try? run(titanBinary, args).status) ?? -1
                box.lock.lock(); box.codes.append(code); box.lock.unlock()
                group.leave()
            }
        }
        group.wait()
        #expect(box.codes == [0, 0])
        let files = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
        #expect(!files.contains { $0.hasSuffix(".tmp") })
        let entries = files.filter { $0.hasSuffix(".json") }
        #expect(entries.count > 20)
        for e in entries {
            let data = try Data(contentsOf: dir.appendingPathComponent(e))
            #expect((try? JSONDecoder().decode(CachedAnswer.self, from: data)) != nil, "\(e) is torn")
        }
    }

    @Test("a corrupted entry is a miss, solved again and rewritten")
    func corruptedEntryIsAMiss() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["verify", "Specs/kernel/thresholds.tspec", "--format", "json", "--no-report", "--cache-dir", dir.path]
        _ = try run(titanBinary, args)
        let entries = (FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".json") }
        // An entry of a proof query (unsat): the vacuity checks' satisfiable queries are cached
        // too, but are not part of any proved property's record.
        let proofEntry = entries.sorted().first { e in
            (try? JSONDecoder().decode(CachedAnswer.self, from: Data(contentsOf: dir.appendingPathComponent(e))))?.verdict == "unsat"
        }
        let victim = dir.appendingPathComponent(try #require(proofEntry))
        try Data("{\"verdict\": \"uns".utf8).write(to: victim)
        let r = try run(titanBinary, args)
        #expect(r.status == 0)
        let s = try summary(r.stdout)
        #expect(s.cachedQueries == s.queries - 1)
        #expect((try? JSONDecoder().decode(CachedAnswer.self, from: Data(contentsOf: victim))) != nil)
    }

    @Test("the cache stays under its size bound, dropping the least recently used entries")
    func evictionBoundsTheSize() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = ProofCache(directory: dir, maxBytes: 2000)
        let old = Date().addingTimeInterval(-10_000)
        for i in 0..<200 {
            let key = ProofCache.key(text: "query \(i)", solver: "z3", timeoutSeconds: 1)
            cache.store(key, CachedAnswer(verdict: "unsat"))
            // Entry i was last used i seconds after `old`: query 0 is the least recently used...
            try FileManager.default.setAttributes([.modificationDate: old.addingTimeInterval(Double(i))], ofItemAtPath: cache.url(key).path)
        }
        // ...until a hit makes it the most recently used.
        let keep = ProofCache.key(text: "query 0", solver: "z3", timeoutSeconds: 1)
        #expect(cache.lookup(keep) != nil)
        cache.evict()
        var total = 0
        for case let f as URL in FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.fileSizeKey])! where f.pathExtension == "json" {
            total += (try f.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        }
        #expect(total <= 2000 && total > 0)
        #expect(cache.lookup(keep) != nil, "the entry used last survives")
        #expect(cache.lookup(ProofCache.key(text: "query 1", solver: "z3", timeoutSeconds: 1)) == nil)
    }
}

/// The references that answer a query before it is built: a warm run names every query exactly
/// as a cold one, a changed model never reuses a reference, and unchanged query texts still share
/// answers across models.
@Suite("Proof cache references", .watched)
struct ProofCacheReferenceTests {
    /// Query name (qualified by model and property) to (text hash, whether it came from the cache).
    func queries(_ stdout: String) throws -> [String: (sha256: String, cached: Bool)] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        var out: [String: (String, Bool)] = [:]
        for r in try #require(json["results"] as? [[String: Any]]) {
            for q in r["queries"] as? [[String: Any]] ?? [] {
                out["\(r["model"]!).\(r["property"]!).\(q["name"]!)"] = (q["sha256"] as? String ?? "", q["fromCache"] as? Bool == true)
            }
        }
        return out
    }

    func statuses(_ stdout: String) throws -> [String: String] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        var out: [String: String] = [:]
        for r in try #require(json["results"] as? [[String: Any]]) { out["\(r["property"]!)"] = r["status"] as? String }
        return out
    }

    @Test("a warm run names every query by the same text hash as a cold run, all from the cache")
    func warmRunKeepsQueryHashes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["verify", "Specs/kernel/ledger.tspec", "Specs/kernel/thresholds.tspec", "--format", "json", "--no-report",
                    "--cache-dir", dir.path]
        let cold = try queries(run(titanBinary, args).stdout)
        let warm = try queries(run(titanBinary, args).stdout)
        let uncached = try queries(run(titanBinary, Array(args.dropLast(2)) + ["--no-cache"]).stdout)
        #expect(cold.count > 20)
        #expect(Set(warm.keys) == Set(cold.keys))
        for (name, q) in warm {
            #expect(q.cached, "\(name)")
            #expect(q.sha256.count == 64 && q.sha256 == cold[name]?.sha256 && q.sha256 == uncached[name]?.sha256, "\(name)")
        }
        let files = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
        #expect(files.filter { $0.hasSuffix(".ref") }.count >= cold.count / 2)
    }

    static let tally = """
    model Tally {
      arithmetic checked
      state total: uint256
      state items: uint256
      action add(n: uint256) { require n > 0  total = total + n  items = items + 1 }
      invariant total_covers_count: total >= items
      rule add_counts on add(n): !reverted ==> items' == items + STEP

    """

    @Test("a changed model is a different question: a proof cached for the old rule does not answer the new one")
    func changedModelIsANewQuestion() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("tally.tspec")
        let args = ["verify", spec.path, "--format", "json", "--no-report", "--cache-dir", dir.appendingPathComponent("cache").path]
        try (Self.tally.replacingOccurrences(of: "STEP", with: "1") + "}\n").write(to: spec, atomically: true, encoding: .utf8)
        #expect(try statuses(run(titanBinary, args).stdout)["add_counts"] == "proved")
        try (Self.tally.replacingOccurrences(of: "STEP", with: "2") + "}\n").write(to: spec, atomically: true, encoding: .utf8)
        #expect(try statuses(run(titanBinary, args).stdout)["add_counts"] == "violated")
    }

    @Test("an added property changes every reference, but the queries whose text is unchanged are still answered from the cache")
    func unchangedTextsShareAnswers() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("tally.tspec")
        let args = ["verify", spec.path, "--format", "json", "--no-report", "--cache-dir", dir.appendingPathComponent("cache").path]
        let base = Self.tally.replacingOccurrences(of: "STEP", with: "1")
        try (base + "}\n").write(to: spec, atomically: true, encoding: .utf8)
        let first = try queries(run(titanBinary, args).stdout)
        try (base + "  rule add_raises_total on add(n): !reverted ==> total' > total\n}\n").write(to: spec, atomically: true, encoding: .utf8)
        let second = try queries(run(titanBinary, args).stdout)
        #expect(!first.isEmpty)
        for (name, q) in first {
            #expect(second[name]?.cached == true && second[name]?.sha256 == q.sha256, "\(name)")
        }
        let added = second.filter { first[$0.key] == nil }
        #expect(!added.isEmpty && added.allSatisfy { !$0.value.cached })
    }
}
