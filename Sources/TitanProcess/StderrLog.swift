import Foundation

/// Collects a child's stderr on a background thread, keeping the last 16 KiB.
/// `@unchecked Sendable`: `data` and `running` are read and written only under `lock`.
public final class StderrLog: @unchecked Sendable {
    private let lock = NSLock()
    private var data = [UInt8]()
    private let done = DispatchSemaphore(value: 0)
    private var running = false

    public init() {}

    public func drain(_ fd: Int32) {
        lock.lock(); data = []; running = true; lock.unlock()
        Thread.detachNewThread { [self] in
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.lock()
                data += buf[0..<n]
                if data.count > 16384 { data.removeFirst(data.count - 16384) }
                lock.unlock()
            }
            // Closed here, not by the backend: closing it under a blocked read could let the
            // number be reused and read from.
            close(fd)
            lock.lock(); running = false; lock.unlock()
            done.signal()
        }
    }

    public func waitForEOF(seconds: Double) {
        lock.lock(); let r = running; lock.unlock()
        if r { _ = done.wait(timeout: .now() + seconds) }
    }

    public var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
