import Foundation
import TitanProver

/// What the registry keeps, and the one set of rules for keeping it: the SQLite file
/// (`RegistryStore`, embedded, the default) and a PostgreSQL database (`PostgresRegistryStore`,
/// shared by several `tpm serve` instances) both implement it, with the same tables, the same
/// constraints in the database, and the same semantics:
/// - a publish is one transaction: a failure (or a killed process) leaves no trace;
/// - two publishes of one version race to exactly one winner (`UNIQUE (name, precedence)`), and
///   two first publishes of one name to one owner (`owners` primary key);
/// - a signed request's sequence number is used up in the transaction that carries it out;
/// - every change to a version row bumps the generation counter (by trigger, whichever process
///   writes), which is what `tpm serve` compares before it reuses a cached answer.
/// The checks themselves (what may be listed or bought, which version is the newest, how a row
/// reads back) are in `StoreRules`, used by both.
///
/// Every method is async: the SQLite store reads and writes through GRDB's async access (its own
/// queues), the PostgreSQL store through `PostgresClient`'s pool; neither holds a thread, so a
/// request handler never blocks the server's event loops or cooperative threads.
public protocol RegistryStorage: AnyObject, Sendable {
    /// Where the store is, for messages: a file path, or the database URL without its password.
    var location: String { get }
    /// How many times a version row has changed: equal values mean every listing, version record
    /// and search answer is what it was. The server reads it before every cached answer.
    func generation() async throws -> Int64
    func ownerKey(of name: String) async throws -> String?
    /// The text of the published version with the same precedence (build metadata aside), if any.
    func existing(_ name: String, _ version: SemanticVersion) async throws -> String?
    /// Records a re-checked version in one transaction: the owner (on a name's first publish),
    /// the version, its verdicts. A version that exists, or a key that is not the owner's, aborts it.
    func insert(manifest: Manifest, bundle: PackageBundle, bundleData: Data, publisherKey: String,
                outcome: Recheck.Outcome) async throws -> PackageVersionInfo
    func version(_ name: String, _ version: String) async throws -> PackageVersionInfo?
    /// Every version of a name, newest first.
    func versions(of name: String) async throws -> [PackageVersionInfo]
    func bundle(_ name: String, _ version: String) async throws -> Data?
    func report(_ name: String, _ version: String) async throws -> Data?
    /// Names containing `query` (all when empty), each with its newest version that is not yanked.
    func search(_ query: String) async throws -> [PackageSummary]
    /// Yanks a version with no request behind it (direct access to the store).
    func yank(_ name: String, _ version: String) async throws
    /// Yanks a version (owner-signed request with its sequence number).
    func yank(_ name: String, _ version: String, key: String, sequence: Int64) async throws
    /// Sets a verified, unyanked version's price (owner-signed request with its sequence number).
    func setPrice(_ name: String, _ version: String, price: Int64, key: String, sequence: Int64) async throws
    /// Records a sale to the key that signed the request, at the current listing price.
    func recordPurchase(_ name: String, _ version: String, buyerKey: String, price: Int64, sequence: Int64) async throws -> Purchase
    /// The last sequence number a key used, if any.
    func lastSequence(of key: String) async throws -> Int64?
    /// Row counts of every table: what a test compares to see that nothing was left behind.
    func counts() async throws -> [String: Int]
    /// Releases what the store holds open (the PostgreSQL pool); the store is not used after.
    func close() async
}

extension RegistryStorage {
    public func close() async {}
}

/// Opens the store a location names: a `postgresql://` (or `postgres://`) URL, else a SQLite file path.
public func openStore(_ location: String) async throws -> any RegistryStorage {
    if PostgresRegistryStore.isURL(location) { return try await PostgresRegistryStore(url: location) }
    return try RegistryStore(path: location)
}

/// The rules both stores apply, so that they cannot drift apart.
enum StoreRules {
    /// The tables `counts()` reports.
    static let tables = ["owners", "versions", "verdicts", "purchases", "request_sequences"]

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    /// The column and value that find a version text: exactly when it names build metadata,
    /// else by precedence (so `1.0.0` finds `1.0.0+build.5`; there is at most one).
    static func versionKey(_ version: String) -> (column: String, value: String) {
        if version.contains("+") { return ("version", version) }
        return ("precedence", SemanticVersion(version)?.precedenceText ?? version)
    }

    static func conflictMessage(_ name: String, _ version: String, existing: String) -> String {
        existing == version
            ? "\(name)@\(version) is already published; versions are immutable (yank it and publish a new version)"
            : "\(name)@\(version) is already published as \(existing); build metadata does not make a new version (yank it and publish a new version)"
    }

    static func staleSequence(_ sequence: Int64, last: Int64) -> RegistryError {
        .staleSequence("sequence number \(sequence) is not greater than \(last), the last one this key used; sign a new request (tpm uses the time in milliseconds)")
    }

    /// A version about to be inserted, with its JSON columns encoded.
    struct NewVersion {
        var name, version, precedence: String
        var major, minor, patch: Int64
        var digest, status, reasons, checkedWith, publishedAt, dependencies, targets: String
        var report, bundle: Data
        var verdicts: [NewVerdict]
    }

    struct NewVerdict {
        var property, spec, kind: String
        var claimed: Bool
        var status, method: String
        var reason, counterexample: String?
        var position: Int64
    }

    static func newVersion(manifest: Manifest, bundle: PackageBundle, bundleData: Data, outcome: Recheck.Outcome) throws -> NewVersion {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        func text<T: Encodable>(_ v: T) throws -> String { String(decoding: try enc.encode(v), as: UTF8.self) }
        let v = manifest.version
        return NewVersion(
            name: manifest.name, version: v.description, precedence: v.precedenceText,
            major: Int64(v.major), minor: Int64(v.minor), patch: Int64(v.patch),
            digest: bundle.digest, status: outcome.status.rawValue, reasons: try text(outcome.reasons),
            checkedWith: Recheck.checkedWith, publishedAt: now(),
            dependencies: try text(manifest.dependencies), targets: try text(manifest.targets),
            report: try outcome.report.json(), bundle: bundleData,
            verdicts: try outcome.verdicts.enumerated().map { i, p in
                NewVerdict(property: p.name, spec: p.spec, kind: p.kind, claimed: p.claimed, status: p.status.rawValue, method: p.method,
                           reason: p.reason, counterexample: try p.counterexample.map(text), position: Int64(i))
            })
    }

    /// A version row joined with its owner, as both stores read it (JSON columns as text).
    struct StoredVersion {
        var id: Int64
        var name, version, digest, publicKey, status, reasons, checkedWith, publishedAt: String
        var yanked: Bool
        var price: Int64?
        var dependencies, targets: String
    }

    struct StoredVerdict {
        var property, spec, kind: String
        var claimed: Bool
        var status, method: String
        var reason, counterexample: String?
    }

    static func info(_ row: StoredVersion, _ verdicts: [StoredVerdict]) throws -> PackageVersionInfo {
        let dec = JSONDecoder()
        func json<T: Decodable>(_ t: T.Type, _ text: String) throws -> T { try dec.decode(t, from: Data(text.utf8)) }
        return PackageVersionInfo(
            name: row.name, version: row.version, digest: row.digest,
            publisherKey: PublisherKey.publicKeyText(base64: row.publicKey),
            status: VerificationStatus(rawValue: row.status) ?? .unverified,
            reasons: try json([String].self, row.reasons), checkedWith: row.checkedWith,
            publishedAt: row.publishedAt, yanked: row.yanked, price: row.price,
            dependencies: try json([Manifest.Dependency].self, row.dependencies),
            targets: try json([Manifest.Target].self, row.targets),
            verdicts: try verdicts.map { v in
                PropertyVerdict(name: v.property, spec: v.spec, kind: v.kind, claimed: v.claimed,
                                status: Status(rawValue: v.status) ?? .error, method: v.method, reason: v.reason,
                                counterexample: try v.counterexample.map { try dec.decode(Counterexample.self, from: Data($0.utf8)) })
            })
    }

    /// Orders versions newest first (see `RegistryStore.newerFirst`).
    static func newestFirst(_ infos: [PackageVersionInfo]) -> [PackageVersionInfo] {
        infos.sorted { RegistryStore.newerFirst($0.version, $1.version) }
    }

    /// The few columns a search summary needs of a version that is not yanked.
    struct SearchCandidate {
        var id: Int64
        var name, version, status: String
        var price: Int64?
    }

    /// The newest candidate of each name, ordered by name, as `versions(of:)` orders versions.
    static func newestPerName(_ rows: [SearchCandidate]) -> [SearchCandidate] {
        var newest: [String: SearchCandidate] = [:]
        for r in rows {
            if let current = newest[r.name], !RegistryStore.newerFirst(r.version, current.version) { continue }
            newest[r.name] = r
        }
        return newest.keys.sorted().map { newest[$0]! }
    }

    /// A summary from its candidate and its verdicts (property, claimed, status), in order.
    static func summary(_ c: SearchCandidate, verdicts: [(property: String, claimed: Bool, status: String)]) -> PackageSummary {
        PackageSummary(name: c.name, latest: c.version, status: VerificationStatus(rawValue: c.status) ?? .unverified,
                       provedProperties: verdicts.filter { $0.claimed && Status(rawValue: $0.status) == .proved }.map(\.property),
                       price: c.price)
    }

    /// A version's row id and the state the signed requests check.
    struct VersionState {
        var id: Int64
        var text: String
        var verified, yanked: Bool
        var price: Int64?
    }

    static func notPublished(_ name: String, _ version: String) -> RegistryError {
        .notFound("\(name)@\(version) is not published")
    }

    /// Only a verified version that is not yanked can be listed.
    static func checkListable(_ name: String, _ v: VersionState) throws {
        guard v.verified else { throw RegistryError.notEligible("\(name)@\(v.text) is not verified; only verified packages can be listed") }
        guard !v.yanked else { throw RegistryError.notEligible("\(name)@\(v.text) is yanked; a yanked version cannot be listed") }
    }

    /// A purchase is at the current listing price of a verified version that is not yanked; the split it records.
    static func checkPurchase(_ name: String, _ v: VersionState, price: Int64) throws -> MarketplaceSplit {
        guard v.verified, !v.yanked, let listed = v.price else {
            throw RegistryError.notListed("\(name)@\(v.text) has no listing price (tpm list), or is not verified, or is yanked")
        }
        guard listed == price else {
            throw RegistryError.notListed("\(name)@\(v.text) is listed at \(listed) minor units, not \(price); sign a purchase at the current price")
        }
        return try MarketplaceSplit(price: price)
    }
}
