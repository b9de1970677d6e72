import Foundation
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// The package root, found from this file's path.
package let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

package func specPath(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

package func loadModel(_ relative: String) throws -> (SpecFile, Model) {
    let files = try SpecLoader.load(paths: [specPath(relative)])
    return (files[0], files[0].models[0])
}

package func parseModel(_ text: String, path: String = "inline.tspec") throws -> Model {
    try SpecLoader.parse(text: text, path: path).models[0]
}

/// Proves the first model of a spec text and returns its results by property name.
package func verifiedByName(_ text: String, _ options: ProverOptions) throws -> [String: PropertyResult] {
    let results = Prover(model: try parseModel(text), specPath: "inline.tspec", options: options).verify()
    return Dictionary(uniqueKeysWithValues: results.map { ($0.property, $0) })
}

package struct ProcessResult {
    package var status: Int32
    package var stdout: String
    package var stderr: String
    package init(status: Int32, stdout: String, stderr: String) { self.status = status; self.stdout = stdout; self.stderr = stderr }
}

package struct ProcessTimedOut: Error, CustomStringConvertible {
    package var description: String
}

/// Tells when a `Process` has ended, with a bounded wait. Foundation learns that a child ended
/// when a socket the child holds closes; `waitUntilExit` waits for ever if something the child
/// started keeps that socket. Made before `run()`, since it sets the termination handler.
package final class ExitWatch: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var ended = false

    package init(_ process: Process) {
        process.terminationHandler = { [self] _ in semaphore.signal() }
    }

    /// True once the process has ended; false if `seconds` pass first.
    package func wait(seconds: Double) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if ended { return true }
        ended = semaphore.wait(timeout: .now() + seconds) == .success
        return ended
    }
}

/// Runs a program to completion, capturing its output (read concurrently so pipes never fill).
/// A program still running after `timeout` seconds is killed with everything it started, and the
/// test fails naming it: a hang is a failure with a name, not a CI run that never ends.
package func run(_ executable: String, _ arguments: [String], cwd: URL = packageRoot,
         environment: [String: String]? = nil, timeout: TimeInterval = 900) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.currentDirectoryURL = cwd
    if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let exit = ExitWatch(p)
    try p.run()
    final class Box: @unchecked Sendable { var data = Data() }
    let outBox = Box(), errBox = Box()
    let group = DispatchGroup()
    for (pipe, box) in [(out, outBox), (err, errBox)] {
        group.enter()
        DispatchQueue.global().async { box.data = pipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    }
    let start = Date()
    if group.wait(timeout: .now() + timeout) == .timedOut || !exit.wait(seconds: timeout - Date().timeIntervalSince(start)) {
        let pid = p.processIdentifier
        for child in TestWatchdog.descendantPIDs(of: pid) { kill(child, SIGKILL) }
        kill(pid, SIGKILL)
        let command = ([executable] + arguments).joined(separator: " ")
        throw ProcessTimedOut(description: "still running after \(Int(timeout)) s, killed: \(command)")
    }
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                         stderr: String(decoding: errBox.data, as: UTF8.self))
}

/// The `titan` executable built alongside the tests.
package var titanBinary: String {
    let candidates = [
        Bundle.main.bundleURL.appendingPathComponent("titan").path,
        packageRoot.appendingPathComponent(".build/debug/titan").path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
}

/// Finds a command on PATH.
package func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

package func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("titan-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `titan` with the given arguments.
package func titan(_ arguments: [String], cwd: URL = packageRoot, environment: [String: String]? = nil) throws -> ProcessResult {
    try run(titanBinary, arguments, cwd: cwd, environment: environment)
}

package func readJSON(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// Copies files of the repository into a directory, keeping their relative paths.
package func copy(_ relativePaths: [String], into dir: URL) throws {
    for path in relativePaths {
        let target = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(path), to: target)
    }
}

/// A model whose invariant is not inductive and fails only after 5 steps: unknown at depth 4.
/// Its source text holds `<` and `&&` so that escaping is exercised.
package let counterSpec = """
model Counter {
  state counter: uint256
  action inc() { require counter < 100 && counter != 200  counter = counter + 1 }
  invariant small: counter < 5 && counter <= 6
  rule inc_grows on inc(): !reverted ==> counter' == counter + 1
}

"""


/// A report's JSON with every timing removed: what must not depend on jobs, shards or caches.
package func withoutTimings(_ data: Data) throws -> String {
    func strip(_ v: Any) -> Any {
        if let d = v as? [String: Any] { return d.filter { $0.key != "seconds" && $0.key != "timing" }.mapValues(strip) }
        if let a = v as? [Any] { return a.map(strip) }
        return v
    }
    let object = strip(try JSONSerialization.jsonObject(with: data))
    return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

/// The Python of `.venv` (the chains' runtimes, schemathesis, pytest-lsp), set up by `scripts/setup --tests`.
package let venvPython = packageRoot.appendingPathComponent(".venv/bin/python3").path
package let venvPresent = FileManager.default.isExecutableFile(atPath: venvPython)
