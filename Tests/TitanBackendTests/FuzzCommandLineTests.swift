import Foundation
import TitanTestSupport
import Testing

@Suite("titan fuzz on the command line", .watched)
struct FuzzCommandLineTests {
    @Test("built-in backends: exit 0, known divergences reported")
    func clean() throws {
        let r = try run(titanBinary, ["fuzz", "--seed", "4", "--max-sequences", "60", "--no-corpus"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("no divergence"))
        #expect(r.stdout.contains("known divergences"))
    }

    @Test("a planted bug: exit 1, the shrunk trace printed and written to the corpus directory")
    func planted() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(titanBinary, ["fuzz", "--backend-cmd", "python3 examples/backend/titan_backend.py --plant transfer-self",
                                      "--max-sequences", "300", "--corpus-dir", dir.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("DIVERGENCE"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.count == 1)
        let replay = try run(titanBinary, ["fuzz", "--replay", dir.appendingPathComponent(files[0]).path])
        #expect(replay.status == 1, "\(replay.stdout)")
        #expect(replay.stdout.contains("divergence (expected agree)"))
    }

    @Test("usage errors and a backend that cannot run: exit 2")
    func usage() throws {
        #expect(try run(titanBinary, ["fuzz", "--backend", "nosuchchain"]).status == 2)
        #expect(try run(titanBinary, ["fuzz", "--max-sequences", "0"]).status == 2)
        let dead = try run(titanBinary, ["fuzz", "--backend-cmd", "sh -c 'exit 5'", "--max-sequences", "5"])
        #expect(dead.status == 2)
        #expect(dead.stderr.contains("backend failed"))
    }

    @Test("a --backend-cmd that forks runs to completion under --time-limit")
    func forkingCommand() throws {
        let start = Date()
        let r = try run(titanBinary, ["fuzz", "--backend-cmd", "sh -c 'cat | python3 examples/backend/titan_backend.py'",
                                      "--time-limit", "1", "--no-corpus"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("no divergence"))
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test("the shipped corpus replays: exit 0")
    func corpus() throws {
        let r = try run(titanBinary, ["fuzz", "--replay", "Corpus"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(!r.stdout.contains("FAIL"))
    }
}
