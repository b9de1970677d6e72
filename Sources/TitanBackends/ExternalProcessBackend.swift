import Foundation
import TitanProcess
import TitanUInt256

/// Any implementation of the titan.h subset, run as a child process speaking the JSON Lines
/// protocol. Requests of a sequence are pipelined (replies must come in order), so throughput
/// is bounded by the pipe and the child, not by waiting for each round trip.
public final class ExternalProcessBackend: ChainBackend {
    public let command: String
    /// Seconds to wait for each reply before declaring the backend hung.
    public let timeout: Double
    /// Seconds a freshly started backend may take to answer its first request: an interpreter
    /// importing its modules on a loaded machine is slow to start, not hung.
    public let startupTimeout: Double
    public let name: String
    public let summary: String
    /// Whether the backend takes ledger calls: false when the creator says so (a library
    /// without the ledger entry points) or when the backend's first reply says
    /// `"supports":"storage"` (see `negotiate()`).
    public var supportsLedger: Bool { declaredLedger && (advertised?.ledger ?? true) }
    /// Whether the backend takes storage calls: false when its first reply says `"supports":"ledger"`.
    public var supportsStorage: Bool { advertised?.storage ?? true }
    let declaredLedger: Bool
    /// What the backend's first reply said it supports (nil: nothing said, or not started yet).
    public private(set) var advertised: (storage: Bool, ledger: Bool)?
    public let knownDivergences: [KnownDivergence]
    /// Members added to a request beyond the protocol's (a runtime adapter's own inputs, e.g.
    /// `bitcoin-script`'s witnesses), given the call and the calls before it since the last
    /// reset: a string of `,"name":value` pairs, or nil for none. It must depend on nothing
    /// else, so that a sequence runs the same way every time.
    public var requestFields: (@Sendable (TitanCall, ArraySlice<TitanCall>) -> String?)?
    /// What a report says about a call beyond the call itself (`ChainBackend.note`).
    public var callNote: (@Sendable (TitanCall, ArraySlice<TitanCall>) -> String?)?
    public func note(for op: TitanCall, earlier: ArraySlice<TitanCall>) -> String? { callNote?(op, earlier) }

    /// Where the command runs (default: the current directory).
    public var workingDirectory: String?
    public private(set) var process: ChildProcess?
    /// The process group of the most recent child (its pid), kept after it is stopped.
    public private(set) var lastGroup: pid_t = 0
    var pending: [UInt8] = []
    var nextId = 1
    /// Whether the next reply is the first since the process started.
    var awaitingFirstReply = false
    var stderrLog = StderrLog()

    public init(command: String, timeout: Double = 5, startupTimeout: Double = 30, name: String? = nil,
                summary: String? = nil, supportsLedger: Bool = true, knownDivergences: [KnownDivergence] = []) {
        self.command = command
        self.timeout = timeout
        self.startupTimeout = startupTimeout
        self.name = name ?? "cmd"
        self.summary = summary ?? "external process: \(command)"
        self.declaredLedger = supportsLedger
        self.knownDivergences = knownDivergences
        signal(SIGPIPE, SIG_IGN)   // a dead child must be an error, not the end of us
    }

    deinit { stop() }

    /// Starts the backend and sends it a `reset`, so that what its first reply says it
    /// supports is known before any sequence is chosen for it (`applicableCalls`).
    public func negotiate() throws {
        if process == nil { try start() }
        _ = try perform(.reset)
    }

    /// What the child has written to stderr so far (the last 16 KiB).
    public var stderrText: String { stderrLog.text }

    func start() throws {
        let child: ChildProcess
        do { child = try ChildProcess(execShellCommand: command, in: workingDirectory) } catch {
            throw BackendFailure("cannot start backend '\(command)': \(error)")
        }
        process = child
        lastGroup = child.pid
        // A fresh log per child: a grandchild that escaped the group may still hold the old pipe.
        stderrLog = StderrLog()
        stderrLog.drain(child.stderrFD)
        pending = []
        awaitingFirstReply = true
    }

    /// Kills the child and everything it started (its process group), and reaps it.
    public func stop() {
        guard let p = process else { return }
        p.terminate()
        // Take what the child wrote to stderr; the group is dead, so EOF comes at once unless
        // something left the group.
        stderrLog.waitForEOF(seconds: 0.5)
        process = nil
    }

    func failure(_ message: String, sent: [TitanCall]) -> BackendFailure {
        stop()
        var m = message
        if !sent.isEmpty {
            m += "\nsequence so far:\n" + sent.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        }
        return BackendFailure(m, stderr: stderrLog.text)
    }

    /// Sends `ops` and returns their replies, in order.
    func exchange(_ ops: [TitanCall]) throws -> [OpResult] {
        if process == nil { try start() }
        guard let child = process else { return [] }
        let stdinFD = child.stdinFD, stdoutFD = child.stdoutFD
        let firstId = nextId
        var out = [UInt8]()
        var sinceReset = 0
        for (i, op) in ops.enumerated() {
            ExternalProtocol.appendRequest(id: nextId, op, to: &out)
            if op == .reset { sinceReset = i + 1 }
            if let fields = requestFields?(op, ops[sinceReset..<max(sinceReset, i)]) {
                out.removeLast()   // the request's closing brace
                out.append(contentsOf: fields.utf8)
                out.append(125)
            }
            out.append(10)
            nextId += 1
        }
        var written = 0
        var results: [OpResult] = []
        results.reserveCapacity(ops.count)
        var deadline = Date().addingTimeInterval(awaitingFirstReply ? startupTimeout : timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while results.count < ops.count {
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)]
            if written < out.count { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let wait = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            let n = poll(&fds, nfds_t(fds.count), wait)
            if n < 0 && errno == EINTR { continue }
            if n == 0 {
                let sent = Array(ops.prefix(results.count + 1))
                if awaitingFirstReply {
                    throw failure("backend did not answer its first request within \(startupTimeout) s of starting (hung at start-up; see --backend-startup-timeout)", sent: sent)
                }
                throw failure("backend did not answer request id \(firstId + results.count) within \(timeout) s (hung)", sent: sent)
            }
            if fds.count > 1 && fds[1].revents != 0 {
                let w = out[written...].withUnsafeBytes { Foundation.write(stdinFD, $0.baseAddress, $0.count) }
                if w > 0 { written += w } else if w < 0 && errno != EAGAIN {
                    throw failure("backend closed its stdin (\(exitStatus()))", sent: Array(ops.prefix(results.count + 1)))
                }
            }
            if fds[0].revents != 0 {
                let r = buffer.withUnsafeMutableBytes { Foundation.read(stdoutFD, $0.baseAddress, $0.count) }
                if r <= 0 {
                    throw failure("backend exited (\(exitStatus())) before answering request id \(firstId + results.count)",
                                  sent: Array(ops.prefix(results.count + 1)))
                }
                pending += buffer[0..<r]
                // Lines are read where they lie; the consumed prefix is dropped once per read.
                var lineStart = pending.startIndex
                defer { pending.removeFirst(min(lineStart, pending.count)) }
                while let nl = pending[lineStart...].firstIndex(of: 10) {
                    let line = pending[lineStart..<nl]
                    lineStart = nl + 1
                    let i = results.count
                    guard i < ops.count else { break }
                    let expectedId = firstId + i
                    func sentSoFar() -> [TitanCall] { Array(ops.prefix(i + 1)) }
                    guard let obj = ExternalProtocol.replyObject(line) else {
                        throw failure("backend printed something that is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))", sent: sentSoFar())
                    }
                    guard let id = ExternalProtocol.integer(obj["id"]), id == expectedId else {
                        throw failure("backend answered with id \(obj["id"].map { "\($0)" } ?? "none") where \(expectedId) was expected", sent: sentSoFar())
                    }
                    do {
                        if awaitingFirstReply, let c = try ExternalProtocol.capabilities(from: obj) { advertised = c }
                        results.append(try ExternalProtocol.result(from: obj, for: ops[i]))
                    } catch {
                        throw failure("malformed reply to request id \(expectedId): \(error)", sent: sentSoFar())
                    }
                    awaitingFirstReply = false
                    deadline = Date().addingTimeInterval(timeout)
                }
            }
        }
        return results
    }

    func exitStatus() -> String { process?.exitDescription() ?? "unknown" }

    public func perform(_ op: TitanCall) throws -> OpResult { try exchange([op])[0] }

    public func performAll(_ ops: [TitanCall]) throws -> [OpResult] {
        Array(try exchange([.reset] + ops).dropFirst())
    }

    public func reset() throws { _ = try perform(.reset) }
    public func storageWrite(key: [UInt8], value: [UInt8]) throws -> Int { try perform(.storageWrite(key: key, value: value)).ret }
    public func storageRead(key: [UInt8], bufLen: Int) throws -> StorageReadResult {
        let r = try perform(.storageRead(key: key, bufLen: bufLen))
        switch r.ret {
        case 0: return .ok(value: r.value ?? [])
        case -1: return .absent
        case -2: return .tooSmall(needed: r.outLen ?? 0)
        default: return .failed(code: r.ret)
        }
    }
    public func storageDelete(key: [UInt8]) throws -> Int { try perform(.storageDelete(key: key)).ret }
    public func mint(to: Address, amount: UInt256) throws -> Int { try perform(.mint(to: to, amount: amount)).ret }
    public func transfer(from: Address, to: Address, amount: UInt256) throws -> Int { try perform(.transfer(from: from, to: to, amount: amount)).ret }
    public func balance(of addr: Address) throws -> UInt256 { try perform(.balance(addr)).amount ?? .zero }
    public func totalSupply() throws -> UInt256 { try perform(.totalSupply).amount ?? .zero }
}

