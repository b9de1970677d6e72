/// A place an action can assign: a state variable, optionally indexed into nested maps.
public struct LValue: Hashable, Sendable {
    public var root: String
    public var rootSort: Sort
    public var indices: [Expr]
    public init(root: String, rootSort: Sort, indices: [Expr]) {
        self.root = root; self.rootSort = rootSort; self.indices = indices
    }
}

public indirect enum Stmt: Hashable, Sendable {
    /// Reverts the action when the condition is false.
    case require(Expr, SourceLocation)
    case assign(LValue, Expr)
    /// A local binding, visible to the statements after it in the same block.
    case bind(String, Expr)
    /// Assigns a `var` local bound earlier (by `bind`) a new value.
    case set(String, Expr)
    case ifElse(Expr, [Stmt], [Stmt])
}
