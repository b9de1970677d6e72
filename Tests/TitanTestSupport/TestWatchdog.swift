import Foundation
import Testing

/// A suite trait that keeps a register of the tests running now. If the whole run goes on far
/// longer than it should (`TITAN_TEST_WATCHDOG_SECONDS`, 1800 by default), the watchdog names the
/// tests still running, the processes they started, and then ends the run with a failure: a hang
/// on CI must say where it is instead of using up CI's time limit in silence.
package struct WatchdogRegistration: SuiteTrait, TestTrait, TestScoping {
    // A recursive suite trait is copied onto each test, so it must be a test trait too.
    package var isRecursive: Bool { true }

    package func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let location = "\(test.sourceLocation.fileID):\(test.sourceLocation.line)"
        let token = TestWatchdog.shared.begin("\(test.displayName ?? test.name) (\(location))")
        defer { TestWatchdog.shared.end(token) }
        try await function()
    }
}

extension Trait where Self == WatchdogRegistration {
    /// Registers every test of the suite with the run's watchdog.
    package static var watched: Self { WatchdogRegistration() }
}

package final class TestWatchdog: @unchecked Sendable {
    package static let shared = TestWatchdog()

    private let lock = NSLock()
    private var running: [Int: (name: String, since: Date)] = [:]
    private var nextToken = 0
    private let started = Date()
    private let limit: TimeInterval

    private init() {
        limit = ProcessInfo.processInfo.environment["TITAN_TEST_WATCHDOG_SECONDS"].flatMap(TimeInterval.init) ?? 1800
        let thread = Thread { [self] in watch() }
        thread.name = "test watchdog"
        thread.start()
    }

    func begin(_ name: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        nextToken += 1
        running[nextToken] = (name, Date())
        return nextToken
    }

    func end(_ token: Int) {
        lock.lock(); defer { lock.unlock() }
        running[token] = nil
    }

    private func watch() {
        while Date().timeIntervalSince(started) < limit { Thread.sleep(forTimeInterval: 5) }
        lock.lock()
        let now = Date()
        let names = running.values.sorted { $0.since < $1.since }
            .map { "  \($0.name), running for \(Int(now.timeIntervalSince($0.since))) s" }
        lock.unlock()
        var report = "\ntest watchdog: the run has gone on for \(Int(limit)) s (TITAN_TEST_WATCHDOG_SECONDS); still running:\n"
        report += names.isEmpty ? "  (no registered test)\n" : names.joined(separator: "\n") + "\n"
        report += "processes started by the test run:\n" + Self.descendants(of: getpid()) + "\n"
        fflush(stdout)
        FileHandle.standardError.write(Data(report.utf8))
        for pid in Self.descendantPIDs(of: getpid()) { kill(pid, SIGKILL) }
        _exit(3)
    }

    /// Every process below `root`, read from /proc, as an indented tree of command lines.
    package static func descendants(of root: pid_t) -> String {
        let children = childMap()
        var lines: [String] = []
        func visit(_ pid: pid_t, _ depth: Int) {
            for child in children[pid, default: []].sorted() {
                let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/cmdline"))) ?? Data()
                let command = String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
                lines.append(String(repeating: "  ", count: depth + 1) + "\(child): \(command.prefix(300))")
                visit(child, depth + 1)
            }
        }
        visit(root, 0)
        return lines.isEmpty ? "  (none)" : lines.joined(separator: "\n")
    }

    package static func descendantPIDs(of root: pid_t) -> [pid_t] {
        let children = childMap()
        var out: [pid_t] = [], stack = [root]
        while let pid = stack.popLast() {
            for child in children[pid, default: []] { out.append(child); stack.append(child) }
        }
        return out
    }

    private static func childMap() -> [pid_t: [pid_t]] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // The fields after the command's closing parenthesis: state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
        }
        return children
    }
}
