import Foundation

/// Process groups alive right now, so that an exit or a signal can kill them all.
let liveGroups = LiveGroups()

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

/// A child started with `/bin/sh -c` in a process group of its own, with its stdin, stdout and
/// stderr on pipes. A command may fork (`a | b`, `sh -c '...'`, `make run`): killing only the
/// shell would leave the rest holding the pipes, so `terminate` kills the whole group.
public final class ChildProcess {
    public let pid: pid_t
    /// Our ends: the child's stdin (non-blocking), its stdout, its stderr.
    private(set) var stdinFD: Int32
    private(set) var stdoutFD: Int32
    let stderrFD: Int32
    private(set) var status: Int32?

    struct SpawnError: Error, CustomStringConvertible { var description: String }

    init(shellCommand: String) throws {
        func pipePair() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
            // Close-on-exec, so that only the ends dup2'ed onto 0, 1 and 2 reach the child.
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }
        let input = try pipePair(), output = try pipePair(), errors = try pipePair()

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        SpawnActions.closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Group id = the child's pid. We ignore SIGPIPE; the child gets the default back.
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults); sigaddset(&defaults, SIGPIPE); sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM); sigaddset(&defaults, SIGHUP)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(shellCommand), nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
        for fd in [input.read, output.write, errors.write] { close(fd) }
        guard rc == 0 else {
            for fd in [input.write, output.read, errors.read] { close(fd) }
            throw SpawnError(description: String(cString: strerror(rc)))
        }
        pid = child
        liveGroups.add(child)
        stdinFD = input.write
        stdoutFD = output.read
        stderrFD = errors.read
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
    }

    /// Tells the child there is no more input.
    func closeStdin() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    /// Kills the whole process group, closes our ends of stdin and stdout, and reaps the child.
    /// The stderr end belongs to whoever drains it (see `StderrLog`).
    func terminate() {
        // The group may outlive the shell (a pipeline's other stages), so it is killed even when
        // the child itself has already been reaped.
        kill(-pid, SIGKILL)
        if status == nil {
            var s: Int32 = 0
            while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
            status = s
        }
        liveGroups.remove(pid)
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
        if stdoutFD >= 0 { close(stdoutFD); stdoutFD = -1 }
    }

    /// How the child ended, waiting up to `seconds` for it to end: "status 3", "signal 11
    /// (SIGSEGV)", or "still running".
    func exitDescription(waiting seconds: Double = 0.5) -> String {
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
}

/// POSIX shell quoting: one word, whatever the characters.
public enum ShellQuote {
    public static func quote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+=:,@".contains($0)) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
