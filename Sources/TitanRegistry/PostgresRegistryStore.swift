import Foundation
import PostgresNIO
import TitanProver

/// The registry in a PostgreSQL database (PostgresNIO), for several `tpm serve` instances on
/// one database: the schema of `RegistrySchema`, migrated under an advisory lock, so instances
/// starting together migrate once. See `RegistryStorage` for the semantics both stores keep.
///
/// A publish is one transaction. Two publishes of one version race on `UNIQUE (name,
/// precedence)`: the second waits for the first to commit and fails on the constraint (a
/// conflict); two first publishes of one name race on the `owners` primary key the same way.
/// A signed request's sequence number is taken by one conditional upsert (the row is locked
/// until the request commits or is refused), and the version row it acts on is read `FOR
/// UPDATE`, so a listing and a yank of one version cannot interleave.
///
/// Queries go through a `PostgresClient` pool and are awaited, never waited on. The pool runs
/// (`PostgresClient.run()`) from opening until `close()`; `tpm serve` closes it from its
/// service group on shutdown.
public final class PostgresRegistryStore: RegistryStorage {
    /// The URL without its password.
    public let location: String
    let client: PostgresClient
    let logger: Logger
    /// The pool's run loop, for as long as the store is open.
    let running: Task<Void, Never>

    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    /// Connects to `url` (`postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]`)
    /// and migrates the schema. The password may also come from `PGPASSWORD`.
    ///
    /// Opening connects once on its own, to migrate: a pool retries an unreachable server for a
    /// minute before it fails a query, and a bad URL or a stopped database must be one line at once.
    public init(url: String, poolSize: Int = 8) async throws {
        let target = try Self.target(url)
        var logger = Logger(label: "tpm.registry.postgres")
        // The pool starts running a moment after the first query may ask it for a connection,
        // which PostgresNIO warns about; failures reach the caller as errors anyway.
        logger.logLevel = .error
        do {
            let c = try await PostgresConnection.connect(configuration: try target.connection(), id: 0, logger: logger)
            do {
                try await c.withTransaction(logger: logger) { c in try await Self.migrate(c, logger) }
                try await c.close()
            } catch {
                try? await c.close()
                throw error
            }
        } catch {
            if let e = Self.unwrap(error) as? RegistryError { throw e }
            throw RegistryError.unavailable("cannot open the registry database \(target.display): \(Self.describe(error))")
        }
        var configuration = target.client()
        configuration.options.maximumConnections = poolSize
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.location = target.display
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    public func close() async {
        running.cancel()
        await running.value
    }

    // MARK: URL

    static let urlFormat = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require|verify-full]"

    /// Where a URL points, and how to connect there: as one connection (to migrate) or as a pool.
    struct Target {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var database: String
        var tls: TLSConfiguration?
        var connectTimeout: Int64
        var display: String

        func connection() throws -> PostgresConnection.Configuration {
            var c = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database,
                                                     tls: try tls.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable)
            c.options.connectTimeout = .seconds(connectTimeout)
            return c
        }

        func client() -> PostgresClient.Configuration {
            var c = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database,
                                                 tls: tls.map { .require($0) } ?? .disable)
            c.options.connectTimeout = .seconds(connectTimeout)
            return c
        }
    }

    static func target(_ url: String) throws -> Target {
        func bad(_ why: String) -> RegistryError { .invalidArgument("--database \(redacted(url)): \(why); expected \(urlFormat)") }
        guard isURL(url), let c = URLComponents(string: url) else { throw bad("not a PostgreSQL URL") }
        guard let host = c.host, !host.isEmpty else { throw bad("no host") }
        let port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port out of range") }
        let env = ProcessInfo.processInfo.environment
        let user = c.user.flatMap { $0.isEmpty ? nil : $0 } ?? env["PGUSER"] ?? "postgres"
        let password = c.password ?? env["PGPASSWORD"]
        var database = c.path
        if database.hasPrefix("/") { database.removeFirst() }
        if database.contains("/") { throw bad("the path must be one database name") }
        if database.isEmpty { database = user }
        var tls: TLSConfiguration?
        var timeout: Int64 = 10
        for item in c.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"): tls = nil
            case ("sslmode", "require"):
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = .none
                tls = t
            case ("sslmode", "verify-full"): tls = .makeClientConfiguration()
            case ("sslmode", let v): throw bad("sslmode '\(v)' is not one of disable, require, verify-full")
            case ("connect_timeout", let v):
                guard let s = Int64(v), s > 0 else { throw bad("connect_timeout must be a positive number of seconds") }
                timeout = s
            case (let name, _): throw bad("unknown parameter '\(name)'")
            }
        }
        return Target(host: host, port: port, user: user, password: password, database: database, tls: tls, connectTimeout: timeout,
                      display: "postgresql://\(user)@\(host):\(port)/\(database)")
    }

    /// The URL with its password replaced by `***`, for messages.
    static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }

    // MARK: Errors

    /// A one-line account of a PostgreSQL or connection failure (PSQLError's own description
    /// says nothing, on purpose).
    static func describe(_ error: Error) -> String {
        let error = unwrap(error)
        guard let e = error as? PSQLError else {
            if let io = error as? IOError { return io.description }
            return "\(error)"
        }
        if let message = e.serverInfo?[.message] {
            let state = e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "PostgreSQL: \(message)\(state)"
        }
        switch e.code {
        case .connectionError:
            return "cannot connect" + (e.underlying.map { ": \(ConnectionFailure.describe($0))" } ?? "")
        case .serverClosedConnection, .clientClosedConnection:
            return "the connection to PostgreSQL was closed"
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword:
            return "PostgreSQL asks for a password this client cannot give (set it in the URL or PGPASSWORD)"
        case .sslUnsupported:
            return "the server does not support TLS (sslmode)"
        default:
            return "PostgreSQL: \(e.code)"
        }
    }

    static func sqlState(_ error: Error) -> String? { (unwrap(error) as? PSQLError)?.serverInfo?[.sqlState] }

    /// The failure inside a transaction's wrapper: what its body threw, else what BEGIN or COMMIT did.
    static func unwrap(_ error: Error) -> Error {
        guard let t = error as? PostgresTransactionError else { return error }
        return t.closureError ?? t.beginError ?? t.commitError ?? error
    }

    /// Runs `body`, mapping every failure that is not a refusal to `unavailable`.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if let e = Self.unwrap(error) as? RegistryError { throw e }
            throw RegistryError.unavailable(Self.describe(error))
        }
    }

    // MARK: Connections

    static func rows(_ c: PostgresConnection, _ q: PostgresQuery, _ logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await c.query(q, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    func rows(_ c: PostgresConnection, _ q: PostgresQuery) async throws -> [PostgresRandomAccessRow] { try await Self.rows(c, q, logger) }

    /// Runs a statement to completion.
    func execute(_ c: PostgresConnection, _ q: PostgresQuery) async throws { _ = try await rows(c, q) }

    /// `body` on a pooled connection.
    func read<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded { try await client.withConnection(body) }
    }

    /// `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: logger, body)
    }

    // MARK: Schema

    /// The advisory lock key migrations hold (any constant; "titan" in ASCII).
    static let migrationLock: Int64 = 0x74_69_74_61_6e

    static func migrate(_ c: PostgresConnection, _ logger: Logger) async throws {
        _ = try await rows(c, "SELECT pg_advisory_xact_lock(\(migrationLock))", logger)
        _ = try await rows(c, "CREATE TABLE IF NOT EXISTS titan_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)", logger)
        let done = Set(try await rows(c, "SELECT name FROM titan_migrations", logger).map { try $0["name"].decode(String.self) })
        for m in RegistrySchema.migrations where !done.contains(m.name) {
            for sql in m.statements(.postgres) { _ = try await rows(c, PostgresQuery(unsafeSQL: sql), logger) }
            _ = try await rows(c, "INSERT INTO titan_migrations (name, applied_at) VALUES (\(m.name), \(StoreRules.now()))", logger)
        }
    }

    /// The migrations recorded in the database, in the order they were applied.
    public func appliedMigrations() async throws -> [String] {
        try await read { c in try await rows(c, "SELECT name FROM titan_migrations ORDER BY name").map { try $0["name"].decode(String.self) } }
    }

    // MARK: Reads

    public func generation() async throws -> Int64 {
        try await read { c in try await rows(c, "SELECT n FROM generation WHERE id = 1").first?["n"].decode(Int64.self) ?? 0 }
    }

    public func ownerKey(of name: String) async throws -> String? {
        try await read { c in try await rows(c, "SELECT public_key FROM owners WHERE name = \(name)").first?["public_key"].decode(String.self) }
    }

    public func existing(_ name: String, _ version: SemanticVersion) async throws -> String? {
        try await read { c in
            try await rows(c, "SELECT version FROM versions WHERE name = \(name) AND precedence = \(version.precedenceText)").first?["version"].decode(String.self)
        }
    }

    public func lastSequence(of key: String) async throws -> Int64? {
        try await read { c in try await rows(c, "SELECT last_sequence FROM request_sequences WHERE public_key = \(key)").first?["last_sequence"].decode(Int64.self) }
    }

    static let versionColumns = "v.id, v.name, v.version, v.digest, o.public_key, v.status, v.reasons, v.checked_with, v.published_at, v.yanked, v.price, v.dependencies, v.targets"

    func stored(_ r: PostgresRandomAccessRow) throws -> StoreRules.StoredVersion {
        StoreRules.StoredVersion(
            id: try r["id"].decode(Int64.self), name: try r["name"].decode(String.self), version: try r["version"].decode(String.self),
            digest: try r["digest"].decode(String.self), publicKey: try r["public_key"].decode(String.self),
            status: try r["status"].decode(String.self), reasons: try r["reasons"].decode(String.self),
            checkedWith: try r["checked_with"].decode(String.self), publishedAt: try r["published_at"].decode(String.self),
            yanked: try r["yanked"].decode(Bool.self), price: try r["price"].decode(Int64?.self),
            dependencies: try r["dependencies"].decode(String.self), targets: try r["targets"].decode(String.self))
    }

    /// The verdicts of several versions in one query, by version id, in their order.
    func verdicts(_ c: PostgresConnection, _ ids: [Int64]) async throws -> [Int64: [StoreRules.StoredVerdict]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [StoreRules.StoredVerdict]] = [:]
        for r in try await rows(c, "SELECT * FROM verdicts WHERE version_id = ANY(\(ids)) ORDER BY version_id, position") {
            out[try r["version_id"].decode(Int64.self), default: []].append(StoreRules.StoredVerdict(
                property: try r["property"].decode(String.self), spec: try r["spec"].decode(String.self), kind: try r["kind"].decode(String.self),
                claimed: try r["claimed"].decode(Bool.self), status: try r["status"].decode(String.self), method: try r["method"].decode(String.self),
                reason: try r["reason"].decode(String?.self), counterexample: try r["counterexample"].decode(String?.self)))
        }
        return out
    }

    func infos(_ c: PostgresConnection, _ q: PostgresQuery) async throws -> [PackageVersionInfo] {
        let found = try await rows(c, q).map(stored)
        let byID = try await verdicts(c, found.map(\.id))
        return try found.map { try StoreRules.info($0, byID[$0.id] ?? []) }
    }

    public func version(_ name: String, _ version: String) async throws -> PackageVersionInfo? {
        let k = StoreRules.versionKey(version)
        return try await read { c in
            try await infos(c, "SELECT \(unescaped: Self.versionColumns) FROM versions v JOIN owners o ON o.name = v.name WHERE v.name = \(name) AND v.\(unescaped: k.column) = \(k.value)").first
        }
    }

    public func versions(of name: String) async throws -> [PackageVersionInfo] {
        try await read { c in
            StoreRules.newestFirst(try await infos(c, "SELECT \(unescaped: Self.versionColumns) FROM versions v JOIN owners o ON o.name = v.name WHERE v.name = \(name)"))
        }
    }

    func blob(_ column: String, _ name: String, _ version: String) async throws -> Data? {
        let k = StoreRules.versionKey(version)
        return try await read { c in
            try await rows(c, "SELECT \(unescaped: column) FROM versions WHERE name = \(name) AND \(unescaped: k.column) = \(k.value)").first?[column].decode(Data.self)
        }
    }

    public func bundle(_ name: String, _ version: String) async throws -> Data? { try await blob("bundle", name, version) }
    public func report(_ name: String, _ version: String) async throws -> Data? { try await blob("report", name, version) }

    public func search(_ query: String) async throws -> [PackageSummary] {
        try await read { c in
            let candidates = try await rows(c, """
                SELECT v.id, v.name, v.version, v.status, v.price FROM versions v JOIN owners o ON o.name = v.name
                WHERE strpos(v.name, \(query.lowercased())) > 0 AND NOT v.yanked
                """).map { r in
                StoreRules.SearchCandidate(id: try r["id"].decode(Int64.self), name: try r["name"].decode(String.self),
                                           version: try r["version"].decode(String.self), status: try r["status"].decode(String.self),
                                           price: try r["price"].decode(Int64?.self))
            }
            let chosen = StoreRules.newestPerName(candidates)
            let byID = try await verdicts(c, chosen.map(\.id))
            return chosen.map { v in
                StoreRules.summary(v, verdicts: (byID[v.id] ?? []).map { (property: $0.property, claimed: $0.claimed, status: $0.status) })
            }
        }
    }

    public func counts() async throws -> [String: Int] {
        try await read { c in
            var out: [String: Int] = [:]
            for t in StoreRules.tables {
                out[t] = Int(try await rows(c, "SELECT count(*) AS n FROM \(unescaped: t)").first?["n"].decode(Int64.self) ?? 0)
            }
            return out
        }
    }

    // MARK: Writes

    public func insert(manifest: Manifest, bundle: PackageBundle, bundleData: Data, publisherKey: String,
                       outcome: Recheck.Outcome) async throws -> PackageVersionInfo {
        let name = manifest.name, version = manifest.version.description
        do {
            let n = try StoreRules.newVersion(manifest: manifest, bundle: bundle, bundleData: bundleData, outcome: outcome)
            try await transaction { c in
                // A first publish of the name that is still open makes this wait for its outcome.
                try await execute(c, "INSERT INTO owners (name, public_key, registered_at) VALUES (\(name), \(publisherKey), \(StoreRules.now())) ON CONFLICT (name) DO NOTHING")
                let owner = try await rows(c, "SELECT public_key FROM owners WHERE name = \(name)").first?["public_key"].decode(String.self)
                guard owner == publisherKey else { throw RegistryError.ownerMismatch(name: name) }
                if let existing = try await rows(c, "SELECT version FROM versions WHERE name = \(name) AND precedence = \(n.precedence)").first?["version"].decode(String.self) {
                    throw RegistryError.conflict(StoreRules.conflictMessage(name, version, existing: existing))
                }
                let inserted = try await rows(c, """
                    INSERT INTO versions (name, version, precedence, major, minor, patch, digest, status, reasons, checked_with, published_at,
                      dependencies, targets, report, bundle)
                    VALUES (\(n.name), \(n.version), \(n.precedence), \(n.major), \(n.minor), \(n.patch), \(n.digest), \(n.status), \(n.reasons),
                      \(n.checkedWith), \(n.publishedAt), \(n.dependencies), \(n.targets), \(n.report), \(n.bundle))
                    RETURNING id
                    """)
                guard let id = try inserted.first?["id"].decode(Int64.self) else { throw RegistryError.unavailable("the version insert returned no id") }
                for v in n.verdicts {
                    try await execute(c, """
                        INSERT INTO verdicts (version_id, property, spec, kind, claimed, status, method, reason, counterexample, position)
                        VALUES (\(id), \(v.property), \(v.spec), \(v.kind), \(v.claimed), \(v.status), \(v.method), \(v.reason), \(v.counterexample), \(v.position))
                        """)
                }
            }
        } catch {
            let error = Self.unwrap(error)
            if let e = error as? RegistryError { throw e }
            guard Self.sqlState(error) == "23505" else { throw RegistryError.unavailable(Self.describe(error)) }
            // Another publish committed the same name (first publish) or version in between.
            if try await ownerKey(of: name) != publisherKey { throw RegistryError.ownerMismatch(name: name) }
            throw RegistryError.conflict(StoreRules.conflictMessage(name, version, existing: try await existing(name, manifest.version) ?? version))
        }
        guard let info = try await self.version(name, version) else { throw RegistryError.unavailable("\(name)@\(version) vanished after insert") }
        return info
    }

    /// Takes `sequence` for `key` if it is above every sequence the key used; the row stays
    /// locked until the caller's transaction ends, so a refused request consumes nothing.
    func consume(_ c: PostgresConnection, key: String, sequence: Int64) async throws {
        let taken = try await rows(c, """
            INSERT INTO request_sequences (public_key, last_sequence) VALUES (\(key), \(sequence))
            ON CONFLICT (public_key) DO UPDATE SET last_sequence = excluded.last_sequence
            WHERE request_sequences.last_sequence < excluded.last_sequence
            RETURNING last_sequence
            """)
        if taken.isEmpty {
            let last = try await rows(c, "SELECT last_sequence FROM request_sequences WHERE public_key = \(key)").first?["last_sequence"].decode(Int64.self) ?? sequence
            throw StoreRules.staleSequence(sequence, last: last)
        }
    }

    /// The version's row id and state, locked until the transaction ends, or not found.
    func state(_ c: PostgresConnection, _ name: String, _ version: String) async throws -> StoreRules.VersionState {
        let k = StoreRules.versionKey(version)
        guard let r = try await rows(c, "SELECT id, version, status, yanked, price FROM versions WHERE name = \(name) AND \(unescaped: k.column) = \(k.value) FOR UPDATE").first else {
            throw StoreRules.notPublished(name, version)
        }
        return .init(id: try r["id"].decode(Int64.self), text: try r["version"].decode(String.self),
                     verified: try r["status"].decode(String.self) == "verified", yanked: try r["yanked"].decode(Bool.self),
                     price: try r["price"].decode(Int64?.self))
    }

    func signedWrite<T>(key: String, sequence: Int64, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded {
            try await transaction { c in
                try await consume(c, key: key, sequence: sequence)
                return try await body(c)
            }
        }
    }

    public func yank(_ name: String, _ version: String) async throws {
        try await guarded {
            try await transaction { c in
                let v = try await state(c, name, version)
                try await execute(c, "UPDATE versions SET yanked = true WHERE id = \(v.id)")
            }
        }
    }

    public func yank(_ name: String, _ version: String, key: String, sequence: Int64) async throws {
        try await signedWrite(key: key, sequence: sequence) { c in
            let v = try await state(c, name, version)
            try await execute(c, "UPDATE versions SET yanked = true WHERE id = \(v.id)")
        }
    }

    public func setPrice(_ name: String, _ version: String, price: Int64, key: String, sequence: Int64) async throws {
        try await signedWrite(key: key, sequence: sequence) { c in
            let v = try await state(c, name, version)
            try StoreRules.checkListable(name, v)
            try await execute(c, "UPDATE versions SET price = \(price) WHERE id = \(v.id)")
        }
    }

    public func recordPurchase(_ name: String, _ version: String, buyerKey: String, price: Int64, sequence: Int64) async throws -> Purchase {
        try await signedWrite(key: buyerKey, sequence: sequence) { c in
            let v = try await state(c, name, version)
            let split = try StoreRules.checkPurchase(name, v, price: price)
            let buyer = PublisherKey.publicKeyText(base64: buyerKey)
            let at = StoreRules.now()
            let r = try await rows(c, """
                INSERT INTO purchases (version_id, buyer, price, fee, seller_proceeds, purchased_at)
                VALUES (\(v.id), \(buyer), \(split.price), \(split.fee), \(split.seller), \(at)) RETURNING id
                """)
            guard let id = try r.first?["id"].decode(Int64.self) else { throw RegistryError.unavailable("the purchase insert returned no id") }
            return Purchase(id: id, name: name, version: v.text, buyer: buyer, price: split.price,
                            fee: split.fee, sellerProceeds: split.seller, purchasedAt: at)
        }
    }
}
