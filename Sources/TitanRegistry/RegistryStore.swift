import Foundation
import GRDB
import TitanProver

/// The registry's SQLite file (GRDB, WAL), the embedded default store. A publish is one
/// transaction, so a process killed before it commits leaves the store exactly as it was;
/// `UNIQUE(name, precedence)` makes two publishes of one version race to exactly one winner.
/// `PostgresRegistryStore` keeps the same schema in PostgreSQL (see `RegistryStorage`).
public final class RegistryStore: RegistryStorage {
    public let path: String
    public var location: String { path }
    let db: DatabasePool

    /// `~/.titan/registry.sqlite`, unless `TITAN_REGISTRY` names another file.
    public static var defaultPath: String {
        if let env = ProcessInfo.processInfo.environment["TITAN_REGISTRY"], !env.isEmpty { return env }
        return titanHome.appendingPathComponent("registry.sqlite").path
    }

    public init(path: String) throws {
        self.path = path
        do {
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            var config = Configuration()
            // Publishes from several processes wait for each other rather than fail.
            config.busyMode = .timeout(30)
            db = try Self.open(path, config)
        } catch let e as RegistryError {
            throw e
        } catch {
            throw RegistryError.unavailable("cannot open the registry store \(path): \(error)")
        }
    }

    /// Opens and migrates the store. Two processes opening one new store at once (two
    /// publishes, a publish and `tpm serve`) race twice: switching the file to WAL needs an
    /// exclusive lock SQLite does not wait for ("database is locked"), and both may decide the
    /// schema is missing, so the second to create it finds it there ("already exists"). Both
    /// are retried, after which the schema and its migration record are seen; nothing else is.
    static func open(_ path: String, _ config: Configuration) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(30)
        var schemaRaces = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: config)
                try migrator.migrate(pool)
                return pool
            } catch let e as DatabaseError where Date() < deadline {
                if e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED {
                    // Waiting is the answer; only the deadline ends it.
                } else if e.resultCode == .SQLITE_ERROR, ((e.message ?? "").contains("already exists") || (e.message ?? "").contains("duplicate column name") || (e.message ?? "").contains("UNIQUE constraint failed: generation")), schemaRaces < 3 {
                    schemaRaces += 1
                } else {
                    throw e
                }
                usleep(useconds_t(20_000 + Int.random(in: 0..<30_000)))
            }
        }
    }

    /// `RegistrySchema`'s migrations, in SQLite's dialect, recorded by GRDB under the same names.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        for migration in RegistrySchema.migrations {
            m.registerMigration(migration.name) { db in
                for sql in migration.statements(.sqlite) { try db.execute(sql: sql) }
            }
        }
        return m
    }

    /// How many times a version row has changed: equal values mean every listing, version record
    /// and search answer is what it was.
    public func generation() async throws -> Int64 {
        try await read { try Int64.fetchOne($0, sql: "SELECT n FROM generation WHERE id = 1") ?? 0 }
    }

    /// The column and value that find a version text: exactly when it names build metadata,
    /// else by precedence (so `1.0.0` finds `1.0.0+build.5`; there is at most one).
    static func versionKey(_ version: String) -> (column: String, value: String) { StoreRules.versionKey(version) }

    /// Accepts `sequence` for `key` if it is above every sequence the key used, and records it;
    /// inside the caller's transaction, so a refused request consumes nothing.
    static func consume(_ db: Database, key: String, sequence: Int64) throws {
        let last = try Int64.fetchOne(db, sql: "SELECT last_sequence FROM request_sequences WHERE public_key = ?", arguments: [key])
        if let last, sequence <= last { throw StoreRules.staleSequence(sequence, last: last) }
        try db.execute(sql: "INSERT INTO request_sequences (public_key, last_sequence) VALUES (?, ?) ON CONFLICT(public_key) DO UPDATE SET last_sequence = excluded.last_sequence",
                       arguments: [key, sequence])
    }

    /// The last sequence number a key used, if any.
    public func lastSequence(of key: String) async throws -> Int64? {
        try await read { try Int64.fetchOne($0, sql: "SELECT last_sequence FROM request_sequences WHERE public_key = ?", arguments: [key]) }
    }

    static func now() -> String { StoreRules.now() }

    /// A read on GRDB's reader queue, awaited without holding a thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await db.read(body) } catch let e as RegistryError { throw e } catch { throw RegistryError.unavailable("\(error)") }
    }

    /// A write transaction on GRDB's writer queue, awaited without holding a thread.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await db.write(body) } catch let e as RegistryError { throw e } catch { throw RegistryError.unavailable("\(error)") }
    }

    public func ownerKey(of name: String) async throws -> String? {
        try await read { try String.fetchOne($0, sql: "SELECT public_key FROM owners WHERE name = ?", arguments: [name]) }
    }

    /// The text of the published version with the same precedence (build metadata aside), if any.
    public func existing(_ name: String, _ version: SemanticVersion) async throws -> String? {
        try await read { try String.fetchOne($0, sql: "SELECT version FROM versions WHERE name = ? AND precedence = ?", arguments: [name, version.precedenceText]) }
    }

    static func conflictMessage(_ name: String, _ version: String, existing: String) -> String {
        StoreRules.conflictMessage(name, version, existing: existing)
    }

    /// Records a re-checked version in one transaction: the owner (on a name's first publish),
    /// the version, its verdicts. A version that exists, or a key that is not the owner's, aborts it.
    public func insert(manifest: Manifest, bundle: PackageBundle, bundleData: Data, publisherKey: String,
                       outcome: Recheck.Outcome) async throws -> PackageVersionInfo {
        let name = manifest.name, version = manifest.version.description
        do {
            let n = try StoreRules.newVersion(manifest: manifest, bundle: bundle, bundleData: bundleData, outcome: outcome)
            try await db.write { db in
                if let owner = try String.fetchOne(db, sql: "SELECT public_key FROM owners WHERE name = ?", arguments: [name]) {
                    guard owner == publisherKey else { throw RegistryError.ownerMismatch(name: name) }
                } else {
                    try db.execute(sql: "INSERT INTO owners (name, public_key, registered_at) VALUES (?, ?, ?)",
                                   arguments: [name, publisherKey, Self.now()])
                }
                if let existing = try String.fetchOne(db, sql: "SELECT version FROM versions WHERE name = ? AND precedence = ?",
                                                      arguments: [name, n.precedence]) {
                    throw RegistryError.conflict(Self.conflictMessage(name, version, existing: existing))
                }
                try db.execute(sql: """
                    INSERT INTO versions (name, version, precedence, major, minor, patch, digest, status, reasons, checked_with, published_at,
                      dependencies, targets, report, bundle)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [n.name, n.version, n.precedence, n.major, n.minor, n.patch, n.digest, n.status, n.reasons,
                                     n.checkedWith, n.publishedAt, n.dependencies, n.targets, n.report, n.bundle])
                let id = db.lastInsertedRowID
                for v in n.verdicts {
                    try db.execute(sql: """
                        INSERT INTO verdicts (version_id, property, spec, kind, claimed, status, method, reason, counterexample, position)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [id, v.property, v.spec, v.kind, v.claimed, v.status, v.method, v.reason, v.counterexample, v.position])
                }
            }
        } catch let e as RegistryError {
            throw e
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || e.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            // Another publish committed the same name (first publish) or version in between.
            if try await ownerKey(of: name) != publisherKey { throw RegistryError.ownerMismatch(name: name) }
            throw RegistryError.conflict(Self.conflictMessage(name, version, existing: try await existing(name, manifest.version) ?? version))
        } catch {
            throw RegistryError.unavailable("\(error)")
        }
        guard let info = try await self.version(name, version) else { throw RegistryError.unavailable("\(name)@\(version) vanished after insert") }
        return info
    }

    static let versionColumns = "v.id, v.name, v.version, v.digest, o.public_key, v.status, v.reasons, v.checked_with, v.published_at, v.yanked, v.price, v.dependencies, v.targets"

    func info(_ row: Row, _ db: Database) throws -> PackageVersionInfo {
        let verdicts = try Row.fetchAll(db, sql: "SELECT * FROM verdicts WHERE version_id = ? ORDER BY position", arguments: [row["id"] as Int64]).map { v in
            StoreRules.StoredVerdict(property: v["property"], spec: v["spec"], kind: v["kind"], claimed: v["claimed"], status: v["status"],
                                     method: v["method"], reason: v["reason"], counterexample: v["counterexample"])
        }
        return try StoreRules.info(StoreRules.StoredVersion(
            id: row["id"], name: row["name"], version: row["version"], digest: row["digest"], publicKey: row["public_key"],
            status: row["status"], reasons: row["reasons"], checkedWith: row["checked_with"], publishedAt: row["published_at"],
            yanked: row["yanked"], price: row["price"], dependencies: row["dependencies"], targets: row["targets"]), verdicts)
    }

    public func version(_ name: String, _ version: String) async throws -> PackageVersionInfo? {
        try await read { db in
            let k = Self.versionKey(version)
            return try Row.fetchOne(db, sql: "SELECT \(Self.versionColumns) FROM versions v JOIN owners o ON o.name = v.name WHERE v.name = ? AND v.\(k.column) = ?",
                                    arguments: [name, k.value]).map { try self.info($0, db) }
        }
    }

    /// The order versions are listed in, newest first: by semantic version (an unparsable one
    /// counts as 0.0.0), and versions that compare equal (`1.0.0-01` and `1.0.0-1`) by their text,
    /// so every listing and every choice of "the newest" is the same.
    public static func newerFirst(_ a: String, _ b: String) -> Bool {
        let x = SemanticVersion(a) ?? SemanticVersion(0, 0, 0), y = SemanticVersion(b) ?? SemanticVersion(0, 0, 0)
        if x > y { return true }
        if y > x { return false }
        return a > b
    }

    /// Every version of a name, newest first.
    public func versions(of name: String) async throws -> [PackageVersionInfo] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT \(Self.versionColumns) FROM versions v JOIN owners o ON o.name = v.name WHERE v.name = ?",
                                        arguments: [name])
            return StoreRules.newestFirst(try rows.map { try self.info($0, db) })
        }
    }

    public func bundle(_ name: String, _ version: String) async throws -> Data? {
        let k = Self.versionKey(version)
        return try await read { try Data.fetchOne($0, sql: "SELECT bundle FROM versions WHERE name = ? AND \(k.column) = ?", arguments: [name, k.value]) }
    }

    public func report(_ name: String, _ version: String) async throws -> Data? {
        let k = Self.versionKey(version)
        return try await read { try Data.fetchOne($0, sql: "SELECT report FROM versions WHERE name = ? AND \(k.column) = ?", arguments: [name, k.value]) }
    }

    /// Names containing `query` (all when empty), each with its newest version that is not yanked.
    ///
    /// One read: the few columns a summary needs for every matching version, then the verdicts of
    /// the chosen versions only (not every version's verdicts and manifests, as `versions(of:)` would).
    public func search(_ query: String) async throws -> [PackageSummary] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT v.id, v.name, v.version, v.status, v.price FROM versions v JOIN owners o ON o.name = v.name
                WHERE instr(v.name, ?) > 0 AND v.yanked = 0
                """, arguments: [query.lowercased()])
            let candidates = rows.map { r in
                StoreRules.SearchCandidate(id: r["id"], name: r["name"], version: r["version"], status: r["status"], price: r["price"])
            }
            return try StoreRules.newestPerName(candidates).map { c in
                let verdicts = try Row.fetchAll(db, sql: "SELECT property, claimed, status FROM verdicts WHERE version_id = ? ORDER BY position",
                                                arguments: [c.id]).map { (property: $0["property"] as String, claimed: $0["claimed"] as Bool, status: $0["status"] as String) }
                return StoreRules.summary(c, verdicts: verdicts)
            }
        }
    }

    /// Runs a signed request's write in one transaction with its sequence number, so the
    /// number is used up exactly when the request takes effect.
    func signedWrite<T: Sendable>(key: String, sequence: Int64, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await write { db in
            try Self.consume(db, key: key, sequence: sequence)
            return try body(db)
        }
    }

    /// The version's row id and state, or not found.
    static func state(_ db: Database, _ name: String, _ version: String) throws -> StoreRules.VersionState {
        let k = versionKey(version)
        guard let row = try Row.fetchOne(db, sql: "SELECT id, version, status, yanked, price FROM versions WHERE name = ? AND \(k.column) = ?",
                                         arguments: [name, k.value]) else {
            throw StoreRules.notPublished(name, version)
        }
        return .init(id: row["id"], text: row["version"], verified: (row["status"] as String) == "verified", yanked: row["yanked"], price: row["price"])
    }

    /// Yanks a version with no request behind it (direct access to the store file).
    public func yank(_ name: String, _ version: String) async throws {
        try await write { db in
            let v = try Self.state(db, name, version)
            try db.execute(sql: "UPDATE versions SET yanked = 1 WHERE id = ?", arguments: [v.id])
        }
    }

    /// Yanks a version (owner-signed request with its sequence number).
    public func yank(_ name: String, _ version: String, key: String, sequence: Int64) async throws {
        try await signedWrite(key: key, sequence: sequence) { db in
            let v = try Self.state(db, name, version)
            try db.execute(sql: "UPDATE versions SET yanked = 1 WHERE id = ?", arguments: [v.id])
        }
    }

    /// Sets a verified, unyanked version's price (owner-signed request with its sequence number).
    public func setPrice(_ name: String, _ version: String, price: Int64, key: String, sequence: Int64) async throws {
        try await signedWrite(key: key, sequence: sequence) { db in
            let v = try Self.state(db, name, version)
            try StoreRules.checkListable(name, v)
            try db.execute(sql: "UPDATE versions SET price = ? WHERE id = ?", arguments: [price, v.id])
        }
    }

    /// Records a sale to the key that signed the request, at the price it agreed to, which must
    /// be the current listing price.
    public func recordPurchase(_ name: String, _ version: String, buyerKey: String, price: Int64, sequence: Int64) async throws -> Purchase {
        try await signedWrite(key: buyerKey, sequence: sequence) { db in
            let v = try Self.state(db, name, version)
            let split = try StoreRules.checkPurchase(name, v, price: price)
            let buyer = PublisherKey.publicKeyText(base64: buyerKey)
            let at = Self.now()
            try db.execute(sql: "INSERT INTO purchases (version_id, buyer, price, fee, seller_proceeds, purchased_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [v.id, buyer, split.price, split.fee, split.seller, at])
            return Purchase(id: db.lastInsertedRowID, name: name, version: v.text, buyer: buyer, price: split.price,
                            fee: split.fee, sellerProceeds: split.seller, purchasedAt: at)
        }
    }

    /// Row counts of every table: what a test compares to see that nothing was left behind.
    public func counts() async throws -> [String: Int] {
        try await read { db in
            var out: [String: Int] = [:]
            for t in StoreRules.tables { out[t] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t)") ?? 0 }
            return out
        }
    }
}
