import BigInt
internal import CZ3

/// A Z3 error turned into a Swift error, instead of Z3's default handler that exits the process.
public struct Z3Error: Error, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var description: String { "z3 error \(code): \(message)" }
}

/// A term of some context. Valid while its context lives; the context keeps every term it made
/// (a non-reference-counted Z3 context), so terms need no bookkeeping of their own. Opaque outside
/// TitanSMT: two terms are equal when Z3 hash-consed them into the same node.
public struct Term: Hashable {
    let ast: Z3_ast
}

/// A sort of some context, as opaque as `Term`.
public struct SMTSort {
    let ast: Z3_sort
}

/// One Z3 context. Not thread-safe: confine each context to one task.
public final class Z3Context {
    let ctx: Z3_context

    public init() {
        let cfg = Z3_mk_config()!
        Z3_set_param_value(cfg, "model", "true")
        ctx = Z3_mk_context(cfg)
        Z3_del_config(cfg)
        Z3_set_error_handler(ctx, nil)
    }

    deinit { Z3_del_context(ctx) }

    /// The first error raised while building terms; thrown by the next `check()`.
    var pendingError: Z3Error?

    /// Wraps a freshly made term. Z3 returns null (and sets an error) on an ill-sorted
    /// application; keep going with `true` so callers never trap, and report the error at
    /// the next check, which turns the query into an error rather than an answer.
    func make(_ ast: Z3_ast?) -> Term {
        if let ast { return Term(ast: ast) }
        if pendingError == nil {
            let code = Z3_get_error_code(ctx)
            pendingError = Z3Error(code: Int(code.rawValue), message: String(cString: Z3_get_error_msg(ctx, code)))
            Z3_set_error(ctx, Z3_OK)
        }
        return Term(ast: Z3_mk_true(ctx))
    }

    /// Z3's version, e.g. "4.8.12".
    public static var version: String {
        var major: UInt32 = 0, minor: UInt32 = 0, build: UInt32 = 0, rev: UInt32 = 0
        Z3_get_version(&major, &minor, &build, &rev)
        return "\(major).\(minor).\(build)"
    }

    /// Throws the pending error, if the last calls raised one.
    public func check() throws {
        if let e = pendingError {
            pendingError = nil
            throw e
        }
        let code = Z3_get_error_code(ctx)
        if code != Z3_OK {
            let msg = String(cString: Z3_get_error_msg(ctx, code))
            Z3_set_error(ctx, Z3_OK)
            throw Z3Error(code: Int(code.rawValue), message: msg)
        }
    }

    // MARK: Sorts

    public func boolSort() -> SMTSort { SMTSort(ast: Z3_mk_bool_sort(ctx)) }
    public func bitVectorSort(_ width: Int) -> SMTSort { SMTSort(ast: Z3_mk_bv_sort(ctx, UInt32(width))) }
    public func arraySort(_ key: SMTSort, _ value: SMTSort) -> SMTSort { SMTSort(ast: Z3_mk_array_sort(ctx, key.ast, value.ast)) }
    public func intSort() -> SMTSort { SMTSort(ast: Z3_mk_int_sort(ctx)) }

    // MARK: Terms

    public func constant(_ name: String, _ sort: SMTSort) -> Term {
        make(Z3_mk_const(ctx, Z3_mk_string_symbol(ctx, name), sort.ast))
    }
    public func bool(_ b: Bool) -> Term { make(b ? Z3_mk_true(ctx) : Z3_mk_false(ctx)) }
    public func bitVector(_ n: BigUInt, width: Int) -> Term {
        make(Z3_mk_numeral(ctx, n.description, bitVectorSort(width).ast))
    }
    public func integer(_ n: Int) -> Term { make(Z3_mk_numeral(ctx, String(n), intSort().ast)) }
    public func integer(_ n: BigUInt) -> Term { make(Z3_mk_numeral(ctx, n.description, intSort().ast)) }
    public func integer(_ n: BigInt) -> Term { make(Z3_mk_numeral(ctx, n.description, intSort().ast)) }
    public func constArray(key: SMTSort, value: Term) -> Term { make(Z3_mk_const_array(ctx, key.ast, value.ast)) }

    public func not(_ a: Term) -> Term { make(Z3_mk_not(ctx, a.ast)) }
    public func and(_ xs: [Term]) -> Term {
        if xs.isEmpty { return bool(true) }
        if xs.count == 1 { return xs[0] }
        var asts = xs.map { Optional($0.ast) }
        return make(Z3_mk_and(ctx, UInt32(asts.count), &asts))
    }
    public func or(_ xs: [Term]) -> Term {
        if xs.isEmpty { return bool(false) }
        if xs.count == 1 { return xs[0] }
        var asts = xs.map { Optional($0.ast) }
        return make(Z3_mk_or(ctx, UInt32(asts.count), &asts))
    }
    public func implies(_ a: Term, _ b: Term) -> Term { make(Z3_mk_implies(ctx, a.ast, b.ast)) }
    public func ite(_ c: Term, _ t: Term, _ e: Term) -> Term { make(Z3_mk_ite(ctx, c.ast, t.ast, e.ast)) }
    public func eq(_ a: Term, _ b: Term) -> Term { make(Z3_mk_eq(ctx, a.ast, b.ast)) }
    public func distinct(_ xs: [Term]) -> Term {
        var asts = xs.map { Optional($0.ast) }
        return make(Z3_mk_distinct(ctx, UInt32(asts.count), &asts))
    }

    public func bvult(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvult(ctx, a.ast, b.ast)) }
    public func bvule(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvule(ctx, a.ast, b.ast)) }
    public func bvadd(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvadd(ctx, a.ast, b.ast)) }
    public func bvsub(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvsub(ctx, a.ast, b.ast)) }
    public func bvmul(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvmul(ctx, a.ast, b.ast)) }
    public func bvudiv(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvudiv(ctx, a.ast, b.ast)) }
    public func bvurem(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvurem(ctx, a.ast, b.ast)) }
    public func bvslt(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvslt(ctx, a.ast, b.ast)) }
    public func bvsle(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvsle(ctx, a.ast, b.ast)) }
    /// Signed division, truncating toward zero; the remainder has the dividend's sign.
    public func bvsdiv(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvsdiv(ctx, a.ast, b.ast)) }
    public func bvsrem(_ a: Term, _ b: Term) -> Term { make(Z3_mk_bvsrem(ctx, a.ast, b.ast)) }
    public func signExtend(_ a: Term, by bits: Int) -> Term {
        bits == 0 ? a : make(Z3_mk_sign_ext(ctx, UInt32(bits), a.ast))
    }
    /// The low `bits` bits of a bit-vector.
    public func lowBits(_ a: Term, _ bits: Int) -> Term { make(Z3_mk_extract(ctx, UInt32(bits - 1), 0, a.ast)) }
    public func zeroExtend(_ a: Term, by bits: Int) -> Term {
        bits == 0 ? a : make(Z3_mk_zero_ext(ctx, UInt32(bits), a.ast))
    }
    // Integer arithmetic (unbounded; callers add the bounds they mean).
    public func add(_ a: Term, _ b: Term) -> Term {
        var asts = [Optional(a.ast), Optional(b.ast)]
        return make(Z3_mk_add(ctx, 2, &asts))
    }
    public func sub(_ a: Term, _ b: Term) -> Term {
        var asts = [Optional(a.ast), Optional(b.ast)]
        return make(Z3_mk_sub(ctx, 2, &asts))
    }
    public func mul(_ a: Term, _ b: Term) -> Term {
        var asts = [Optional(a.ast), Optional(b.ast)]
        return make(Z3_mk_mul(ctx, 2, &asts))
    }
    public func div(_ a: Term, _ b: Term) -> Term { make(Z3_mk_div(ctx, a.ast, b.ast)) }
    public func mod(_ a: Term, _ b: Term) -> Term { make(Z3_mk_mod(ctx, a.ast, b.ast)) }
    public func lt(_ a: Term, _ b: Term) -> Term { make(Z3_mk_lt(ctx, a.ast, b.ast)) }
    public func le(_ a: Term, _ b: Term) -> Term { make(Z3_mk_le(ctx, a.ast, b.ast)) }

    public func select(_ m: Term, _ k: Term) -> Term { make(Z3_mk_select(ctx, m.ast, k.ast)) }
    public func store(_ m: Term, _ k: Term, _ v: Term) -> Term { make(Z3_mk_store(ctx, m.ast, k.ast, v.ast)) }

    /// The term's id, unique among the live terms of this context.
    public func id(_ t: Term) -> UInt32 { Z3_get_ast_id(ctx, t.ast) }

    public func isTrue(_ t: Term) -> Bool { Z3_get_bool_value(ctx, t.ast) == Z3_L_TRUE }
    public func isFalse(_ t: Term) -> Bool { Z3_get_bool_value(ctx, t.ast) == Z3_L_FALSE }

    public func text(_ t: Term) -> String { String(cString: Z3_ast_to_string(ctx, t.ast)) }

    /// The name of a constant (an application of a 0-ary declaration); "" for anything else.
    public func constantName(_ t: Term) -> String {
        guard Z3_is_app(ctx, t.ast), let app = Z3_to_app(ctx, t.ast), let decl = Z3_get_app_decl(ctx, app) else { return "" }
        return String(cString: Z3_get_symbol_string(ctx, Z3_get_decl_name(ctx, decl)))
    }

    public func makeSolver(timeoutMilliseconds: Int) -> Solver { Solver(context: self, timeoutMilliseconds: timeoutMilliseconds) }
}
