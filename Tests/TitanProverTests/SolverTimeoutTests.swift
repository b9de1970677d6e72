import Foundation
import TitanTestSupport
import Testing
@testable import TitanSMT

/// Z3's own timer deadlocks when several contexts time out at once; the solver layer enforces
/// timeouts itself. These queries (x³ + y³ + z³ = 33 over the integers) run until stopped.
@Suite("Solver timeouts", .watched)
struct SolverTimeoutTests {
    static func hardQuery(timeoutMilliseconds: Int) -> CheckResult? {
        let z3 = Z3Context()
        let x = z3.constant("x", z3.intSort()), y = z3.constant("y", z3.intSort()), z = z3.constant("z", z3.intSort())
        func cube(_ t: Term) -> Term { z3.mul(z3.mul(t, t), t) }
        let solver = z3.makeSolver(timeoutMilliseconds: timeoutMilliseconds)
        solver.assert(z3.eq(z3.add(z3.add(cube(x), cube(y)), cube(z)), z3.integer(33)))
        return try? solver.check()
    }

    @Test("many concurrent queries with millisecond timeouts all end as unknown \"timeout\"")
    func concurrentTimeoutsAllReturn() throws {
        let threads = 8, perThread = 40
        let done = DispatchSemaphore(value: 0)
        final class Reasons: @unchecked Sendable { let lock = NSLock(); var all: [String] = [] }
        let collected = Reasons()
        for t in 0..<threads {
            Thread {
                for i in 0..<perThread {
                    let r = SolverTimeoutTests.hardQuery(timeoutMilliseconds: 1 + (t * 7 + i * 3) % 30)
                    let reason: String
                    if case .unknown(let why)? = r { reason = why } else { reason = "decided" }
                    collected.lock.lock(); collected.all.append(reason); collected.lock.unlock()
                }
                done.signal()
            }.start()
        }
        var finished = 0
        for _ in 0..<threads where done.wait(timeout: .now() + 120) == .success { finished += 1 }
        #expect(finished == threads, "solver threads still running after 120 s: a timeout did not fire")
        collected.lock.lock(); defer { collected.lock.unlock() }
        let reasons = collected.all
        #expect(reasons.count == threads * perThread)
        #expect(reasons.allSatisfy { $0 == "timeout" }, "\(Set(reasons))")
    }

    @Test("a context whose check timed out decides its next query")
    func contextReusableAfterTimeout() throws {
        let z3 = Z3Context()
        let x = z3.constant("x", z3.intSort()), y = z3.constant("y", z3.intSort()), z = z3.constant("z", z3.intSort())
        func cube(_ t: Term) -> Term { z3.mul(z3.mul(t, t), t) }
        let hard = z3.makeSolver(timeoutMilliseconds: 20)
        hard.assert(z3.eq(z3.add(z3.add(cube(x), cube(y)), cube(z)), z3.integer(33)))
        guard case .unknown("timeout") = try hard.check() else { Issue.record("expected a timeout"); return }
        Thread.sleep(forTimeInterval: 0.05)
        let easy = z3.makeSolver(timeoutMilliseconds: 5000)
        easy.assert(z3.eq(x, z3.integer(3)))
        easy.assert(z3.lt(y, x))
        guard case .sat = try easy.check() else { Issue.record("expected sat"); return }
        let none = z3.makeSolver(timeoutMilliseconds: 5000)
        none.assert(z3.lt(x, x))
        guard case .unsat = try none.check() else { Issue.record("expected unsat"); return }
    }
}
