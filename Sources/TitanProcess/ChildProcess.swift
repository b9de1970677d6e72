import Foundation

/// Process groups alive right now, so that an exit or a signal can kill them all.
let liveGroups = LiveGroups()

/// `@unchecked Sendable`: `groups` changes only under `lock`; the signal handler reads it without
/// the lock, since a handler may do no more than call kill(2).
final class LiveGroups: @unchecked Sendable {
    let lock = NSLock()
    var groups = Set<pid_t>()
    var handlersInstalled = false

    func add(_ pgid: pid_t) {
        lock.lock(); defer { lock.unlock() }
        groups.insert(pgid)
        if !handlersInstalled {
            handlersInstalled = true
            atexit { liveGroups.killAll() }
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                signal(sig) { s in
                    liveGroups.killAll()
                    _exit(128 + s)
                }
            }
        }
    }
    func remove(_ pgid: pid_t) { lock.lock(); groups.remove(pgid); lock.unlock() }
    /// Also called from a signal handler: no allocation, only kill(2).
    func killAll() { for g in groups { kill(-g, SIGKILL) } }
}

/// Titan's one way of starting a child process (posix_spawn): a backend, a helper solver, a
/// worker, the language server's verify command. Only the descriptors given are inherited (see
/// `SpawnActions`); stdin and stdout are pipes, stderr a pipe or this process's own.
///
/// A child in a group of its own (`Group.own`, the default) is killed with everything it started:
/// a command may fork (`a | b`, `sh -c '...'`, `make run`), and killing only the first process would
/// leave the rest holding the pipes. Such groups are also killed when titan exits or is
/// interrupted. A child in titan's group (`Group.inherited`) gets the terminal's Ctrl-C as titan
/// does, and titan's own interrupt handling stays in charge (`titan verify`'s workers).
public final class ChildProcess {
    public enum Group: Sendable {
        /// A process group of its own, killed whole; killed when titan exits or is interrupted.
        case own
        /// Titan's process group: the terminal's signals reach it as they reach titan.
        case inherited
    }

    public enum Errors: Sendable {
        /// A pipe of its own (`stderrFD`), which whoever starts the child drains (`StderrLog`).
        case pipe
        /// Titan's stderr.
        case inherited
        /// The same pipe as stdout.
        case toStdout
    }

    public let pid: pid_t
    let group: Group
    /// Our ends: the child's stdin (non-blocking; -1 when it reads /dev/null), its stdout, its
    /// stderr (-1 unless `Errors.pipe`).
    public private(set) var stdinFD: Int32
    public private(set) var stdoutFD: Int32
    public let stderrFD: Int32
    private(set) var status: Int32?

    struct SpawnError: Error, CustomStringConvertible { var description: String }

    /// `sh -c command`, in a group of its own, with stdin, stdout and stderr on pipes.
    public convenience init(shellCommand: String) throws {
        try self.init(["/bin/sh", "-c", shellCommand])
    }

    /// A backend's command line: the shell `cd`s to `directory` (when given) and then becomes
    /// `command` (`exec`), so the child is the command itself. A missing directory fails in the
    /// child, with the shell's message on stderr and its exit status, like any command that fails.
    public convenience init(execShellCommand command: String, in directory: String?) throws {
        let exec = "exec " + command
        try self.init(shellCommand: directory.map { "cd \(ShellQuote.quote($0)) && " + exec } ?? exec)
    }

    /// `arguments[0]` (a path) with the rest as its arguments. `environment` replaces this
    /// process's environment when given; `directory` is where the child starts.
    public init(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
                stdinIsNull: Bool = false, errors: Errors = .pipe, group: Group = .own) throws {
        func pipePair() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
            // Close-on-exec, so that only the ends dup2'ed onto 0, 1 and 2 reach the child.
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }
        let input: (read: Int32, write: Int32) = stdinIsNull ? (open("/dev/null", O_RDONLY | O_CLOEXEC), -1) : try pipePair()
        let output = try pipePair()
        let errorPipe: (read: Int32, write: Int32)? = errors == .pipe ? try pipePair() : nil

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        switch errors {
        case .pipe: posix_spawn_file_actions_adddup2(&actions, errorPipe!.write, 2)
        case .toStdout: posix_spawn_file_actions_adddup2(&actions, output.write, 2)
        case .inherited: break
        }
        SpawnActions.closeInheritedDescriptors(&actions)
        var argv = arguments
        if let directory, !SpawnActions.changeDirectory(&actions, directory) {
            // No posix_spawn_file_actions_addchdir_np: the shell changes directory, then runs it.
            argv = ["/bin/sh", "-c", "cd \(ShellQuote.quote(directory)) && exec \"$@\"", "sh"] + arguments
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // We ignore SIGPIPE; the child gets the default back (and, in a group of its own, the
        // default for the signals titan handles).
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults); sigaddset(&defaults, SIGPIPE)
        if group == .own {
            sigaddset(&defaults, SIGINT); sigaddset(&defaults, SIGTERM); sigaddset(&defaults, SIGHUP)
            posix_spawnattr_setpgroup(&attributes, 0)  // group id = the child's pid
        }
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16((group == .own ? POSIX_SPAWN_SETPGROUP : 0) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let cEnvironment: [UnsafeMutablePointer<CChar>?]? = environment.map { env in env.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { cEnvironment?.forEach { free($0) } }
        var child: pid_t = 0
        let rc = cEnvironment.map { env in posix_spawn(&child, argv[0], &actions, &attributes, cArguments, env) }
            ?? posix_spawn(&child, argv[0], &actions, &attributes, cArguments, environ)
        for fd in [input.read, output.write, errorPipe?.write ?? -1] where fd >= 0 { close(fd) }
        guard rc == 0 else {
            for fd in [input.write, output.read, errorPipe?.read ?? -1] where fd >= 0 { close(fd) }
            throw SpawnError(description: "\(argv[0]): \(String(cString: strerror(rc)))")
        }
        pid = child
        self.group = group
        if group == .own { liveGroups.add(child) }
        stdinFD = input.write
        stdoutFD = output.read
        stderrFD = errorPipe?.read ?? -1
        if stdinFD >= 0 { _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK) }
    }

    /// Tells the child there is no more input.
    public func closeStdin() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    /// Sends `signal` to the child (to its whole group when it has one of its own).
    public func send(_ signal: Int32) {
        kill(group == .own ? -pid : pid, signal)
    }

    /// Kills the child (and its group), closes our ends of stdin and stdout, and reaps it.
    /// The stderr end belongs to whoever drains it (see `StderrLog`).
    public func terminate() {
        // The group may outlive the shell (a pipeline's other stages), so it is killed even when
        // the child itself has already been reaped.
        if group == .own || status == nil { send(SIGKILL) }
        finish()
    }

    /// Waits for the child to end by itself, then closes our ends of its pipes; its wait status.
    @discardableResult
    public func finish() -> Int32 {
        let s = wait()
        if group == .own { liveGroups.remove(pid) }
        closeStdin()
        if stdoutFD >= 0 { close(stdoutFD); stdoutFD = -1 }
        return s
    }

    /// Waits for the child to end; its wait status.
    @discardableResult
    public func wait() -> Int32 {
        if let status { return status }
        var s: Int32 = 0
        while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
        status = s
        return s
    }

    /// The exit code of a child that ended by exiting; nil if it was killed by a signal or runs.
    public var exitCode: Int32? {
        guard let s = status, s & 0x7f == 0 else { return nil }
        return (s >> 8) & 0xff
    }

    /// How the child ended, waiting up to `seconds` for it to end: "status 3", "signal 11
    /// (SIGSEGV)", or "still running".
    public func exitDescription(waiting seconds: Double = 0.5) -> String {
        var s: Int32 = 0
        let deadline = Date().addingTimeInterval(seconds)
        while status == nil {
            let r = waitpid(pid, &s, WNOHANG)
            if r == pid { status = s; break }
            if r < 0 && errno != EINTR { break }
            if Date() >= deadline { return "still running" }
            usleep(5_000)
        }
        guard let s = status else { return "unknown" }
        let signalNumber = s & 0x7f
        if signalNumber == 0 { return "status \((s >> 8) & 0xff)" }
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGILL: "SIGILL",
                                      SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGTRAP: "SIGTRAP", SIGTERM: "SIGTERM"]
        return "signal \(signalNumber)" + (names[signalNumber].map { " (\($0))" } ?? "")
    }

    /// What a child run to its end left: its output, how it ended, and whether it was killed
    /// for running past its time.
    public struct Completed: Sendable {
        public var stdout: String
        public var stderr: String
        /// The exit code; nil when it was killed by a signal (`exit` says which).
        public var status: Int32?
        /// "status 3", "signal 11 (SIGSEGV)", or "did not finish within N s".
        public var exit: String
        public var timedOut: Bool
    }

    /// Runs a child to its end, reading its stdout (and stderr) as it goes so no pipe fills, and
    /// kills it (with its group) after `timeout` seconds.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
                           errors: Errors = .pipe, group: Group = .own, timeout: Double) throws -> Completed {
        let child = try ChildProcess(arguments, environment: environment, directory: directory, stdinIsNull: true, errors: errors, group: group)
        let log = StderrLog()
        if child.stderrFD >= 0 { log.drain(child.stderrFD) }
        var stdout = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while true {
            var fds = [pollfd(fd: child.stdoutFD, events: Int16(POLLIN), revents: 0)]
            let r = poll(&fds, 1, Int32(min(Double(Int32.max), max(0, deadline.timeIntervalSinceNow) * 1000)))
            if r < 0 && errno == EINTR { continue }
            if r == 0 { timedOut = true; break }
            let n = buffer.withUnsafeMutableBytes { Foundation.read(child.stdoutFD, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            stdout += buffer[0..<n]
        }
        let exit = timedOut ? "did not finish within \(timeout) s" : child.exitDescription(waiting: max(1, deadline.timeIntervalSinceNow))
        child.terminate()
        log.waitForEOF(seconds: 0.5)
        return Completed(stdout: String(decoding: stdout, as: UTF8.self), stderr: log.text,
                         status: timedOut ? nil : child.exitCode, exit: exit, timedOut: timedOut)
    }
}

/// POSIX shell quoting: one word, whatever the characters.
public enum ShellQuote {
    public static func quote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+=:,@".contains($0)) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
