import Foundation
import TitanTestSupport
import Testing
@testable import TitanRegistry

/// Issue #15, item 4: the registry on PostgreSQL, shared by several `tpm serve` instances. The
/// rest of the registry's suite runs on both stores (`StoreKind`); these are what only a
/// shared database has: migrations under a lock, constraints seen from outside, two servers.
@Suite("Registry on PostgreSQL", .watched)
struct RegistryPostgresTests {
    var server: PostgresTestServer { get throws { try PostgresTestServer.shared.get() } }

    func databaseName(_ url: String) -> String { String(url.split(separator: "/").last ?? "") }

    @Test("six stores opening one new database at once all succeed, and each migration is applied once")
    func concurrentMigrations() async throws {
        let url = try server.createDatabase()
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var messages: [String] = []
            func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
        }
        let failures = Failures()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do { _ = try await PostgresRegistryStore(url: url).counts() } catch { failures.add("\(error)") }
                }
            }
        }
        #expect(failures.messages.isEmpty, "\(failures.messages.prefix(3))")
        let store = try await PostgresRegistryStore(url: url)
        #expect(try await store.appliedMigrations() == ["v1", "v2", "v3"])
        #expect(try await store.counts() == ["owners": 0, "versions": 0, "verdicts": 0, "purchases": 0, "request_sequences": 0])
        let r = try server.psql(databaseName(url), "SELECT count(*) FROM titan_migrations")
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "\(r.stdout)\(r.stderr)")
    }

    @Test("the constraints are the database's: a writer that bypasses tpm is refused too, and every change bumps the generation")
    func constraintsInTheDatabase() async throws {
        let url = try server.createDatabase()
        let db = databaseName(url)
        let registry = LocalRegistry(store: try await openStore(url), recheck: Recheck(jobs: 1))
        _ = try await registry.publish(try signedBundle("ledger", key: PublisherKey()))
        let g0 = try await registry.store.generation()
        #expect(g0 >= 1)
        func refused(_ sql: String, _ reason: String) throws {
            let r = try server.psql(db, sql)
            #expect(r.status != 0 && r.stderr.contains(reason), "\(sql): exit \(r.status) \(r.stderr)")
        }
        let copy = "INSERT INTO versions (name, version, precedence, major, minor, patch, digest, status, reasons, checked_with, published_at, dependencies, targets, report, bundle) SELECT name, %@, precedence, major, minor, patch, digest, %@, reasons, checked_with, published_at, dependencies, targets, report, bundle FROM versions"
        try refused(String(format: copy, "'0.1.0+other'", "status"), "versions_precedence")
        try refused(String(format: copy, "'9.9.9'", "'maybe'"), "violates check constraint")
        try refused("UPDATE versions SET price = 0", "violates check constraint")
        try refused("INSERT INTO purchases (version_id, buyer, price, fee, seller_proceeds, purchased_at) SELECT id, 'x', 100, 5, 95, 'now' FROM versions",
                    "violates check constraint")
        try refused("INSERT INTO verdicts (version_id, property, spec, kind, claimed, status, method, position) VALUES (999, 'p', 's', 'k', true, 'proved', 'm', 0)",
                    "violates foreign key constraint")
        try refused("INSERT INTO versions (name, version, precedence, major, minor, patch, digest, status, reasons, checked_with, published_at, dependencies, targets, report, bundle) VALUES ('nobody', '1.0.0', '1.0.0', 1, 0, 0, 'd', 'verified', '[]', 'c', 'now', '[]', '[]', '', '')",
                    "violates foreign key constraint")
        #expect(try await registry.store.generation() == g0, "refused writes change nothing")
        let direct = try server.psql(db, "UPDATE versions SET yanked = true")
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(try await registry.store.generation() > g0, "a write from outside tpm bumps the counter the caches compare")
        #expect(try await registry.store.version("ledger", "0.1.0")?.yanked == true)
    }

    @Test("requests racing with one sequence number: exactly one takes effect", arguments: StoreKind.allCases)
    func sequenceRace(kind: StoreKind) async throws {
        let r = try await ScratchRegistry(kind)
        defer { r.remove() }
        let owner = PublisherKey()
        _ = try await r.registry.publish(try signedBundle("ledger", key: owner))
        let seq = SignedAction.nextSequence()
        let registry = r.registry
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for price in Int64(1)...8 {
                let sig = try owner.sign(SignedAction.list("ledger", "0.1.0", price: price, sequence: seq))
                group.addTask {
                    do { return "listed \(try await registry.list("ledger", "0.1.0", price: price, sequence: seq, signature: sig).price ?? 0)" }
                    catch let e as RegistryError { return e.code }
                }
            }
            var all: [String] = []
            for try await o in group { all.append(o) }
            return all
        }
        let listed = outcomes.filter { $0.hasPrefix("listed") }
        #expect(listed.count == 1 && outcomes.filter { $0 == "stale-sequence" }.count == 7, "\(outcomes)")
        #expect(try await registry.version("ledger", "0.1.0").price.map { "listed \($0)" } == listed.first)
        #expect(try await registry.store.lastSequence(of: owner.privateKey.publicKey.rawRepresentation.base64EncodedString()) == seq)
    }

    /// `tpm serve --database URL` on a free port; the caller kills it.
    func serve(_ s: RegistrySandbox) throws -> (RunningProcess, String) {
        let p = try RunningProcess(tpmBinary, ["serve", "--port", "0", "--database", s.store], environment: ["HOME": s.dir.path], in: s.dir)
        var url = ""
        let up = p.wait(seconds: 60) {
            guard let r = p.stdout.range(of: "http://127\\.0\\.0\\.1:[0-9]+", options: .regularExpression) else { return false }
            url = String(p.stdout[r])
            return true
        }
        if !up { p.kill() }
        try #require(up, "tpm serve did not start: \(p.stderr)")
        return (p, url)
    }

    func get<T: Decodable>(_ t: T.Type, _ url: String) throws -> T {
        let r = try run("/usr/bin/env", ["curl", "-s", "--fail", url])
        try #require(r.status == 0, "GET \(url): curl exit \(r.status)")
        return try JSONDecoder().decode(t, from: Data(r.stdout.utf8))
    }

    @Test("two tpm serve instances on one database: each re-checks what it receives, a race has one winner, and each cache follows the other's writes")
    func twoInstances() async throws {
        let s = try RegistrySandbox(.postgresql)
        defer { s.remove() }
        let (a, urlA) = try serve(s)
        defer { a.kill() }
        let (b, urlB) = try serve(s)
        defer { b.kill() }
        #expect(a.stdout.contains("(store postgresql://titan@127.0.0.1:") && !a.stdout.contains("password"))

        let ledger = try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let published = try s.tpm(["publish", ledger, "--registry", urlA])
        #expect(published.status == 0 && published.stdout.contains("ledger@0.1.0: VERIFIED"), "\(published.stdout)\(published.stderr)")
        #expect(a.stderr.contains("re-checking 25 claimed properties of ledger@0.1.0") && !b.stderr.contains("ledger@0.1.0"))

        // Both caches primed, then a listing through B: A's next answers show it.
        for url in [urlA, urlB] {
            #expect(try get(PackageVersionInfo.self, "\(url)/v1/packages/ledger/0.1.0").price == nil)
            #expect(try get([PackageSummary].self, "\(url)/v1/packages?q=").map(\.price) == [nil])
        }
        try expectOK(s.tpm(["list", "ledger@0.1.0", "--price", "7", "--key", s.key, "--registry", urlB]))
        #expect(try get(PackageVersionInfo.self, "\(urlA)/v1/packages/ledger/0.1.0").price == 7)
        #expect(try get([PackageSummary].self, "\(urlA)/v1/packages?q=").map(\.price) == [7])
        let page = try run("/usr/bin/env", ["curl", "-s", "\(urlA)/packages/ledger/0.1.0/report/index.html"])
        #expect(page.stdout.contains("listing price (minor units)</th><td>7<"))

        // One version published to both at once: both re-check it, exactly one records it.
        let v2 = try s.package("ledger", version: "0.2.0", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let pa = try RunningProcess(tpmBinary, ["publish", v2, "--registry", urlA], environment: ["HOME": s.dir.path], in: s.dir)
        let pb = try RunningProcess(tpmBinary, ["publish", v2, "--registry", urlB], environment: ["HOME": s.dir.path], in: s.dir)
        let codes = [pa.finish(), pb.finish()].sorted()
        #expect(codes == [0, 3], "\(codes): \(pa.stderr) \(pb.stderr)")
        #expect((pa.stderr + pb.stderr).contains("ledger@0.2.0 is already published"))
        #expect(a.stderr.contains("re-checking 25 claimed properties of ledger@0.2.0") && b.stderr.contains("re-checking 25 claimed properties of ledger@0.2.0"),
                "each instance re-checks the bundle it received")
        #expect(try await s.counts()["versions"] == 2)
        for url in [urlA, urlB] {
            #expect(try get([PackageVersionInfo].self, "\(url)/v1/packages/ledger").map(\.version) == ["0.2.0", "0.1.0"])
        }
        #expect(!a.stderr.contains("internal error") && !b.stderr.contains("internal error"), "\(a.stderr)\(b.stderr)")
    }

    @Test("a bad or unreachable --database: one line saying what is wrong, and its exit code")
    func badDatabase() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try PostgresTestServer.freePort()
        let cases: [(String, Int32, String)] = [
            ("postgresql://titan@127.0.0.1:\(port)/x", 4, "cannot open the registry database postgresql://titan@127.0.0.1:\(port)/x: cannot connect"),
            ("postgresql:///x", 2, "no host; expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"),
            ("postgresql://u:secret@127.0.0.1/x?sslmode=maybe", 2, "sslmode 'maybe' is not one of disable, require, verify-full"),
            ("postgresql://u@127.0.0.1/x?pool=3", 2, "unknown parameter 'pool'"),
            (try server.url("no_such_database"), 4, "database \"no_such_database\" does not exist"),
        ]
        for (url, code, message) in cases {
            let r = try run(tpmBinary, ["serve", "--port", "0", "--database", url], cwd: dir, environment: ["HOME": dir.path])
            #expect(r.status == code, "\(url): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(url): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && !r.stderr.contains("secret") && !r.stderr.contains("Fatal"), "\(url): \(r.stderr)")
        }
        let both = try run(tpmBinary, ["serve", "--database", "postgresql://u@h/x", "--registry", "r.sqlite"], cwd: dir, environment: ["HOME": dir.path])
        #expect(both.status == 2 && both.stderr.contains("give --database or --registry, not both"))
    }
}
