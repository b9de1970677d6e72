import Foundation

/// Spawned children get only the descriptors they are given on 0, 1 and 2.
///
/// Anything else open in this process at the moment of a spawn (a pipe another thread is setting
/// up, the socket Foundation's `Process` watches to learn that its child ended) would otherwise
/// live on in the child. A long-lived child holding such a descriptor makes a reader wait for an
/// end of file that never comes, or a `Process` that never ends: a hang that depends on timing.
public enum SpawnActions {
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, looked up at run time because the
    /// Glibc module does not declare GNU extensions.
    nonisolated(unsafe) private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc 2.29's `posix_spawn_file_actions_addchdir_np`, looked up as `closeFrom` is.
    nonisolated(unsafe) private static let addChdir: ChangeDirectory? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: ChangeDirectory.self)
    }()

    /// Adds a change of the child's working directory; false when the C library cannot.
    public static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
        guard let addChdir else { return false }
        return directory.withCString { addChdir(&actions, $0) } == 0
    }

    /// Adds, after the actions already there, the closing of every descriptor from 3 on.
    public static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let closeFrom, closeFrom(&actions, 3) == 0 { return }
        // Older C libraries: close what is open now.
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for fd in open where fd >= 3 && fcntl(fd, F_GETFD) >= 0 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }
}
