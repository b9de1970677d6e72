import TitanIR

/// What the chain gives a step (`Environment`): which of its names a model uses, the
/// parameters and state they add, the prologue that keeps the block fields moving forward and
/// refuses a value sent to an action that is not payable, and a scenario step's defaults.
extension TypeChecker {
    /// The environment's names a model mentions anywhere (see `Environment.words`); a `payable`
    /// action counts as mentioning `msg.value`.
    static func environmentNames(_ model: ModelSyntax) -> Set<String> {
        var found = Set<String>()
        func expr(_ e: ExprSyntax) {
            if case .name(let n) = e.kind, Environment.words.contains(n) { found.insert(n) }
            e.children.forEach(expr)
        }
        func stmt(_ s: StmtSyntax) {
            switch s {
            case .require(let e, _), .bind(_, _, let e), .declare(_, _, let e), .return(let e, _): expr(e)
            case .assign(let lv, let e): lv.indices.forEach(expr); expr(e)
            case .ifElse(let c, let t, let f): expr(c); t.forEach(stmt); f.forEach(stmt)
            case .unchecked(let b), .forRange(_, _, let b, _): b.forEach(stmt)
            case .call(_, let args): args.forEach(expr)
            }
        }
        for member in model.members {
            switch member {
            case .action(let a), .constructor(let a):
                a.body.forEach(stmt)
                if a.payable { found.insert(Environment.value) }
            case .function(let f): f.body.forEach(stmt)
            case .property(let p): expr(p.body)
            case .view(let v): expr(v.body)
            case .state(let s): s.initial.map(expr)
            case .scenario, .arithmetic, .constant: break
            }
        }
        return found
    }

    /// The caller and the block time, only for models that mention the environment, and the
    /// block number and the value sent only for models that use them; the block fields become
    /// state (the latest step's). Returns whether the model has an environment at all.
    mutating func declareEnvironment(_ model: ModelSyntax, _ stateVars: inout [StateVar]) -> Bool {
        let mentioned = TypeChecker.environmentNames(model)
        modelUsesEnvironment = !mentioned.isEmpty
        environmentParams = modelUsesEnvironment
            ? Environment.parameters(blockNumber: !mentioned.isDisjoint(with: [Environment.number, Environment.previousNumber]),
                                     value: mentioned.contains(Environment.value)) : []
        for field in [Environment.timestamp, Environment.number] where environmentParams.contains(where: { $0.name == field }) {
            states[field] = .some(.uint(64))
            stateVars.append(StateVar(name: field, sort: .uint(64)))
        }
        return modelUsesEnvironment
    }

    func hasEnvironmentParam(_ name: String) -> Bool { environmentParams.contains { $0.name == name } }

    /// What every step of an action checks of its environment before its body: time never goes
    /// back, each step is in a later block, and (as in Solidity) a value sent to an action that
    /// is not payable reverts. Each block field's state then holds this step's.
    func environmentPrologue(payable: Bool, at location: SourceLocation) -> [Stmt] {
        var prologue: [Stmt] = []
        for (field, order) in [(Environment.timestamp, BinaryOp.ge), (Environment.number, .gt)] where hasEnvironmentParam(field) {
            let now = Expr.name(field, .uint(64)), last = Expr.state(field, .uint(64))
            prologue += [.require(.binary(order, now, last, arithmetic: .wrapping), location),
                         .assign(LValue(root: field, rootSort: .uint(64), indices: []), now)]
        }
        if hasEnvironmentParam(Environment.value), !payable {
            prologue.append(.require(.binary(.eq, .name(Environment.value, .uint256), .number(0, .uint256), arithmetic: .wrapping), location))
        }
        return prologue
    }

    /// An action (or the constructor): its parameters then the environment's, the prologue, the
    /// body, and the value it returns.
    mutating func checkAction(_ decl: ActionSyntax, params: [Param], locals: [String: Sort?], returns: Sort?, arithmetic: Arithmetic) -> Action {
        var scope = Scope(context: .action, arithmetic: arithmetic, locals: locals)
        scope.setsImmutables = decl.name.name == Action.constructorName
        scope.payable = decl.payable
        for p in environmentParams { scope.locals[p.name] = .some(p.sort) }
        let prologue = environmentPrologue(payable: decl.payable, at: decl.name.location)
        let (body, result) = checkBody(decl.body, returns: decl.returns.map { ($0, returns) }, of: "action '\(decl.name.name)'",
                                       at: decl.name.location, scope: &scope)
        let tail: [Stmt] = result.map { [.bind(Action.resultLocal, $0)] } ?? []
        return Action(name: decl.name.name, params: params + environmentParams, body: prologue + body + tail, location: decl.name.location,
                      returns: result == nil ? nil : returns, payable: decl.payable)
    }

    /// A scenario step's environment arguments: `from` (address 1 by default), `at` (the
    /// previous step's time), the next block, and `paying` (0). Nil after reporting an error.
    mutating func scenarioEnvironment(sender: ExprSyntax?, time: ExprSyntax?, value: ExprSyntax?, scope: Scope) -> [Expr]? {
        if !modelUsesEnvironment, let extra = sender ?? time {
            report("'from' and 'at' give the caller and the time, which this model does not use", at: extra.location)
            return nil
        }
        if let value, !hasEnvironmentParam(Environment.value) {
            report("'paying' gives the value sent, which this model does not use (no action is payable)", at: value.location)
            return nil
        }
        guard modelUsesEnvironment else { return [] }
        var values: [Expr] = []
        var ok = true
        let who = sender.flatMap { checkExpr($0, expected: .address, scope: scope) } ?? .number(1, .address)
        let when = time.flatMap { checkExpr($0, expected: .uint(64), scope: scope) } ?? .state(Environment.timestamp, .uint(64))
        if who.sort != .address { report("type mismatch: 'from' takes an address, found \(who.sort)", at: sender!.location); ok = false }
        if when.sort != .uint(64) { report("type mismatch: 'at' takes a uint64, found \(when.sort)", at: time!.location); ok = false }
        values += [who, when]
        if hasEnvironmentParam(Environment.number) {
            values.append(.binary(.add, .state(Environment.number, .uint(64)), .number(1, .uint(64)), arithmetic: .wrapping))
        }
        if hasEnvironmentParam(Environment.value) {
            let paid = value.flatMap { checkExpr($0, expected: .uint256, scope: scope) } ?? .number(0, .uint256)
            if paid.sort != .uint256 { report("type mismatch: 'paying' takes a uint256, found \(paid.sort)", at: value!.location); ok = false }
            values.append(paid)
        }
        return ok ? values : nil
    }
}
