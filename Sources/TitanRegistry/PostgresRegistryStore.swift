import Foundation
import PostgresNIO
import TitanProver

/// The registry in a PostgreSQL database (PostgresNIO), for several `tpm serve` instances on
/// one database: the tables, constraints and triggers of the SQLite store (`RegistryStore`),
/// created by numbered migrations under an advisory lock, so instances starting together
/// migrate once. See `RegistryStorage` for the semantics both keep.
///
/// A publish is one transaction. Two publishes of one version race on `UNIQUE (name,
/// precedence)`: the second waits for the first to commit and fails on the constraint (a
/// conflict); two first publishes of one name race on the `owners` primary key the same way.
/// A signed request's sequence number is taken by one conditional upsert (the row is locked
/// until the request commits or is refused), and the version row it acts on is read `FOR
/// UPDATE`, so a listing and a yank of one version cannot interleave.
///
/// The store's methods are synchronous, as the SQLite store's are: each takes a connection
/// from a small pool and waits for PostgreSQL on its own event loop (never the server's).
/// `currentGeneration()`, which the server runs before every cached answer, waits without
/// holding a thread.
public final class PostgresRegistryStore: RegistryStorage, @unchecked Sendable {
    /// The URL without its password.
    public let location: String
    let configuration: PostgresConnection.Configuration
    let logger = Logger(label: "tpm.registry.postgres")
    let lock = NSLock()
    var idle: [PostgresConnection] = []
    let slots: DispatchSemaphore
    var nextID = 0
    /// Connections for `currentGeneration()`; PostgresNIO queues the queries sent on one.
    var readers: [PostgresConnection?]
    var nextReader = 0

    /// One event-loop thread for every PostgreSQL connection of the process, apart from the
    /// HTTP server's, so a handler that waits for the database never waits on its own loop.
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    /// Connects to `url` (`postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]`)
    /// and migrates the schema. The password may also come from `PGPASSWORD`.
    public init(url: String, poolSize: Int = 8) throws {
        let (configuration, display) = try Self.configuration(url)
        self.configuration = configuration
        self.location = display
        slots = DispatchSemaphore(value: poolSize)
        readers = [nil, nil]
        do {
            try transaction { c in try Self.migrate(c, self) }
        } catch let e as RegistryError {
            throw e
        } catch {
            throw RegistryError.unavailable("cannot open the registry database \(display): \(Self.describe(error))")
        }
    }

    deinit {
        // A connection must be closed before it is released: each is kept until its close completes.
        for c in idle + readers.compactMap({ $0 }) { c.close().whenComplete { _ in withExtendedLifetime(c) {} } }
    }

    // MARK: URL

    static let urlFormat = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require|verify-full]"

    static func configuration(_ url: String) throws -> (PostgresConnection.Configuration, String) {
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
        var tls: PostgresConnection.Configuration.TLS = .disable
        var timeout: Int64 = 10
        for item in c.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"): tls = .disable
            case ("sslmode", "require"):
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: t))
            case ("sslmode", "verify-full"): tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case ("sslmode", let v): throw bad("sslmode '\(v)' is not one of disable, require, verify-full")
            case ("connect_timeout", let v):
                guard let s = Int64(v), s > 0 else { throw bad("connect_timeout must be a positive number of seconds") }
                timeout = s
            case (let name, _): throw bad("unknown parameter '\(name)'")
            }
        }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        config.options.connectTimeout = .seconds(timeout)
        return (config, "postgresql://\(user)@\(host):\(port)/\(database)")
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
            return "cannot connect" + (e.underlying.map { ": \(describeUnderlying($0))" } ?? "")
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

    static func describeUnderlying(_ error: Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first {
                return "\(first.target.ipAddress ?? e.host):\(first.target.port ?? e.port): \(describeUnderlying(first.error))"
            }
            if let dns = e.dnsAAAAError ?? e.dnsAError { return "cannot resolve host: \(dns)" }
            return "\(e.host):\(e.port): no address to connect to"
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if error is ChannelError { return "\(error) (timed out or refused)" }
        return "\(error)"
    }

    static func sqlState(_ error: Error) -> String? { (error as? PSQLError)?.serverInfo?[.sqlState] }

    /// Runs `body`, mapping every failure that is not a refusal to `unavailable`.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as RegistryError { throw e } catch { throw RegistryError.unavailable(Self.describe(error)) }
    }

    // MARK: Connections

    func connect() throws -> PostgresConnection {
        let id = lock.withLock { nextID += 1; return nextID }
        return try PostgresConnection.connect(on: Self.group.next(), configuration: configuration, id: id, logger: logger).wait()
    }

    /// A pooled connection for `body`; one that broke is dropped rather than returned.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let c = try lock.withLock { idle.popLast() }.flatMap { $0.isClosed ? nil : $0 } ?? connect()
        do {
            let r = try body(c)
            lock.withLock { idle.append(c) }
            return r
        } catch {
            if !c.isClosed { lock.withLock { idle.append(c) } }
            throw error
        }
    }

    /// `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { c in
            _ = try c.query("BEGIN", logger: logger).wait()
            do {
                let r = try body(c)
                _ = try c.query("COMMIT", logger: logger).wait()
                return r
            } catch {
                do { _ = try c.query("ROLLBACK", logger: logger).wait() } catch { _ = try? c.close().wait() }
                throw error
            }
        }
    }

    func rows(_ c: PostgresConnection, _ q: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try c.query(q, logger: logger).wait().rows.map { $0.makeRandomAccess() }
    }

    func read<T>(_ body: (PostgresConnection) throws -> T) throws -> T { try guarded { try withConnection(body) } }

    // MARK: Schema

    /// The advisory lock key migrations hold (any constant; "titan" in ASCII).
    static let migrationLock: Int64 = 0x74_69_74_61_6e

    static func migrate(_ c: PostgresConnection, _ store: PostgresRegistryStore) throws {
        _ = try c.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: store.logger).wait()
        _ = try c.query("CREATE TABLE IF NOT EXISTS titan_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)", logger: store.logger).wait()
        let done = Set(try store.rows(c, "SELECT name FROM titan_migrations").map { try $0["name"].decode(String.self) })
        for m in RegistrySchema.migrations where !done.contains(m.name) {
            for sql in m.statements(.postgres) { _ = try c.query(PostgresQuery(unsafeSQL: sql), logger: store.logger).wait() }
            _ = try c.query("INSERT INTO titan_migrations (name, applied_at) VALUES (\(m.name), \(StoreRules.now()))", logger: store.logger).wait()
        }
    }

    /// The migrations recorded in the database, in the order they were applied.
    public func appliedMigrations() throws -> [String] {
        try read { c in try rows(c, "SELECT name FROM titan_migrations ORDER BY name").map { try $0["name"].decode(String.self) } }
    }

    // MARK: Reads

    public func generation() throws -> Int64 {
        try read { c in try rows(c, "SELECT n FROM generation WHERE id = 1").first?["n"].decode(Int64.self) ?? 0 }
    }

    public func currentGeneration() async throws -> Int64 {
        let (slot, existing): (Int, PostgresConnection?) = lock.withLock {
            nextReader = (nextReader + 1) % readers.count
            return (nextReader, readers[nextReader].flatMap { $0.isClosed ? nil : $0 })
        }
        var own: PostgresConnection?
        do {
            let c: PostgresConnection
            if let existing {
                c = existing
            } else {
                // Connected here; kept for the slot unless another request filled it meanwhile,
                // in which case it is closed after this one query (never a connection in use).
                let id = lock.withLock { nextID += 1; return nextID }
                c = try await PostgresConnection.connect(on: Self.group.next(), configuration: configuration, id: id, logger: logger).get()
                let kept: Bool = lock.withLock {
                    if let current = readers[slot], !current.isClosed { return false }
                    readers[slot] = c
                    return true
                }
                if !kept { own = c }
            }
            let rows = try await c.query("SELECT n FROM generation WHERE id = 1", logger: logger).collect()
            if let own { try? await own.close() }
            return try rows.first?.makeRandomAccess()["n"].decode(Int64.self) ?? 0
        } catch {
            if let own { try? await own.close() }
            throw RegistryError.unavailable(Self.describe(error))
        }
    }

    public func ownerKey(of name: String) throws -> String? {
        try read { c in try rows(c, "SELECT public_key FROM owners WHERE name = \(name)").first?["public_key"].decode(String.self) }
    }

    public func existing(_ name: String, _ version: SemanticVersion) throws -> String? {
        try read { c in
            try rows(c, "SELECT version FROM versions WHERE name = \(name) AND precedence = \(version.precedenceText)").first?["version"].decode(String.self)
        }
    }

    public func lastSequence(of key: String) throws -> Int64? {
        try read { c in try rows(c, "SELECT last_sequence FROM request_sequences WHERE public_key = \(key)").first?["last_sequence"].decode(Int64.self) }
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
    func verdicts(_ c: PostgresConnection, _ ids: [Int64]) throws -> [Int64: [StoreRules.StoredVerdict]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [StoreRules.StoredVerdict]] = [:]
        for r in try rows(c, "SELECT * FROM verdicts WHERE version_id = ANY(\(ids)) ORDER BY version_id, position") {
            out[try r["version_id"].decode(Int64.self), default: []].append(StoreRules.StoredVerdict(
                property: try r["property"].decode(String.self), spec: try r["spec"].decode(String.self), kind: try r["kind"].decode(String.self),
                claimed: try r["claimed"].decode(Bool.self), status: try r["status"].decode(String.self), method: try r["method"].decode(String.self),
                reason: try r["reason"].decode(String?.self), counterexample: try r["counterexample"].decode(String?.self)))
        }
        return out
    }

    func infos(_ c: PostgresConnection, _ q: PostgresQuery) throws -> [PackageVersionInfo] {
        let found = try rows(c, q).map(stored)
        let byID = try verdicts(c, found.map(\.id))
        return try found.map { try StoreRules.info($0, byID[$0.id] ?? []) }
    }

    public func version(_ name: String, _ version: String) throws -> PackageVersionInfo? {
        let k = StoreRules.versionKey(version)
        return try read { c in
            try infos(c, "SELECT \(unescaped: Self.versionColumns) FROM versions v JOIN owners o ON o.name = v.name WHERE v.name = \(name) AND v.\(unescaped: k.column) = \(k.value)").first
        }
    }

    public func versions(of name: String) throws -> [PackageVersionInfo] {
        try read { c in
            StoreRules.newestFirst(try infos(c, "SELECT \(unescaped: Self.versionColumns) FROM versions v JOIN owners o ON o.name = v.name WHERE v.name = \(name)"))
        }
    }

    func blob(_ column: String, _ name: String, _ version: String) throws -> Data? {
        let k = StoreRules.versionKey(version)
        return try read { c in
            try rows(c, "SELECT \(unescaped: column) FROM versions WHERE name = \(name) AND \(unescaped: k.column) = \(k.value)").first?[column].decode(Data.self)
        }
    }

    public func bundle(_ name: String, _ version: String) throws -> Data? { try blob("bundle", name, version) }
    public func report(_ name: String, _ version: String) throws -> Data? { try blob("report", name, version) }

    public func search(_ query: String) throws -> [PackageSummary] {
        try read { c in
            let candidates = try rows(c, """
                SELECT v.id, v.name, v.version, v.status, v.price FROM versions v JOIN owners o ON o.name = v.name
                WHERE strpos(v.name, \(query.lowercased())) > 0 AND NOT v.yanked
                """).map { r in
                StoreRules.SearchCandidate(id: try r["id"].decode(Int64.self), name: try r["name"].decode(String.self),
                                           version: try r["version"].decode(String.self), status: try r["status"].decode(String.self),
                                           price: try r["price"].decode(Int64?.self))
            }
            let chosen = StoreRules.newestPerName(candidates)
            let byID = try verdicts(c, chosen.map(\.id))
            return chosen.map { v in
                StoreRules.summary(v, verdicts: (byID[v.id] ?? []).map { (property: $0.property, claimed: $0.claimed, status: $0.status) })
            }
        }
    }

    public func counts() throws -> [String: Int] {
        try read { c in
            var out: [String: Int] = [:]
            for t in StoreRules.tables {
                out[t] = Int(try rows(c, "SELECT count(*) AS n FROM \(unescaped: t)").first?["n"].decode(Int64.self) ?? 0)
            }
            return out
        }
    }

    // MARK: Writes

    public func insert(manifest: Manifest, bundle: PackageBundle, bundleData: Data, publisherKey: String,
                       outcome: Recheck.Outcome) throws -> PackageVersionInfo {
        let name = manifest.name, version = manifest.version.description
        do {
            let n = try StoreRules.newVersion(manifest: manifest, bundle: bundle, bundleData: bundleData, outcome: outcome)
            try transaction { c in
                // A first publish of the name that is still open makes this wait for its outcome.
                _ = try c.query("INSERT INTO owners (name, public_key, registered_at) VALUES (\(name), \(publisherKey), \(StoreRules.now())) ON CONFLICT (name) DO NOTHING",
                                logger: logger).wait()
                let owner = try rows(c, "SELECT public_key FROM owners WHERE name = \(name)").first?["public_key"].decode(String.self)
                guard owner == publisherKey else { throw RegistryError.ownerMismatch(name: name) }
                if let existing = try rows(c, "SELECT version FROM versions WHERE name = \(name) AND precedence = \(n.precedence)").first?["version"].decode(String.self) {
                    throw RegistryError.conflict(StoreRules.conflictMessage(name, version, existing: existing))
                }
                let inserted = try rows(c, try """
                    INSERT INTO versions (name, version, precedence, major, minor, patch, digest, status, reasons, checked_with, published_at,
                      dependencies, targets, report, bundle)
                    VALUES (\(n.name), \(n.version), \(n.precedence), \(n.major), \(n.minor), \(n.patch), \(n.digest), \(n.status), \(n.reasons),
                      \(n.checkedWith), \(n.publishedAt), \(n.dependencies), \(n.targets), \(n.report), \(n.bundle))
                    RETURNING id
                    """)
                guard let id = try inserted.first?["id"].decode(Int64.self) else { throw RegistryError.unavailable("the version insert returned no id") }
                for v in n.verdicts {
                    _ = try c.query("""
                        INSERT INTO verdicts (version_id, property, spec, kind, claimed, status, method, reason, counterexample, position)
                        VALUES (\(id), \(v.property), \(v.spec), \(v.kind), \(v.claimed), \(v.status), \(v.method), \(v.reason), \(v.counterexample), \(v.position))
                        """, logger: logger).wait()
                }
            }
        } catch let e as RegistryError {
            throw e
        } catch where Self.sqlState(error) == "23505" {
            // Another publish committed the same name (first publish) or version in between.
            if try ownerKey(of: name) != publisherKey { throw RegistryError.ownerMismatch(name: name) }
            throw RegistryError.conflict(StoreRules.conflictMessage(name, version, existing: try existing(name, manifest.version) ?? version))
        } catch {
            throw RegistryError.unavailable(Self.describe(error))
        }
        guard let info = try self.version(name, version) else { throw RegistryError.unavailable("\(name)@\(version) vanished after insert") }
        return info
    }

    /// Takes `sequence` for `key` if it is above every sequence the key used; the row stays
    /// locked until the caller's transaction ends, so a refused request consumes nothing.
    func consume(_ c: PostgresConnection, key: String, sequence: Int64) throws {
        let taken = try rows(c, """
            INSERT INTO request_sequences (public_key, last_sequence) VALUES (\(key), \(sequence))
            ON CONFLICT (public_key) DO UPDATE SET last_sequence = excluded.last_sequence
            WHERE request_sequences.last_sequence < excluded.last_sequence
            RETURNING last_sequence
            """)
        if taken.isEmpty {
            let last = try rows(c, "SELECT last_sequence FROM request_sequences WHERE public_key = \(key)").first?["last_sequence"].decode(Int64.self) ?? sequence
            throw StoreRules.staleSequence(sequence, last: last)
        }
    }

    /// The version's row id and state, locked until the transaction ends, or not found.
    func state(_ c: PostgresConnection, _ name: String, _ version: String) throws -> StoreRules.VersionState {
        let k = StoreRules.versionKey(version)
        guard let r = try rows(c, "SELECT id, version, status, yanked, price FROM versions WHERE name = \(name) AND \(unescaped: k.column) = \(k.value) FOR UPDATE").first else {
            throw StoreRules.notPublished(name, version)
        }
        return .init(id: try r["id"].decode(Int64.self), text: try r["version"].decode(String.self),
                     verified: try r["status"].decode(String.self) == "verified", yanked: try r["yanked"].decode(Bool.self),
                     price: try r["price"].decode(Int64?.self))
    }

    func signedWrite<T>(key: String, sequence: Int64, _ body: (PostgresConnection) throws -> T) throws -> T {
        try guarded {
            try transaction { c in
                try consume(c, key: key, sequence: sequence)
                return try body(c)
            }
        }
    }

    public func yank(_ name: String, _ version: String) throws {
        try guarded {
            try transaction { c in
                let v = try state(c, name, version)
                _ = try c.query("UPDATE versions SET yanked = true WHERE id = \(v.id)", logger: logger).wait()
            }
        }
    }

    public func yank(_ name: String, _ version: String, key: String, sequence: Int64) throws {
        try signedWrite(key: key, sequence: sequence) { c in
            let v = try state(c, name, version)
            _ = try c.query("UPDATE versions SET yanked = true WHERE id = \(v.id)", logger: logger).wait()
        }
    }

    public func setPrice(_ name: String, _ version: String, price: Int64, key: String, sequence: Int64) throws {
        try signedWrite(key: key, sequence: sequence) { c in
            let v = try state(c, name, version)
            try StoreRules.checkListable(name, v)
            _ = try c.query("UPDATE versions SET price = \(price) WHERE id = \(v.id)", logger: logger).wait()
        }
    }

    public func recordPurchase(_ name: String, _ version: String, buyerKey: String, price: Int64, sequence: Int64) throws -> Purchase {
        try signedWrite(key: buyerKey, sequence: sequence) { c in
            let v = try state(c, name, version)
            let split = try StoreRules.checkPurchase(name, v, price: price)
            let buyer = PublisherKey.publicKeyText(base64: buyerKey)
            let at = StoreRules.now()
            let r = try rows(c, """
                INSERT INTO purchases (version_id, buyer, price, fee, seller_proceeds, purchased_at)
                VALUES (\(v.id), \(buyer), \(split.price), \(split.fee), \(split.seller), \(at)) RETURNING id
                """)
            guard let id = try r.first?["id"].decode(Int64.self) else { throw RegistryError.unavailable("the purchase insert returned no id") }
            return Purchase(id: id, name: name, version: v.text, buyer: buyer, price: split.price,
                            fee: split.fee, sellerProceeds: split.seller, purchasedAt: at)
        }
    }
}
