internal import CZ3
import Foundation

/// Enforces query timeouts by interrupting Z3 from one watchdog thread, instead of Z3's own
/// `timeout` parameter. Z3's timer (a global pool of timer threads, 4.8.12 and 5.4.1 alike)
/// deadlocks or fails to fire when several contexts time out at once: eight threads solving
/// queries with 1-30 ms timeouts hung within seconds in a stress run, while the same run with
/// `Z3_interrupt` from a watchdog finished every time.
///
/// An expired check is interrupted again every few milliseconds until it returns, because an
/// interrupt that lands before Z3 has installed its handler for the check is lost.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is
/// locked, and Z3 contexts are raw C pointers the compiler cannot see into.
final class Deadlines: @unchecked Sendable {
    static let shared = Deadlines()

    private struct Entry {
        let context: Z3_context
        let deadline: DispatchTime
    }

    private let condition = NSCondition()
    private var entries: [Int: Entry] = [:]
    private var nextID = 0
    private var started = false

    /// Runs `body` (one `Z3_solver_check` on `context`) and interrupts it once `milliseconds`
    /// have passed. Returns the body's result and whether the deadline passed while it ran.
    func run<T>(context: Z3_context, milliseconds: Int, _ body: () -> T) -> (result: T, expired: Bool) {
        let start = DispatchTime.now()
        let deadline = start + .milliseconds(max(0, milliseconds))
        condition.lock()
        let id = nextID
        nextID += 1
        entries[id] = Entry(context: context, deadline: deadline)
        if !started {
            started = true
            let thread = Thread { [unowned self] in self.watch() }
            thread.name = "titan.z3-deadlines"
            thread.start()
        }
        condition.signal()
        condition.unlock()

        let result = body()

        // Removing the entry under the lock means no interrupt can reach the context after
        // this returns, so the caller may reuse or delete it.
        condition.lock()
        entries[id] = nil
        condition.unlock()
        return (result, DispatchTime.now() >= deadline)
    }

    private func watch() {
        condition.lock()
        while true {
            let now = DispatchTime.now()
            var earliest: DispatchTime?
            for entry in entries.values {
                if entry.deadline <= now {
                    Z3_interrupt(entry.context)
                } else if earliest == nil || entry.deadline < earliest! {
                    earliest = entry.deadline
                }
            }
            let expired = entries.values.contains { $0.deadline <= now }
            if expired {
                // Repeat the interrupt shortly, in case it arrived before the check could take it.
                _ = condition.wait(until: Date().addingTimeInterval(0.005))
            } else if let earliest {
                let seconds = Double(earliest.uptimeNanoseconds - now.uptimeNanoseconds) / 1e9
                _ = condition.wait(until: Date().addingTimeInterval(seconds))
            } else {
                condition.wait()
            }
        }
    }
}
