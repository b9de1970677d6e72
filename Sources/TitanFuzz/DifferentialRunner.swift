import TitanBackends
import TitanDifferential

/// How one sequence went on one backend: the engine's verdict.
public typealias Verdict = TitanDifferential.Verdict

/// The result of running one sequence: the verdict, and where the first difference was.
public struct RunOutcome: Sendable {
    public var verdict: Verdict
    /// The first differing step (an index into the sequence), nil when all agree.
    public var index: Int?
    public var observation: Observation?
}

/// Runs sequences on the reference and a backend and compares every step. After the first
/// difference the two states are no longer comparable, so the run stops there.
public struct DifferentialRunner {
    public let reference: ReferenceModel
    public init(reference: ReferenceModel) { self.reference = reference }

    /// The reference's result for every step of `ops`, from a reset.
    public func expected(_ ops: [TitanCall]) -> [OpResult] {
        reference.reset()
        return ops.map(reference.perform)
    }

    public func run(_ ops: [TitanCall], on backend: ChainBackend) throws -> RunOutcome {
        try run(ops, on: backend, expected: expected(ops))
    }

    /// `run` against the reference's results worked out beforehand (`expected(ops)`), so that
    /// one reference run serves every backend.
    public func run(_ ops: [TitanCall], on backend: ChainBackend, expected: [OpResult]) throws -> RunOutcome {
        let results = try backend.performAll(ops)
        guard let i = ops.indices.first(where: { expected[$0] != results[$0] }) else {
            return RunOutcome(verdict: .agree, index: nil, observation: nil)
        }
        // What the reference held just before the differing step, which the known-divergence
        // rules look at: replayed only here, off the path of agreeing steps.
        reference.reset()
        for op in ops[..<i] { _ = reference.perform(op) }
        let o = Observation(op: ops[i], reference: expected[i], backend: results[i], history: Array(ops[..<i]),
                            storedBefore: ops[i].storageKey.flatMap { reference.stored($0) }, supplyBefore: reference.totalSupply)
        if let k = backend.knownDivergences.first(where: { $0.matches(o) }) {
            return RunOutcome(verdict: .known(k.name), index: i, observation: o)
        }
        return RunOutcome(verdict: .divergence, index: i, observation: o)
    }
}
