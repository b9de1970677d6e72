import Foundation
import TitanTestSupport
import Testing

/// The checks every way of loading the C reference backend must pass under `titan fuzz`: a
/// native library (`--backend-lib`) and a WebAssembly module (`--backend-wasm`) are the same C
/// code, so they answer the same planted bugs in the same way.
struct FuzzedBackend: Sendable {
    /// How `titan fuzz` names the backend in its output (`lib`, `wasm`).
    var label: String
    /// The `titan fuzz` option that loads it.
    var option: String
    /// Builds the reference with `macros` defined into a directory; returns the file.
    var build: @Sendable (_ macros: [String], _ dir: URL) throws -> String

    func fuzz(_ file: String, _ arguments: [String]) throws -> ProcessResult {
        try run(titanBinary, ["fuzz", option, file] + arguments)
    }

    /// The reference built with no bug agrees with the reference model on every sequence.
    func referenceIsClean(sequences: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try fuzz(try build([], dir), ["--seed", "7", "--max-sequences", String(sequences), "--no-corpus"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("no divergence"))
        #expect(r.stdout.contains("backends: \(label):"))
        #expect(!r.stdout.contains("storage only"))
    }

    /// A planted bug is found (exit 1) and shrunk to its minimal trace.
    func findsAndShrinks(_ bug: NativeBackendTests.PlantedBug) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try fuzz(try build([bug.macro], dir), ["--max-sequences", "2000", "--no-corpus"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("DIVERGENCE \(label):"))
        #expect(NativeBackendTests.shrunkLength(r.stdout) == bug.length, "\(r.stdout)")
        #expect(r.stdout.contains(bug.mustContain))
    }

    /// A divergence is written as a corpus file naming this backend, which replays through it.
    func corpusReplays() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus")
        let r = try fuzz(try build(["PLANT_SHORT_BUFFER"], dir), ["--max-sequences", "2000", "--corpus-dir", corpus.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        try #require(files.count == 1)
        let text = try String(contentsOf: corpus.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(text.contains(#""backend":"\#(label):"#), "\(text)")
        let replay = try run(titanBinary, ["fuzz", "--replay", corpus.appendingPathComponent(files[0]).path])
        #expect(replay.status == 1, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("divergence (expected agree)"))
    }

    /// Built without the ledger entry points, it is fuzzed on storage only, and a storage bug is
    /// still found and shrunk.
    func storageOnly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clean = try fuzz(try build(["TITAN_STORAGE_ONLY"], dir), ["--max-sequences", "300", "--no-corpus"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("storage only"))
        let planted = try fuzz(try build(["TITAN_STORAGE_ONLY", "PLANT_DELETE_KEEPS"], dir), ["--max-sequences", "2000", "--no-corpus"])
        #expect(planted.status == 1, "\(planted.stdout)\(planted.stderr)")
        #expect(NativeBackendTests.shrunkLength(planted.stdout) == 3, "\(planted.stdout)")
        #expect(!planted.stdout.contains("mint("))
    }
}
