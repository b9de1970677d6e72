import TitanBackends
import TitanDifferential
import TitanUInt256

/// A chain backend as a subject of the differential engine: its calls are the kernel
/// interface's (`titan.h` storage and ledger calls), mapped on the reference to the VSS and
/// Ledger models. This mapping is all that `titan fuzz` adds to the engine `titan conform` uses.
public final class BackendSubject: DifferentialSubject {
    public typealias Call = TitanCall
    public typealias Difference = RunOutcome

    public let backend: ChainBackend
    let runner: DifferentialRunner
    let expected: ExpectedResults
    public private(set) var work = 0
    var latest: (calls: [TitanCall], results: [OpResult])?

    /// `expected` is shared between the subjects of one campaign, so that one reference run
    /// serves every backend.
    init(backend: ChainBackend, runner: DifferentialRunner, expected: ExpectedResults) {
        self.backend = backend; self.runner = runner; self.expected = expected
    }

    public var name: String { backend.name }

    public func applicable(_ calls: [TitanCall]) -> [TitanCall] { backend.applicableCalls(calls) }

    public func firstDifference(_ calls: [TitanCall]) throws -> RunOutcome? {
        let results = expected.results(for: calls, runner)
        latest = (calls, results)
        let outcome = try runner.run(calls, on: backend, expected: results)
        work += outcome.index.map { $0 + 1 } ?? calls.count
        return outcome.verdict == .agree ? nil : outcome
    }

    public func knownDivergence(_ difference: RunOutcome, in calls: [TitanCall]) -> String? {
        if case .known(let name) = difference.verdict { return name }
        return nil
    }

    public func callIndex(of difference: RunOutcome) -> Int? { difference.index }

    /// Each call's kind with the reference's return code, and the boundary it was aimed at: a
    /// value's length class, a buffer shorter than, equal to or longer than the value, a
    /// transfer to oneself, an amount of zero.
    public func reachedOnLatestRun() -> [String] {
        // Every backend of a campaign runs the same reference: say it once per sequence.
        guard let (calls, results) = latest, expected.claimReached() else { return [] }
        return zip(calls, results).map { call, r in
            switch call {
            case .storageWrite(_, let v): return "write:\(r.ret):\(BackendSubject.lengthClass(v.count))"
            case .storageRead(_, let n):
                let fit = r.outLen.map { n < $0 ? "short" : n == $0 ? "exact" : "long" } ?? "-"
                return "read:\(r.ret):\(fit)"
            case .storageDelete: return "delete:\(r.ret)"
            case .mint(_, let a): return "mint:\(r.ret):\(a.isZero ? "zero" : "some")"
            case .transfer(let f, let t, let a): return "transfer:\(r.ret):\(f == t ? "self" : "other"):\(a.isZero ? "zero" : "some")"
            case .balance: return "balance:\(r.amount.map { $0.isZero ? "zero" : "some" } ?? "-")"
            case .totalSupply: return "supply:\(r.amount.map { $0.isZero ? "zero" : "some" } ?? "-")"
            case .reset: return "reset"
            }
        }
    }

    static func lengthClass(_ n: Int) -> String {
        switch n {
        case 0: return "0"
        case 1...31: return "<32"
        case 32: return "32"
        case 33...127: return "<128"
        case 128: return "128"
        default: return ">128"
        }
    }

    /// Simpler keys, renamed in every call at once so that reads still meet their writes; then
    /// smaller arguments, one call at a time (shorter byte strings, smaller amounts and buffers,
    /// the first addresses).
    public func simplifications(of calls: [TitanCall]) -> [Simplification<TitanCall>] {
        var out: [Simplification<TitanCall>] = []
        var keys: [[UInt8]] = []
        for k in calls.compactMap(\.storageKey) where !keys.contains(k) { keys.append(k) }
        for key in keys {
            out.append(.firstOf { calls in
                guard calls.contains(where: { $0.storageKey == key }) else { return [] }
                return KernelCallSimplifier.shorter(key).filter { k in !calls.contains { $0.storageKey == k } }
                    .map { k in calls.map { KernelCallSimplifier.renaming($0, key, to: k) } }
            })
        }
        for i in calls.indices {
            out.append(.firstOf { calls in
                KernelCallSimplifier.simpler(calls[i]).map { var c = calls; c[i] = $0; return c }
            })
        }
        return out
    }
}

/// The reference's results for the latest sequence, kept for the next backend.
final class ExpectedResults {
    var calls: [TitanCall] = []
    var results: [OpResult] = []
    var reachedClaimed = false

    func results(for calls: [TitanCall], _ runner: DifferentialRunner) -> [OpResult] {
        if calls != self.calls || results.count != calls.count {
            self.calls = calls
            results = runner.expected(calls)
            reachedClaimed = false
        }
        return results
    }

    /// True the first time it is asked for the current sequence.
    func claimReached() -> Bool {
        defer { reachedClaimed = true }
        return !reachedClaimed
    }
}
