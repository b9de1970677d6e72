import Foundation
import TitanProver

/// The record that a property was proved: which spec text (its SHA-256), which queries (the
/// SHA-256 of each exact SMT-LIB2 text, all unsat), which tool, solver and options, and when.
/// `--check-proofs` accepts it without solving again only while all of these still match.
public struct ProofCertificate: Codable, Sendable, Equatable {
    public static let currentVersion = 1
    public var certificateVersion: Int
    public var spec: String
    /// SHA-256 (hex) of the spec file's bytes.
    public var specSHA256: String
    public var model: String
    public var property: String
    public var kind: String
    /// Always "proved": only proved properties get a certificate.
    public var verdict: Status
    public var method: String
    public var tool: String
    public var toolVersion: String
    public var solver: String
    public var options: Report.Options
    /// Solver time that established the proof.
    public var seconds: Double
    /// When it was proved, ISO 8601 in UTC.
    public var provedAt: String
    public var queries: [Query]

    public struct Query: Codable, Sendable, Equatable {
        public var name: String
        /// SHA-256 (hex) of the exact SMT-LIB2 text given to the solver.
        public var sha256: String
        public var verdict: String
    }

    /// The certificate for a proved result; nil when the result is not proved or lacks query hashes.
    public init?(_ r: PropertyResult, specSHA256: String, toolVersion: String, options: Report.Options, date: Date = Date()) {
        guard r.status == .proved, !specSHA256.isEmpty else { return nil }
        var queries: [Query] = []
        for q in r.queries {
            guard let hash = q.sha256, q.verdict == "unsat" else { return nil }
            queries.append(Query(name: q.name, sha256: hash, verdict: q.verdict))
        }
        certificateVersion = Self.currentVersion
        spec = r.spec; self.specSHA256 = specSHA256; model = r.model; property = r.property; kind = r.kind
        verdict = r.status; method = r.method; tool = "titan"; self.toolVersion = toolVersion; solver = r.solver
        self.options = options; seconds = r.seconds; self.queries = queries
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        provedAt = f.string(from: date)
    }

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(self)
    }
}
