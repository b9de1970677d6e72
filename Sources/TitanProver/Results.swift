import TitanIR

public enum Status: String, Codable, Sendable {
    case proved, violated, unknown
    /// The tool failed (a counterexample did not replay, the solver raised an error).
    case error
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
    public var name: String
    /// "unsat", "sat" or "unknown: reason".
    public var verdict: String
    public var seconds: Double
    /// Where the SMT-LIB2 text was written, when asked for.
    public var file: String?
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
    public var solver: String
    public var seconds: Double
    public var queries: [QueryRecord]
}
