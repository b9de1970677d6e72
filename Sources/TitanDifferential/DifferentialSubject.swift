import BigInt

/// How one sequence went on one implementation, compared with the reference.
public enum Verdict: Hashable, Sendable, CustomStringConvertible {
    /// Every step gave the reference's result.
    case agree
    /// The first difference is one of the implementation's documented known divergences.
    case known(String)
    /// The first difference is not explained: a bug in the implementation (or the reference).
    case divergence

    public var description: String {
        switch self {
        case .agree: return "agree"
        case .known(let n): return "known:\(n)"
        case .divergence: return "divergence"
        }
    }

    public init?(_ s: String) {
        if s == "agree" { self = .agree } else if s == "divergence" { self = .divergence }
        else if s.hasPrefix("known:") { self = .known(String(s.dropFirst(6))) } else { return nil }
    }
}

/// One implementation compared with the reference, through a mapping of calls: a chain backend
/// through the kernel interface (`titan fuzz`), or a contract through its model's mapping
/// (`titan conform`). The engine generates, compares, shrinks and keeps the corpus; a subject
/// only runs a sequence on both sides and says how its calls simplify.
public protocol DifferentialSubject: AnyObject {
    associatedtype Call
    associatedtype Difference

    /// For reports: the backend's or target's name.
    var name: String { get }
    /// The calls of `calls` this implementation can take (a storage-only backend drops ledger calls).
    func applicable(_ calls: [Call]) -> [Call]
    /// Runs `calls` on the reference and on the implementation, each from its initial state:
    /// the first difference, or nil when every step agrees.
    func firstDifference(_ calls: [Call]) throws -> Difference?
    /// The documented divergence `difference` is an instance of, if any.
    func knownDivergence(_ difference: Difference, in calls: [Call]) -> String?
    /// The index of the call where `difference` shows (calls after it are cut before shrinking).
    func callIndex(of difference: Difference) -> Int?
    /// What the reference reached on the latest `firstDifference`: action outcomes, abstract
    /// states. A sequence that reaches something new is kept in the corpus.
    func reachedOnLatestRun() -> [String]
    /// Ways to make a sequence simpler while keeping its length, simplest first.
    func simplifications(of calls: [Call]) -> [Simplification<Call>]
    /// Calls, or operations, made on the implementation so far (for speed figures).
    var work: Int { get }
}

extension DifferentialSubject {
    public func applicable(_ calls: [Call]) -> [Call] { calls }
    public func reachedOnLatestRun() -> [String] { [] }
}

/// One way to simplify a sequence while shrinking. Each reads the sequence as it is when it is
/// tried, since earlier simplifications may have changed it.
public enum Simplification<Call> {
    /// Candidates, simplest first: the first that keeps the verdict is taken.
    case firstOf(([Call]) -> [[Call]])
    /// A number in the sequence made as small as it can be, by bisection: `read` gives its
    /// current value and `write` the sequence with another value (assumed to keep the verdict
    /// for every value above the smallest that does).
    case smallest(read: ([Call]) -> BigUInt?, write: ([Call], BigUInt) -> [Call])
}
