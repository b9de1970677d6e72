import Foundation
import TitanTestSupport
import Testing
import TitanRegistry

/// The `tpm` executable built alongside the tests.
var tpmBinary: String {
    let candidates = [
        Bundle.main.bundleURL.appendingPathComponent("tpm").path,
        packageRoot.appendingPathComponent(".build/debug/tpm").path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
}

/// A scratch directory with its own registry store (a SQLite file, or a new PostgreSQL
/// database: `store` is then its URL), publisher key and packages.
struct RegistrySandbox {
    let dir: URL
    let kind: StoreKind
    let store: String
    var key: String { dir.appendingPathComponent("publisher.key").path }

    init(_ kind: StoreKind = .sqlite) throws {
        dir = try temporaryDirectory()
        self.kind = kind
        store = try kind.newStore(in: dir)
        let r = try tpm(["keygen", "--output", key])
        guard r.status == 0 else { throw RegistryError.invalidArgument("keygen failed: \(r.stderr)") }
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }

    /// Runs `tpm` with the sandbox's store as the default registry.
    func tpm(_ arguments: [String], cwd: URL? = nil) throws -> ProcessResult {
        try run(tpmBinary, arguments, cwd: cwd ?? dir, environment: ["TITAN_REGISTRY": store, "HOME": dir.path])
    }

    /// A package directory made with `tpm init`, `tpm pack` and `tpm sign`: the given specs go
    /// under `specs/`, every property is claimed. Returns the signed bundle's path.
    @discardableResult
    func package(_ name: String, version: String = "0.1.0", specs: [String: String], dependencies: String = "",
                 key: String? = nil) throws -> String {
        let pkg = dir.appendingPathComponent("\(name)-\(version)")
        try FileManager.default.createDirectory(at: pkg.appendingPathComponent("specs"), withIntermediateDirectories: true)
        for (file, text) in specs { try text.write(to: pkg.appendingPathComponent("specs/\(file)"), atomically: true, encoding: .utf8) }
        try expectOK(tpm(["init", pkg.path, "--name", name]))
        let manifest = pkg.appendingPathComponent(Manifest.fileName)
        var text = try String(contentsOf: manifest, encoding: .utf8)
        text = text.replacingOccurrences(of: "version = \"0.1.0\"", with: "version = \"\(version)\"")
        text = text.replacingOccurrences(of: "[dependencies]\n", with: "[dependencies]\n\(dependencies)\n")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        try expectOK(tpm(["pack", pkg.path]))
        let bundle = pkg.appendingPathComponent("\(name)-\(version).titanpkg").path
        try expectOK(tpm(["sign", bundle, "--key", key ?? self.key]))
        return bundle
    }

    func counts() async throws -> [String: Int] { try await openStore(store).counts() }
}

func expectOK(_ r: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(r.status == 0, "exit \(r.status): \(r.stdout)\(r.stderr)", sourceLocation: sourceLocation)
    if r.status != 0 { throw RegistryError.invalidArgument("command failed") }
}

func specText(_ relative: String) throws -> String {
    try String(contentsOf: packageRoot.appendingPathComponent(relative), encoding: .utf8)
}

/// A lemma Z3 cannot settle quickly (cubes that wrap modulo 2^64): re-checking it runs until
/// the timeout, which makes a publish slow enough to be killed midway, or unknown.
let slowSpec = """
model Hard {
  state x: uint64
  action set(v: uint64) { x = v }
  lemma cubes(a: uint64, b: uint64, c: uint64): a == 0 || b == 0 || a * a * a + b * b * b != c * c * c
}

"""

/// A child process left running, with its output collected into files.
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    let stdoutURL: URL, stderrURL: URL
    private let exit: ExitWatch

    init(_ executable: String, _ arguments: [String], environment: [String: String], in dir: URL) throws {
        let tag = UUID().uuidString.prefix(8)
        stdoutURL = dir.appendingPathComponent("out-\(tag).txt")
        stderrURL = dir.appendingPathComponent("err-\(tag).txt")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        exit = ExitWatch(process)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Polls until `condition` holds or `seconds` pass.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// Its exit status; a process still running after ten minutes is killed and gives -1.
    func finish() -> Int32 {
        guard exit.wait(seconds: 600) else { kill(); return -1 }
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        _ = exit.wait(seconds: 30)
    }
}
