import TitanIR

/// Expands view calls. A view's checked expression mentions only its parameters (as names)
/// and the state, so substituting the arguments for the names cannot capture anything.
///
/// A view has no arithmetic mode of its own: its operators take the mode of the place of use
/// (checked in a checked action, wrapping inside `unchecked` and in properties), as if its
/// expression had been written there.
enum ViewExpansion {
    static func substitute(_ e: Expr, _ args: [String: Expr], primed: Bool, arithmetic: Arithmetic) -> Expr {
        func go(_ e: Expr) -> Expr {
            switch e {
            case .name(let n, _): return args[n] ?? e
            case .state(let n, let s): return primed ? .post(n, s) : e
            case .sum(let n, let k, let post): return .sum(n, key: k.map(go), post: post || primed)
            case .bool, .number, .post, .reverted: return e
            case .unary(let op, let a): return .unary(op, go(a))
            case .binary(let op, let a, let b, let arith):
                return .binary(op, go(a), go(b), arithmetic: op.isArithmetic ? arithmetic : arith)
            case .select(let m, let k): return .select(go(m), go(k))
            case .ite(let c, let t, let f): return .ite(go(c), go(t), go(f))
            case .widen(let a, let w): return .widen(go(a), to: w)
            case .narrow(let a, let w, _): return .narrow(go(a), to: w, arithmetic: arithmetic)
            case .convert(let a, let s, _): return .convert(go(a), to: s, arithmetic: arithmetic)
            case .length(let a): return .length(go(a))
            case .toInt(let a, let w): return .toInt(go(a), width: w)
            case .sqrt(let a): return .sqrt(go(a))
            }
        }
        return go(e)
    }
}
