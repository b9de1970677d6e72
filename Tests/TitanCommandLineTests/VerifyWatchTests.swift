import Foundation
import TitanTestSupport
import Testing

/// `titan verify --watch`: verifies once, then again on every save, only the models whose text
/// changed, with the changed verdicts first; Ctrl-C ends it with exit 0.
@Suite("titan verify --watch", .watched)
struct VerifyWatchTests {
    /// A child whose stdout is collected as it comes.
    final class Watched: @unchecked Sendable {
        let process = Process()
        private var exit: ExitWatch?
        private let lock = NSLock()
        private var text = ""

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: titanBinary)
            process.arguments = arguments
            process.currentDirectoryURL = packageRoot
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            out.fileHandleForReading.readabilityHandler = { [weak self] h in
                let data = h.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.lock(); self.text += String(decoding: data, as: UTF8.self); self.lock.unlock()
            }
            exit = ExitWatch(process)
            try process.run()
        }

        /// Waits for the child to end; kills it if it is still running after `seconds`.
        func exited(within seconds: Double) -> Bool {
            if exit?.wait(seconds: seconds) == true { return true }
            kill(process.processIdentifier, SIGKILL)
            return false
        }

        var output: String { lock.lock(); defer { lock.unlock() }; return text }

        /// Waits until the output after `offset` contains `needle`; the output from `offset` on.
        func wait(for needle: String, after offset: Int = 0, seconds: Double = 60) -> String? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                let all = output
                let tail = String(all.dropFirst(offset))
                if tail.contains(needle) { return tail }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return nil
        }
    }

    static let models = """
    model Steady {
      state x: uint8
      action bump() { require x < 10
        x = x + 1 }
      invariant bounded: x <= 10
    }
    model Edited {
      state y: uint8
      action bump() { require y < 5
        y = y + 1 }
      invariant bounded: y <= 5
    }
    """

    @Test("an edit re-verifies only its model, shows the changed verdict first, and Ctrl-C exits 0")
    func watch() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("watched.tspec")
        try Self.models.write(to: spec, atomically: true, encoding: .utf8)
        let w = try Watched(["verify", dir.path, "--watch", "--no-report", "--no-cache", "--simulate", "0"])
        defer { if w.process.isRunning { w.process.terminate() } }
        let first = try #require(w.wait(for: "2 proved"), "first round: \(w.output)")
        #expect(first.contains("2 model(s) verified, 0 unchanged"))
        let offset = w.output.count
        // The file's date must move on even on a coarse clock.
        Thread.sleep(forTimeInterval: 1.1)
        try Self.models.replacingOccurrences(of: "invariant bounded: y <= 5", with: "invariant bounded: y <= 1").write(to: spec, atomically: true, encoding: .utf8)
        let second = try #require(w.wait(for: "1 violated", after: offset), "after the edit: \(w.output)")
        #expect(second.contains("1 model(s) verified, 1 unchanged"))
        let changed = try #require(second.range(of: "Changed:"))
        #expect(second[changed.upperBound...].contains("Edited.bounded") && second.contains("was proved"))
        w.process.interrupt()
        let ended = w.exited(within: 60)
        #expect(ended, "Ctrl-C did not end titan verify --watch")
        if ended { #expect(w.process.terminationStatus == 0) }
    }
}
