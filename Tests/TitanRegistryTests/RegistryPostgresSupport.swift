import Foundation
import TitanProcess
import TitanTestSupport
import Testing
import TitanRegistry
import TitanBackends

/// The stores the registry's tests run against: the embedded SQLite file, and a database on a
/// throwaway PostgreSQL server (`PostgresTestServer`).
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }

    /// A new, empty store: a file in `dir`, or a new database on the test server.
    func newStore(in dir: URL) throws -> String {
        switch self {
        case .sqlite: return dir.appendingPathComponent("registry.sqlite").path
        case .postgresql: return try PostgresTestServer.shared.get().createDatabase()
        }
    }
}

/// A PostgreSQL server for the tests, started once per test process: `initdb` into a temporary
/// directory and `pg_ctl start` on a free loopback port (as the `postgres` user when the tests
/// run as root, since PostgreSQL refuses to run as root), stopped when the process exits. Every
/// test gets a database of its own. When the server cannot be started, every PostgreSQL test
/// fails with the reason: nothing is skipped.
final class PostgresTestServer: @unchecked Sendable {
    static let shared: Result<PostgresTestServer, Error> = Result { try PostgresTestServer() }

    let bin: String
    let dir: URL
    let port: Int
    let user = "titan"
    let lock = NSLock()
    var databases = 0

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Debian installs each major version's programs in /usr/lib/postgresql/VERSION/bin; the newest is used.
    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/pg_ctl") }
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        guard let v = versions.first else {
            throw Failure(description: "PostgreSQL is not installed: no \(root)/*/bin/pg_ctl (scripts/setup installs Debian's postgresql package)")
        }
        return "\(root)/\(v)/bin"
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Failure(description: "no free loopback port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// `command` as the server's owner: itself, or `postgres` through runuser when root.
    static func asOwner(_ command: [String]) -> (String, [String]) {
        getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--"] + command) : (command[0], Array(command.dropFirst()))
    }

    /// Runs a program with its output in files, by posix_spawn and waitpid: the server that
    /// `pg_ctl` starts outlives it and must hold no pipe or socket the tests wait on (so it gets
    /// no descriptor but 0, 1 and 2), and Foundation's
    /// Process did not see `runuser` exit here.
    static func spawn(_ executable: String, _ arguments: [String], in dir: URL) throws -> ProcessResult {
        let tag = UUID().uuidString.prefix(8)
        let out = dir.appendingPathComponent("out-\(tag).txt").path, err = dir.appendingPathComponent("err-\(tag).txt").path
        defer { unlink(out); unlink(err) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        SpawnActions.closeInheritedDescriptors(&actions)
        // In `dir`, through the shell, so that no directory of the caller's needs to be readable.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir.path, executable] + arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, &cargs, environ)
        guard rc == 0 else { throw Failure(description: "cannot run \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessResult(status: code, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    init() throws {
        bin = try Self.binDirectory()
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("titan-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if getuid() == 0 {
            guard let pw = getpwnam("postgres") else {
                throw Failure(description: "the tests run as root and there is no 'postgres' user to run PostgreSQL as (Debian's postgresql package creates it)")
            }
            guard chown(dir.path, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else { throw Failure(description: "cannot chown \(dir.path) to postgres") }
        }
        let data = dir.appendingPathComponent("data").path
        let logs = try temporaryDirectory()
        let (initExe, initArgs) = Self.asOwner(["\(bin)/initdb", "-D", data, "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        let initdb = try Self.spawn(initExe, initArgs, in: logs)
        guard initdb.status == 0 else { throw Failure(description: "initdb failed (exit \(initdb.status)): \(initdb.stderr.suffix(600))") }
        var lastError = ""
        for _ in 0..<3 {
            let port = try Self.freePort()
            let options = "-c listen_addresses=127.0.0.1 -p \(port) -k \(dir.path) -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
            let (exe, args) = Self.asOwner(["\(bin)/pg_ctl", "-D", data, "-l", dir.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o", options, "start"])
            let started = try Self.spawn(exe, args, in: logs)
            if started.status == 0 {
                self.port = port
                postgresTestServerStop = Self.asOwner(["\(bin)/pg_ctl", "-D", data, "-m", "immediate", "stop"])
                postgresTestServerDirectory = dir.path
                atexit {
                    if let (exe, args) = postgresTestServerStop {
                        _ = try? PostgresTestServer.spawn(exe, args, in: URL(fileURLWithPath: NSTemporaryDirectory()))
                    }
                    if let d = postgresTestServerDirectory { try? FileManager.default.removeItem(atPath: d) }
                }
                return
            }
            let log = (try? String(contentsOf: dir.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            lastError = "pg_ctl start failed (exit \(started.status)): \(started.stderr.suffix(300)) \(log.suffix(600))"
        }
        throw Failure(description: lastError)
    }

    /// The URL of a new, empty database.
    func createDatabase() throws -> String {
        let name: String = lock.withLock { databases += 1; return "t\(getpid())_\(databases)" }
        let r = try Self.spawn("\(bin)/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, name], in: FileManager.default.temporaryDirectory)
        guard r.status == 0 else { throw Failure(description: "createdb \(name) failed (exit \(r.status)): \(r.stderr)") }
        return url(name)
    }

    func url(_ database: String) -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Runs SQL on a database with psql, returning its unaligned output.
    func psql(_ database: String, _ sql: String) throws -> ProcessResult {
        try Self.spawn("\(bin)/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       in: FileManager.default.temporaryDirectory)
    }
}

nonisolated(unsafe) var postgresTestServerStop: (String, [String])?
nonisolated(unsafe) var postgresTestServerDirectory: String?
