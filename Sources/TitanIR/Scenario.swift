/// `scenario name { call(args) ... expect e ... }`: a concrete run from the initial state, the
/// spec's unit test. Each call must complete, or revert when marked `reverts`; each `expect`
/// must hold in the state reached so far.
public struct Scenario: Hashable, Sendable {
    public enum Step: Hashable, Sendable {
        /// Arguments in the action's parameter order (the caller and the time appended in models
        /// that use them), evaluated in the state before the call.
        case call(action: String, args: [Expr], reverts: Bool, location: SourceLocation)
        case expect(Expr, location: SourceLocation)
    }

    public var name: String
    public var steps: [Step]
    public var location: SourceLocation
    public var sourceText: String

    public init(name: String, steps: [Step], location: SourceLocation, sourceText: String) {
        self.name = name; self.steps = steps; self.location = location; self.sourceText = sourceText
    }
}
