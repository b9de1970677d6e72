import TitanIR

/// Expands view calls. A view's checked expression mentions only its parameters (as names)
/// and the state, so substituting the arguments for the names cannot capture anything.
enum ViewExpansion {
    static func substitute(_ e: Expr, _ args: [String: Expr], primed: Bool) -> Expr {
        func go(_ e: Expr) -> Expr {
            switch e {
            case .name(let n, _): return args[n] ?? e
            case .state(let n, let s): return primed ? .post(n, s) : e
            case .sum(let n, let k, let post): return .sum(n, key: k.map(go), post: post || primed)
            case .bool, .number, .post, .reverted: return e
            case .unary(let op, let a): return .unary(op, go(a))
            case .binary(let op, let a, let b, let arith): return .binary(op, go(a), go(b), arithmetic: arith)
            case .select(let m, let k): return .select(go(m), go(k))
            case .ite(let c, let t, let f): return .ite(go(c), go(t), go(f))
            case .widen(let a, let w): return .widen(go(a), to: w)
            case .length(let a): return .length(go(a))
            }
        }
        return go(e)
    }
}
