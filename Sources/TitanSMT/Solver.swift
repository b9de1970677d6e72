import BigInt
internal import CZ3

/// What a solver said about a query.
public enum CheckResult {
    case sat(Z3Model)
    case unsat
    /// The solver could not decide: "timeout" when the query ran out of time, else Z3's own reason.
    case unknown(String)
}

public final class Solver {
    public let context: Z3Context
    let solver: Z3_solver
    public let timeoutMilliseconds: Int

    init(context: Z3Context, timeoutMilliseconds: Int) {
        self.context = context
        self.timeoutMilliseconds = timeoutMilliseconds
        let ctx = context.ctx
        solver = Z3_mk_solver(ctx)
        Z3_solver_inc_ref(ctx, solver)
        // No `timeout` parameter: `Deadlines` enforces it (Z3's own timer deadlocks under concurrency).
    }

    deinit { Z3_solver_dec_ref(context.ctx, solver) }

    /// What was asserted, in order, for the SMT-LIB2 text.
    var assertions: [Z3_ast?] = []
    /// How many of `assertions` Z3 already holds: a second `check()` (to read a model a cached
    /// answer lacks) must not assert them again.
    var handedOver = 0

    /// Recorded only: handing assertions to Z3 sets its solver up (milliseconds), which a query
    /// answered from a cache or a certificate never needs. `check()` hands them over.
    public func assert(_ t: Term) {
        assertions.append(t.ast)
    }

    /// The assertions as a standalone SMT-LIB2 script (declarations, asserts, `(check-sat)`)
    /// that both z3 and cvc5 accept. Printed from the assertions rather than by the solver,
    /// which would first set itself up (milliseconds per query) and add Z3-only commands.
    ///
    /// `assuming` are printed as assertions after the others: the text of a check under those
    /// assumptions (see `check(assuming:)`) is the standalone query it answers.
    public func smtlib2(logic: String, header: [String] = [], assuming: [Term] = []) -> String {
        let ctx = context.ctx
        let asserted = assertions + assuming.map { Optional($0.ast) }
        var all = asserted.isEmpty ? [Optional(Z3_mk_true(ctx))] : asserted
        let last = all.removeLast()
        let body = String(cString: Z3_benchmark_to_smtlib_string(ctx, "", logic, "unknown", "", UInt32(all.count), &all, last))
        // Z3 opens with a comment line holding the (empty) benchmark name.
        let script = Solver.renumberingLetNames(body.hasPrefix(";") ? String(body.drop { $0 != "\n" }.dropFirst()) : body)
        let comments = header.map { "; " + $0 }.joined(separator: "\n")
        return (comments.isEmpty ? "" : comments + "\n") + script + (script.hasSuffix("\n") ? "" : "\n")
    }

    /// Z3 names `let` bindings after internal term ids (`$x163`, `?x12`), which depend on what
    /// else the context made. Renaming them by first appearance makes the text, and so its hash,
    /// a function of the query alone.
    static func renumberingLetNames(_ text: String) -> String {
        var names: [Substring: String] = [:]
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if (c == "$" || c == "?"), next < text.endIndex, text[next] == "x" {
                var j = text.index(after: next)
                while j < text.endIndex, text[j].isASCII, text[j].isNumber { j = text.index(after: j) }
                if j > text.index(after: next) {
                    let token = text[i..<j]
                    if names[token] == nil { names[token] = "\(c)t\(names.count)" }
                    out += names[token]!
                    i = j
                    continue
                }
            }
            out.append(c)
            i = next
        }
        return out
    }

    /// The ids of the constants (0-ary applications) the assertions so far mention.
    public func constantsMentioned() -> Set<UInt32> {
        let ctx = context.ctx
        var seen = Set<UInt32>(), constants = Set<UInt32>()
        var stack = assertions.compactMap { $0 }
        while let a = stack.popLast() {
            guard seen.insert(Z3_get_ast_id(ctx, a)).inserted else { continue }
            switch Z3_get_ast_kind(ctx, a) {
            case Z3_APP_AST:
                guard let app = Z3_to_app(ctx, a) else { continue }
                let n = Z3_get_app_num_args(ctx, app)
                if n == 0 { constants.insert(Z3_get_ast_id(ctx, a)) }
                for i in 0..<n { if let arg = Z3_get_app_arg(ctx, app, i) { stack.append(arg) } }
            case Z3_QUANTIFIER_AST:
                if let body = Z3_get_quantifier_body(ctx, a) { stack.append(body) }
            default:
                break
            }
        }
        return constants
    }

    /// Whether the assertions, together with `assuming` (Boolean terms), can all hold. The
    /// assumptions hold for this check only, so one solver can answer a series of related
    /// questions and keep what it learned from the earlier ones (incremental solving).
    ///
    /// `anew` answers the same question with a solver of its own, holding the assertions and the
    /// assumptions as assertions: nothing is learned from or kept for other checks, but Z3 may
    /// simplify the whole query first, which it does not do once a solver is used incrementally.
    public func check(assuming: [Term] = [], anew: Bool = false) throws -> CheckResult {
        let ctx = context.ctx
        try context.check()
        if anew {
            let fresh = Z3_mk_solver(ctx)!
            Z3_solver_inc_ref(ctx, fresh)
            defer { Z3_solver_dec_ref(ctx, fresh) }
            for a in assertions { Z3_solver_assert(ctx, fresh, a) }
            for t in assuming { Z3_solver_assert(ctx, fresh, t.ast) }
            return try check(fresh, assuming: [])
        }
        for a in assertions[handedOver...] { Z3_solver_assert(ctx, solver, a) }
        handedOver = assertions.count
        return try check(solver, assuming: assuming)
    }

    private func check(_ solver: Z3_solver, assuming: [Term]) throws -> CheckResult {
        let ctx = context.ctx
        try context.check()
        var literals = assuming.map { Optional($0.ast) }
        let (r, expired) = Deadlines.shared.run(context: ctx, milliseconds: timeoutMilliseconds) {
            literals.isEmpty ? Z3_solver_check(ctx, solver) : Z3_solver_check_assumptions(ctx, solver, UInt32(literals.count), &literals)
        }
        try context.check()
        if r == Z3_L_TRUE {
            guard let m = Z3_solver_get_model(ctx, solver) else { return .unknown("no model") }
            return .sat(Z3Model(context: context, model: m))
        }
        if r == Z3_L_FALSE { return .unsat }
        if expired { return .unknown("timeout") }
        return .unknown(String(cString: Z3_solver_get_reason_unknown(ctx, solver)))
    }
}

/// A satisfying assignment; values come back as exact numbers.
public final class Z3Model {
    let context: Z3Context
    let model: Z3_model

    init(context: Z3Context, model: Z3_model) {
        self.context = context
        self.model = model
        Z3_model_inc_ref(context.ctx, model)
    }
    deinit { Z3_model_dec_ref(context.ctx, model) }

    func evaluate(_ t: Term) -> Z3_ast? {
        var out: Z3_ast?
        guard Z3_model_eval(context.ctx, model, t.ast, true, &out) else { return nil }
        return out
    }

    /// The value of a bit-vector (or non-negative integer) term as an exact unsigned number.
    public func number(_ t: Term) -> BigUInt? {
        integer(t).flatMap { $0.sign == .minus ? nil : $0.magnitude }
    }

    /// The value of an integer term, negative ones included.
    public func integer(_ t: Term) -> BigInt? {
        guard let v = evaluate(t), Z3_is_numeral_ast(context.ctx, v) else { return nil }
        return BigInt(String(cString: Z3_get_numeral_string(context.ctx, v)), radix: 10)
    }

    /// Every bool or numeric constant the model assigns, by name, as "true"/"false" or a decimal.
    public func scalarValues() -> [String: String] {
        let ctx = context.ctx
        var out: [String: String] = [:]
        for i in 0..<Z3_model_get_num_consts(ctx, model) {
            guard let decl = Z3_model_get_const_decl(ctx, model, i), let value = Z3_model_get_const_interp(ctx, model, decl) else { continue }
            let name = String(cString: Z3_get_symbol_string(ctx, Z3_get_decl_name(ctx, decl)))
            if Z3_is_numeral_ast(ctx, value) {
                out[name] = String(cString: Z3_get_numeral_string(ctx, value))
            } else {
                let b = Z3_get_bool_value(ctx, value)
                if b == Z3_L_TRUE { out[name] = "true" } else if b == Z3_L_FALSE { out[name] = "false" }
            }
        }
        return out
    }

    public func bool(_ t: Term) -> Bool? {
        guard let v = evaluate(t) else { return nil }
        let b = Z3_get_bool_value(context.ctx, v)
        if b == Z3_L_TRUE { return true }
        if b == Z3_L_FALSE { return false }
        return nil
    }
}
