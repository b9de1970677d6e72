import Foundation
import TitanTestSupport
import Testing

/// `titan fuzz --report-dir`: the campaign as auditors read it.
@Suite("Fuzz campaign reports", .watched)
struct FuzzReportTests {
    @Test("a campaign with a planted bug reports the divergence first, shrunk, then the counts, in JSON and HTML")
    func divergenceIsReported() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(titanBinary, ["fuzz", "--backend-cmd", "python3 examples/backend/titan_backend.py --plant transfer-self",
                                      "--seed", "3", "--no-corpus", "--report-dir", dir.path])
        #expect(r.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("fuzz.json"))) as? [String: Any])
        let divergence = try #require(json["divergence"] as? [String: Any])
        let trace = divergence["trace"] as? [String] ?? []
        #expect(trace.count == 3)
        #expect(trace.contains { $0.hasPrefix("transfer(") })
        #expect((json["sequences"] as? Int ?? 0) >= 1)
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("divergence</span> found"))
        #expect(html.contains("transfer("))
        #expect(!html.contains("<script"))
    }

    @Test("a clean campaign says so, and lists each known divergence with its shrunk trace")
    func knownDivergencesAreListed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(titanBinary, ["fuzz", "--backend", "solana-hashmod", "--seed", "3", "--max-sequences", "200",
                                      "--no-corpus", "--report-dir", dir.path])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("fuzz.json"))) as? [String: Any])
        #expect(json["divergence"] == nil || json["divergence"] is NSNull)
        let known = json["knownDivergences"] as? [[String: Any]] ?? []
        #expect(known.contains { ($0["verdict"] as? String ?? "").contains("slot-collision") })
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("no divergence"))
        #expect(html.contains("slot-collision"))
    }
}
