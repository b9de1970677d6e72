import BigInt
internal import CZ3

/// A term read back from Z3 as a tree, so that callers above TitanSMT can translate it without
/// touching Z3's API: an application (by Z3's operator name, `+`, `<=`, `and`, `select`, or a
/// constant's name), a bound variable (by de Bruijn index), a number, or a boolean literal.
public indirect enum SMTExpr: Equatable, CustomStringConvertible {
    case app(String, [SMTExpr])
    case variable(Int)
    case number(BigInt)
    case bool(Bool)
    /// Something the reader does not take apart (a quantifier, a lambda).
    case opaque(String)

    public var description: String {
        switch self {
        case .app(let op, let args): return args.isEmpty ? op : "(\(op) \(args.map(\.description).joined(separator: " ")))"
        case .variable(let i): return "#\(i)"
        case .number(let n): return n.description
        case .bool(let b): return b ? "true" : "false"
        case .opaque(let s): return s
        }
    }

    /// The conjuncts of a conjunction, flattened; the term itself otherwise.
    public var conjuncts: [SMTExpr] {
        if case .app("and", let args) = self { return args.flatMap(\.conjuncts) }
        if case .bool(true) = self { return [] }
        return [self]
    }
}

/// A declared relation (an uninterpreted predicate) of a Horn query.
public struct Relation {
    let decl: Z3_func_decl
}

/// What a Horn query said.
public enum HornResult {
    /// The clauses are satisfiable: the relation's interpretation, over bound variables 0..<n
    /// in the order of its arguments, is an inductive invariant that excludes the bad states.
    case invariant(SMTExpr)
    /// Unsatisfiable: the bad states are reachable.
    case reachable
    case unknown(String)
}

extension Z3Context {
    public func relation(_ name: String, _ sorts: [SMTSort]) -> Relation {
        var domain = sorts.map { Optional($0.ast) }
        return Relation(decl: Z3_mk_func_decl(ctx, Z3_mk_string_symbol(ctx, name), UInt32(domain.count), &domain, boolSort().ast))
    }

    public func apply(_ r: Relation, _ args: [Term]) -> Term {
        var asts = args.map { Optional($0.ast) }
        return make(Z3_mk_app(ctx, r.decl, UInt32(asts.count), &asts))
    }

    /// `body` universally closed over the constants it mentions (other than relations' results).
    public func universallyClosed(_ body: Term) -> Term {
        var seen = Set<UInt32>(), constants: [Z3_app?] = []
        var stack = [body.ast]
        while let a = stack.popLast() {
            guard seen.insert(Z3_get_ast_id(ctx, a)).inserted else { continue }
            guard Z3_get_ast_kind(ctx, a) == Z3_APP_AST, let app = Z3_to_app(ctx, a) else { continue }
            let n = Z3_get_app_num_args(ctx, app)
            if n == 0, let decl = Z3_get_app_decl(ctx, app), Z3_get_decl_kind(ctx, decl) == Z3_OP_UNINTERPRETED {
                constants.append(app)
            }
            for i in 0..<n { if let arg = Z3_get_app_arg(ctx, app, i) { stack.append(arg) } }
        }
        guard !constants.isEmpty else { return body }
        return make(Z3_mk_forall_const(ctx, 0, UInt32(constants.count), &constants, 0, nil, body.ast))
    }

    /// Reads a term back as an `SMTExpr`.
    func read(_ a: Z3_ast) -> SMTExpr {
        switch Z3_get_ast_kind(ctx, a) {
        case Z3_NUMERAL_AST:
            return BigInt(String(cString: Z3_get_numeral_string(ctx, a)), radix: 10).map(SMTExpr.number) ?? .opaque(String(cString: Z3_ast_to_string(ctx, a)))
        case Z3_VAR_AST:
            return .variable(Int(Z3_get_index_value(ctx, a)))
        case Z3_APP_AST:
            guard let app = Z3_to_app(ctx, a), let decl = Z3_get_app_decl(ctx, app) else { break }
            switch Z3_get_decl_kind(ctx, decl) {
            case Z3_OP_TRUE: return .bool(true)
            case Z3_OP_FALSE: return .bool(false)
            default: break
            }
            let name = String(cString: Z3_get_symbol_string(ctx, Z3_get_decl_name(ctx, decl)))
            let args = (0..<Z3_get_app_num_args(ctx, app)).compactMap { Z3_get_app_arg(ctx, app, $0) }.map(read)
            return .app(name, args)
        default:
            break
        }
        return .opaque(String(cString: Z3_ast_to_string(ctx, a)))
    }
}

/// Constrained Horn clauses solved by Z3's Spacer engine (IC3/PDR): rules are asserted
/// universally closed; the answer is an invariant for a relation, or that the query is reachable.
public final class HornSolver {
    public let context: Z3Context
    let solver: Z3_solver
    public let timeoutMilliseconds: Int

    public init(context: Z3Context, timeoutMilliseconds: Int) {
        self.context = context
        self.timeoutMilliseconds = timeoutMilliseconds
        let ctx = context.ctx
        solver = Z3_mk_solver_for_logic(ctx, Z3_mk_string_symbol(ctx, "HORN"))
        Z3_solver_inc_ref(ctx, solver)
    }

    deinit { Z3_solver_dec_ref(context.ctx, solver) }

    /// Adds the clause `body => head`, closed over its constants.
    public func rule(_ body: Term, implies head: Term) {
        Z3_solver_assert(context.ctx, solver, context.universallyClosed(context.implies(body, head)).ast)
    }

    /// Solves the clauses; on success, reads `relation`'s interpretation.
    public func solve(for relation: Relation) throws -> HornResult {
        let ctx = context.ctx
        try context.check()
        let (r, expired) = Deadlines.shared.run(context: ctx, milliseconds: timeoutMilliseconds) {
            Z3_solver_check(ctx, solver)
        }
        try context.check()
        if r == Z3_L_FALSE { return .reachable }
        guard r == Z3_L_TRUE else {
            return .unknown(expired ? "timeout" : String(cString: Z3_solver_get_reason_unknown(ctx, solver)))
        }
        guard let m = Z3_solver_get_model(ctx, solver) else { return .unknown("no model") }
        Z3_model_inc_ref(ctx, m)
        defer { Z3_model_dec_ref(ctx, m) }
        if let interp = Z3_model_get_func_interp(ctx, m, relation.decl) {
            Z3_func_interp_inc_ref(ctx, interp)
            defer { Z3_func_interp_dec_ref(ctx, interp) }
            guard Z3_func_interp_get_num_entries(ctx, interp) == 0, let e = Z3_func_interp_get_else(ctx, interp) else {
                return .unknown("the invariant is a table of points")
            }
            return .invariant(context.read(e))
        }
        // A relation of no arguments is a constant.
        if let v = Z3_model_get_const_interp(ctx, m, relation.decl) { return .invariant(context.read(v)) }
        return .invariant(.bool(true))
    }
}
