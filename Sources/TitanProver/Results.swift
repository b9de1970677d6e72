import TitanIR

public enum Status: String, Codable, Sendable {
    case proved, violated, unknown
    /// The tool failed (a counterexample did not replay, the solver raised an error).
    case error
    /// True only because nothing can happen: the rule's action can never complete, its premise
    /// can never hold, or a `require` can never pass. Fails the CI gate like `violated`.
    case vacuous
}

/// A state from which one action breaks an invariant although every assumed invariant holds
/// there. It shows what the induction is missing; it is *not shown reachable* from the
/// initial state (a reachable one would be a counterexample).
public struct CounterexampleToInduction: Codable, Sendable, Hashable {
    /// Always "not shown reachable".
    public var label: String
    /// The pre-state: every variable (maps at the keys the query touched).
    public var preState: [NamedValue]
    public var action: String
    public var args: [NamedValue]
    /// Variables the action changed: before and after.
    public var changes: [Change]
    /// The invariant that breaks, and the values of its parameters.
    public var invariant: String
    public var invariantParams: [NamedValue]
    /// The invariants assumed in the pre-state.
    public var assumed: [String]
    public init(preState: [NamedValue], action: String, args: [NamedValue], changes: [Change], invariant: String,
                invariantParams: [NamedValue], assumed: [String]) {
        self.label = "not shown reachable"
        self.preState = preState; self.action = action; self.args = args; self.changes = changes
        self.invariant = invariant; self.invariantParams = invariantParams; self.assumed = assumed
    }
}

/// One step of a replayed counterexample, rendered for people and machines.
public struct TraceStep: Codable, Sendable, Hashable {
    public var action: String
    /// Argument name to rendered value, in parameter order.
    public var args: [NamedValue]
    /// State variables whose value this step changed: name, before, after.
    public var changes: [Change]
    /// The property's value after this step (for rules: on the last step, the rule itself).
    public var propertyHolds: Bool
    /// What the action returned, for an action that returns a value and completed.
    public var returned: String?
}

public struct NamedValue: Codable, Sendable, Hashable {
    public var name: String
    public var value: String
}

public struct Change: Codable, Sendable, Hashable {
    public var variable: String
    public var before: String
    public var after: String
}

public struct Counterexample: Codable, Sendable, Hashable {
    /// The initial state, every variable rendered.
    public var initialState: [NamedValue]
    /// Whether the property holds in the initial state (false: the base case fails).
    public var holdsInitially: Bool
    public var steps: [TraceStep]
    /// For rules: the rule's own parameters.
    public var ruleParams: [NamedValue]
    /// For rules: whether the last action reverted.
    public var lastReverted: Bool?
    /// Always true in a report: a trace the interpreter could not replay is an error, not a counterexample.
    public var replayed: Bool
}

/// One solver query discharged for a property.
public struct QueryRecord: Codable, Sendable, Hashable {
    /// The solver time of some queries, added up.
    static func seconds(_ records: [QueryRecord]) -> Double { records.reduce(0) { $0 + $1.seconds } }

    public var name: String
    /// "unsat", "sat" or "unknown: reason".
    public var verdict: String
    public var seconds: Double
    /// Where the SMT-LIB2 text was written, when asked for.
    public var file: String?
    /// SHA-256 (hex) of the exact SMT-LIB2 text of the query (without the comment header of an
    /// emitted file): what a proof certificate names. Absent in reports of older versions.
    public var sha256: String?
    /// True when the verdict was taken from a fresh proof certificate instead of the solver.
    public var fromCertificate: Bool?
    /// True when the verdict came from the proof cache (`--cache-dir`); a cached counterexample
    /// is still replayed by the interpreter before it is reported.
    public var fromCache: Bool?
    /// What a second solver said about the same text (`--cross-check`): "unsat", "sat", "unknown", ...
    public var crossCheck: String?
}

/// Whether a proved property's certificate was still valid (`--check-proofs`).
public struct CertificateCheck: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable {
        /// The certificate matched: spec hash, tool and solver versions, and every query hash.
        case fresh
        /// Solved again, because its model had a stale or missing certificate.
        case reproved
    }
    public var state: State
    /// Why it was re-proved (absent when fresh).
    public var reason: String?
    public init(state: State, reason: String? = nil) { self.state = state; self.reason = reason }
}

/// The outcome of re-running a property's queries in a second solver (`--cross-check`).
public struct CrossCheck: Codable, Sendable, Hashable {
    public enum Outcome: String, Codable, Sendable {
        /// The second solver gave the same sat/unsat verdict on every query.
        case agreed
        /// On some query one solver said sat and the other unsat.
        case disagreed
        /// The second solver could not decide some query (unknown, timeout, failure): not an agreement.
        case unconfirmed
    }
    /// The second solver and its version, e.g. "cvc5 1.0.3".
    public var solver: String
    public var outcome: Outcome
    public var detail: String?
    public init(solver: String, outcome: Outcome, detail: String? = nil) {
        self.solver = solver; self.outcome = outcome; self.detail = detail
    }
}

public struct PropertyResult: Codable, Sendable {
    public var spec: String
    public var model: String
    public var property: String
    public var kind: String
    public var line: Int
    public var column: Int
    public var source: String
    public var status: Status
    /// How the status was established: "induction", "bmc depth 2", "rule", ...
    public var method: String
    public var reason: String?
    public var counterexample: Counterexample?
    /// For an invariant that is not inductive and has no reachable violation: the step that breaks it.
    public var counterexampleToInduction: CounterexampleToInduction?
    public var solver: String
    public var seconds: Double
    public var queries: [QueryRecord]
    /// Set by `--check-proofs`: whether the property's certificate was fresh or it was re-proved.
    public var certificate: CertificateCheck?
    /// Set by `--cross-check`.
    public var crossCheck: CrossCheck?
    /// The property is marked `expect violated`: refuted, it passes the gate; proved, it fails it.
    public var expectViolated: Bool?
    /// The proved lemmas this property's queries assumed (`using`).
    public var lemmasUsed: [String]?
    /// With `titan verify --suggest`: helper invariants, as lines to paste into the model, that
    /// make this unknown invariant inductive (checked by induction with them added).
    public var suggestedHelpers: [String]?

    /// Whether this result fails the CI gate as a refutation: violated or vacuous when that was
    /// not expected, or proved (or vacuous) when a violation was.
    public var failsAsRefutation: Bool {
        if expectViolated == true { return status == .proved || status == .vacuous }
        return status == .violated || status == .vacuous
    }

    /// Identifies a property across runs and shards.
    public var key: String { "\(spec)\u{1F}\(model)\u{1F}\(property)" }
}
