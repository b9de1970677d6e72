import Foundation
import TitanTestSupport
import Testing

/// `--shard i/n` partitions work deterministically; the shards' results join into exactly the
/// single-machine run.
@Suite("Sharding", .watched)
struct ShardingTests {
    @Test("three verify shards, merged, equal the one-process run")
    func verifyShardsMerge() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let specs = ["Specs/kernel/ledger.tspec", "Specs/kernel/multisig.tspec", "Specs/kernel/upgrades.tspec", "Specs/mutants"]
        let single = try run(titanBinary, ["verify"] + specs + ["--no-cache", "--report-dir", dir.appendingPathComponent("single").path])
        #expect(single.status == 1)
        var shardDirs: [String] = []
        var modelsSeen: [[String]] = []
        for i in 1...3 {
            let out = dir.appendingPathComponent("shard\(i)").path
            shardDirs.append(out)
            let r = try run(titanBinary, ["verify"] + specs + ["--no-cache", "--shard", "\(i)/3", "--report-dir", out])
            #expect(r.status == 0 || r.status == 1)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any])
            let results = json["results"] as? [[String: Any]] ?? []
            modelsSeen.append(Array(Set(results.map { "\($0["spec"]!)#\($0["model"]!)" })).sorted())
        }
        // Disjoint and non-empty shards.
        #expect(modelsSeen.allSatisfy { !$0.isEmpty })
        #expect(Set(modelsSeen.flatMap { $0 }).count == modelsSeen.map(\.count).reduce(0, +))
        let merged = dir.appendingPathComponent("merged").path
        let m = try run(titanBinary, ["report", "merge"] + shardDirs + ["--output", merged])
        #expect(m.status == 1, "merge exits with the merged verdict (mutants are violated): \(m.stderr)")
        #expect(try withoutTimings(Data(contentsOf: URL(fileURLWithPath: merged + "/report.json"))) ==
                withoutTimings(Data(contentsOf: dir.appendingPathComponent("single/report.json"))))
    }

    @Test("three fuzz shards of one seed run the campaign's sequences exactly once between them")
    func fuzzShardsPartition() throws {
        func operations(_ extra: [String]) throws -> (sequences: Int, operations: Int) {
            let r = try run(titanBinary, ["fuzz", "--backend", "wasm-kv", "--seed", "5", "--max-sequences", "300", "--no-corpus"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let line = (r.stdout + r.stderr).split(separator: "\n").first { $0.hasPrefix("titan fuzz: seed") } ?? ""
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            // "titan fuzz: seed 5, S sequences, O operations ..."
            return (numbers.count > 2 ? numbers[1] : -1, numbers.count > 2 ? numbers[2] : -1)
        }
        // Shards draw every sequence fresh, so the whole run they partition is the fresh-only one.
        let whole = try operations(["--fresh-only"])
        let parts = try (1...3).map { try operations(["--shard", "\($0)/3"]) }
        #expect(parts.map(\.sequences) == [100, 100, 100])
        #expect(parts.map(\.operations).reduce(0, +) == whole.operations)
        #expect(whole.sequences == 300)
    }
}

/// `titan verify --jobs N` over several models runs N worker processes; what they report, joined,
/// is exactly the one-process run.
@Suite("Verify worker processes", .watched)
struct VerifyWorkerTests {
    @Test("--jobs 2 in worker processes reports what --jobs 1 does, in the same order")
    func workersEqualOneProcess() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let specs = ["Specs/kernel/ledger.tspec", "Specs/kernel/multisig.tspec", "Specs/kernel/upgrades.tspec", "Specs/mutants"]
        let one = try run(titanBinary, ["verify"] + specs + ["--no-cache", "--jobs", "1", "--progress",
                                                             "--report-dir", dir.appendingPathComponent("one").path])
        let two = try run(titanBinary, ["verify"] + specs + ["--no-cache", "--jobs", "2", "--jobs-in", "processes", "--progress",
                                                             "--report-dir", dir.appendingPathComponent("two").path])
        #expect(one.status == 1 && two.status == 1)
        // Every model was begun exactly once (by one of the workers, which print their progress).
        func begun(_ stderr: String) -> [String] {
            stderr.split(separator: "\n").filter { $0.contains(" properties") }.map { String($0.drop { $0 != "[" }) }.sorted()
        }
        #expect(begun(two.stderr).count >= 5)
        #expect(begun(two.stderr) == begun(one.stderr))
        #expect(try withoutTimings(Data(contentsOf: dir.appendingPathComponent("two/report.json"))) ==
                withoutTimings(Data(contentsOf: dir.appendingPathComponent("one/report.json"))))
    }
}
