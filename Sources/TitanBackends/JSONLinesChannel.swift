import Foundation
import TitanProcess

/// A child process spoken to in JSON Lines, one request at a time: a JSON object a line on its
/// stdin, one JSON object a line back on its stdout. Used by `titan conform` targets, whose
/// requests are whole sequences (one round trip each), so no pipelining is needed here.
public final class JSONLinesChannel {
    public let command: String
    /// Seconds to wait for a reply, and for the first reply after start-up (loading a runtime,
    /// compiling a contract).
    public var timeout: Double
    public var startupTimeout: Double
    public var workingDirectory: String?
    private var process: ChildProcess?
    private var pending: [UInt8] = []
    private var nextId = 1
    private var stderrLog = StderrLog()

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// What the child wrote to stderr, its last 16 KiB.
        public var stderr: String
    }

    public init(command: String, workingDirectory: String? = nil, timeout: Double = 30, startupTimeout: Double = 120) {
        self.command = command; self.workingDirectory = workingDirectory
        self.timeout = timeout; self.startupTimeout = startupTimeout
        signal(SIGPIPE, SIG_IGN)   // a dead child must be an error, not the end of us
    }

    deinit { stop() }

    public var stderrText: String { stderrLog.text }

    /// Kills the child and its process group.
    public func stop() {
        guard let p = process else { return }
        p.terminate()
        stderrLog.waitForEOF(seconds: 0.5)
        process = nil
    }

    private func fail(_ message: String) -> Failure {
        let status = process?.exitDescription() ?? "not running"
        stop()
        return Failure(description: message.replacingOccurrences(of: "#status", with: status), stderr: stderrLog.text)
    }

    private func start() throws {
        do { process = try ChildProcess(execShellCommand: command, in: workingDirectory) } catch {
            throw Failure(description: "cannot start '\(command)': \(error)", stderr: "")
        }
        stderrLog = StderrLog()
        stderrLog.drain(process!.stderrFD)
        pending = []
    }

    /// Sends `object` (an `id` member is added) and returns the reply. A reply with an `error`
    /// member is returned as it is, for the caller to report.
    public func request(_ object: [String: Any]) throws -> [String: Any] {
        let firstReply = process == nil
        if process == nil { try start() }
        guard let child = process else { throw Failure(description: "the target is not running", stderr: "") }
        let id = nextId
        nextId += 1
        var body = object
        body["id"] = id
        var out = [UInt8](try JSONSerialization.data(withJSONObject: body, options: [.withoutEscapingSlashes]))
        out.append(10)
        let deadline = Date().addingTimeInterval(firstReply ? startupTimeout : timeout)
        var written = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let line = pending[..<nl]
                pending.removeFirst(nl + 1)
                guard let reply = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                    throw fail("the target printed something that is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
                }
                // An adapter that fails at start-up answers id 0 with its error, whatever was asked.
                if let e = reply["error"] as? String, (reply["id"] as? Int) == 0 { throw fail(e) }
                guard (reply["id"] as? Int) == id else {
                    throw fail("the target answered with id \(reply["id"].map { "\($0)" } ?? "none") where \(id) was expected")
                }
                return reply
            }
            var fds = [pollfd(fd: child.stdoutFD, events: Int16(POLLIN), revents: 0)]
            if written < out.count { fds.append(pollfd(fd: child.stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let n = poll(&fds, nfds_t(fds.count), Int32(max(0, deadline.timeIntervalSinceNow) * 1000))
            if n < 0 && errno == EINTR { continue }
            if n == 0 {
                throw fail("the target did not answer within \(Int(firstReply ? startupTimeout : timeout)) s (hung)")
            }
            if fds.count > 1 && fds[1].revents != 0 {
                let w = out[written...].withUnsafeBytes { Foundation.write(child.stdinFD, $0.baseAddress, $0.count) }
                if w > 0 { written += w } else if w < 0 && errno != EAGAIN {
                    throw fail("the target exited (#status) before answering")
                }
            }
            if fds[0].revents != 0 {
                let r = buffer.withUnsafeMutableBytes { Foundation.read(child.stdoutFD, $0.baseAddress, $0.count) }
                if r <= 0 { throw fail("the target exited (#status) before answering") }
                pending += buffer[0..<r]
            }
        }
    }
}
