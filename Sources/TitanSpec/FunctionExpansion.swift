import TitanIR

/// Internal functions (`function name(params) [: type] { ... [return e] }`) are expanded where
/// they are called: the arguments are bound to the parameters, then the body runs in the
/// caller's place. There is no call in the IR, so both readers of the semantics see the
/// expanded statements and nothing else.
///
/// Each expansion names its locals apart (`Scope.prefix`), so a function's parameters and lets
/// never capture or shadow the caller's. A function body sees the state, its parameters and
/// the caller and time of the action it runs in; its arithmetic is the model's, whether or not
/// it is called inside `unchecked`, as in Solidity.
extension TypeChecker {
    /// Checks a function once where it is declared, so an error in it is reported once; the
    /// expansions at its calls are checked again, quietly.
    mutating func checkFunctionDeclaration(_ f: FunctionSyntax) {
        let (_, locals) = checkParams(f.params)
        var scope = functionScope(prefix: "\(f.name.name)#0.")
        scope.locals.merge(locals) { a, _ in a }
        let returns = f.returns.map { ($0, returnSort($0)) }
        expanding.append(f.name.name)
        _ = checkBody(f.body, returns: returns, of: "function '\(f.name.name)'", at: f.name.location, scope: &scope)
        expanding.removeLast()
    }

    /// The sort a function or action returns: a scalar, since a map cannot be passed around.
    mutating func returnSort(_ type: TypeSyntax) -> Sort? {
        guard let sort = sort(of: type) else { return nil }
        guard !sort.isMap else {
            report("cannot return a map; return a value read from it instead", at: type.location)
            return nil
        }
        return sort
    }

    private func functionScope(prefix: String) -> Scope {
        var scope = Scope(context: .action, arithmetic: modelArithmetic, locals: [:])
        scope.prefix = prefix
        // A function may read msg.value wherever it is called: an action that is not payable
        // has required it to be 0.
        scope.payable = true
        for p in environmentParams { scope.locals[p.name] = .some(p.sort) }
        return scope
    }

    /// A function or action body: its statements and, when it declares a return type, the
    /// value of its final `return` (checked in the body's scope, after the statements).
    mutating func checkBody(_ body: [StmtSyntax], returns: (TypeSyntax, Sort?)?, of owner: String, at location: SourceLocation,
                            scope: inout Scope) -> ([Stmt], Expr?) {
        var statements = body
        var final: (ExprSyntax, SourceLocation)?
        if case .return(let e, let keyword)? = statements.last {
            final = (e, keyword)
            statements.removeLast()
        }
        var checked = checkStatements(statements, scope: &scope)
        switch (returns, final) {
        case (nil, nil):
            return (checked, nil)
        case (nil, (_, let keyword)?):
            report("\(owner) declares no return type; write '(...): type' after its parameters to return a value", at: keyword)
            return (checked, nil)
        case ((_, let sort)?, nil):
            report("\(owner) returns \(sort.map { "\($0)" } ?? "a value") but does not end with 'return e'", at: location)
            return (checked, nil)
        case ((_, let sort)?, (let e, _)?):
            let value = hoistCalls(in: e, guarded: false, scope: &scope, into: &checked)
            guard let sort, let x = checkExpr(value, expected: sort, scope: scope) else { return (checked, nil) }
            guard let v = coerced(x, to: sort) else {
                report("type mismatch: \(owner) returns \(sort), found \(x.sort)", at: e.location)
                return (checked, nil)
            }
            return (checked, v)
        }
    }

    /// `x` as a value of `sort`: itself, or widened from a narrower integer of its kind; nil otherwise.
    func coerced(_ x: Expr, to sort: Sort) -> Expr? { TypeChecker.implicitlyWidened(x, to: sort) }

    /// The statements one call expands to, and the value it returns as a local of the caller
    /// (nil for a function that returns nothing). Nil when the call is in error (reported).
    mutating func expand(_ name: NameSyntax, _ args: [ExprSyntax], caller: inout Scope) -> (statements: [Stmt], result: Expr?)? {
        guard let f = functions[name.name] else { return nil }
        if let start = expanding.firstIndex(of: f.name.name) {
            let cycle = (expanding[start...] + [f.name.name]).joined(separator: " -> ")
            reportKept("function '\(f.name.name)' calls itself (\(cycle)); functions are expanded where called, so they cannot recurse",
                       at: name.location)
            return nil
        }
        guard args.count == f.params.count else {
            report("'\(f.name.name)' takes \(f.params.count) argument\(f.params.count == 1 ? "" : "s"), found \(args.count)", at: name.location)
            checkDiscarded(args, scope: &caller)
            return nil
        }
        // Each call copies the body: a chain of functions that each call the next twice would
        // double it at every link.
        guard expansions < TypeChecker.maxExpansions else {
            if !expansionLimitReported {
                reportKept("function calls here expand to more than \(TypeChecker.maxExpansions) copies of function bodies; "
                           + "call fewer functions from functions", at: name.location)
                expansionLimitReported = true
            }
            return nil
        }
        // What the declaration's check already reported is not repeated here.
        let quiet = diagnostics.count
        let (params, locals) = checkParams(f.params)
        let returns = f.returns.map { ($0, returnSort($0)) }
        dropDiagnostics(since: quiet)
        guard params.count == f.params.count, returns?.1 != nil || returns == nil else { return nil }

        expansions += 1
        var scope = functionScope(prefix: "\(f.name.name)#\(expansions).")
        scope.locals.merge(locals) { a, _ in a }
        var statements: [Stmt] = []
        var ok = true
        for (p, arg) in zip(params, args) {
            let value = hoistCalls(in: arg, guarded: false, scope: &caller, into: &statements)
            guard let x = checkExpr(value, expected: p.sort, scope: caller) else { ok = false; continue }
            guard let v = coerced(x, to: p.sort) else {
                report("type mismatch: parameter '\(p.name)' of '\(f.name.name)' is \(p.sort), found \(x.sort)", at: arg.location)
                ok = false
                continue
            }
            statements.append(.bind(scope.ir(p.name), v))
        }
        guard ok else { return nil }

        let mark = diagnostics.count
        expanding.append(f.name.name)
        let (body, result) = checkBody(f.body, returns: returns, of: "function '\(f.name.name)'", at: f.name.location, scope: &scope)
        expanding.removeLast()
        // Anything reported inside was reported at the declaration too (recursion and blow-ups,
        // which only an expansion finds, are kept apart by `reportKept`).
        dropDiagnostics(since: mark)
        statements += body
        guard let result else { return (statements, nil) }
        let local = "\(f.name.name)#\(expansions).return"
        statements.append(.bind(local, result))
        caller.locals[local] = .some(result.sort)
        return (statements, .name(local, result.sort))
    }

    /// Moves the function calls in a statement's expressions out in front of it, in source
    /// order, each replaced by the local holding what it returned. Blocks are left to the
    /// statements inside them.
    mutating func hoistCalls(_ s: StmtSyntax, scope: inout Scope, into out: inout [Stmt]) -> StmtSyntax {
        switch s {
        case .require(let c, let keyword):
            return .require(hoistCalls(in: c, guarded: false, scope: &scope, into: &out), keyword: keyword)
        case .assign(let lv, let e):
            var target = lv
            target.indices = lv.indices.map { hoistCalls(in: $0, guarded: false, scope: &scope, into: &out) }
            return .assign(target, hoistCalls(in: e, guarded: false, scope: &scope, into: &out))
        case .bind(let n, let t, let e):
            return .bind(n, t, hoistCalls(in: e, guarded: false, scope: &scope, into: &out))
        case .declare(let n, let t, let e):
            return .declare(n, t, hoistCalls(in: e, guarded: false, scope: &scope, into: &out))
        case .ifElse(let c, let t, let f):
            return .ifElse(hoistCalls(in: c, guarded: false, scope: &scope, into: &out), t, f)
        case .call(let name, let args):
            // The call itself is expanded by the statement checker; calls in its arguments go first.
            return .call(name, args)
        case .unchecked, .return, .forRange:
            return s
        }
    }

    /// `guarded`: the expression is evaluated only on some paths (right of && || ==>, a branch
    /// of ?:), where running a call first would change what happens; such a call is left in
    /// place, and the expression checker reports it.
    mutating func hoistCalls(in e: ExprSyntax, guarded: Bool, scope: inout Scope, into out: inout [Stmt]) -> ExprSyntax {
        func go(_ x: ExprSyntax, _ g: Bool) -> ExprSyntax { hoistCalls(in: x, guarded: g, scope: &scope, into: &out) }
        let at = e.location
        switch e.kind {
        case .number, .bool, .maxUint256, .reverted, .name, .primed, .hexBytes, .sum(_, _, nil, _):
            return e
        case .sum(let n, let primed, let k?, let counting):
            return ExprSyntax(.sum(n, primed: primed, key: go(k, guarded), counting: counting), at: at)
        case .weightedSum: return e  // properties only: no function can be called in one
        case .length(let a): return ExprSyntax(.length(go(a, guarded)), at: at)
        case .convert(let w, let a): return ExprSyntax(.convert(w, go(a, guarded)), at: at)
        case .not(let a): return ExprSyntax(.not(go(a, guarded)), at: at)
        case .negate(let a): return ExprSyntax(.negate(go(a, guarded)), at: at)
        case .index(let m, let k): return ExprSyntax(.index(go(m, guarded), go(k, guarded)), at: at)
        case .binary(let op, let l, let r):
            let left = go(l, guarded)
            return ExprSyntax(.binary(op, left, go(r, guarded || [.and, .or, .implies].contains(op))), at: at)
        case .ternary(let c, let t, let f):
            let cond = go(c, guarded)
            return ExprSyntax(.ternary(cond, go(t, true), go(f, true)), at: at)
        case .call(let name, let primed, let args):
            guard functions[name] != nil, !primed, !guarded, scope.context == .action else {
                return ExprSyntax(.call(name, primed: primed, args.map { go($0, guarded) }), at: at)
            }
            guard let expanded = expand(NameSyntax(name: name, location: at), args, caller: &scope) else {
                return failedValue(at: at, scope: &scope)
            }
            out += expanded.statements
            guard case .name(let local, _)? = expanded.result else {
                if functions[name]?.returns == nil {
                    report("function '\(name)' returns nothing, so its call has no value; call it as a statement", at: at)
                }
                return failedValue(at: at, scope: &scope)
            }
            return ExprSyntax(.name(local), at: at)
        }
    }

    /// A name whose declaration failed: its uses stay silent instead of repeating the error.
    private mutating func failedValue(at location: SourceLocation, scope: inout Scope) -> ExprSyntax {
        expansions += 1
        let local = "#failed\(expansions)"
        scope.locals[local] = .some(nil)
        return ExprSyntax(.name(local), at: location)
    }

    /// Checks the arguments of a call that is in error, for their own errors only.
    mutating func checkDiscarded(_ args: [ExprSyntax], scope: inout Scope) {
        var discarded: [Stmt] = []
        for a in args {
            let rest = hoistCalls(in: a, guarded: false, scope: &scope, into: &discarded)
            _ = checkExpr(rest, expected: nil, scope: scope)
        }
    }

    /// An error only an expansion finds (a recursion, a blow-up): kept however quietly the
    /// expansion is checked, and reported once however many expansions find it.
    mutating func reportKept(_ message: String, at location: SourceLocation) {
        let d = source.diagnostic(message, at: location)
        if !expansionErrors.contains(where: { $0.location == d.location && $0.message == d.message }) { expansionErrors.append(d) }
    }

    mutating func dropDiagnostics(since mark: Int) {
        if diagnostics.count > mark { diagnostics.removeSubrange(mark...) }
    }
}
