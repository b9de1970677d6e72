import BigInt
import TitanIR

/// Where an expression is checked: decides which names exist and how arithmetic behaves.
struct Scope {
    enum Context {
        case action, invariant, rule, lemma, view
        /// Invariants, rules, lemmas and expectations: arithmetic on mathematical integers.
        var isProperty: Bool { self == .invariant || self == .rule || self == .lemma }
    }
    var context: Context
    /// The mode stamped on uint arithmetic operators; in properties `MathInt` then makes it exact.
    var arithmetic: Arithmetic
    /// Params, lets and rule names. A nil sort marks a name whose declaration already failed,
    /// so its uses stay silent instead of repeating the error.
    var locals: [String: Sort?] = [:]
    /// The locals declared with `var`, which assignments may change.
    var mutables: Set<String> = []
    /// Prepended to the IR name of every local declared here: each expansion of a function has
    /// its own, so its names cannot capture or shadow the caller's.
    var prefix = ""
    /// False where a weighted sum cannot be read (a scenario's call arguments).
    var weightedSums = true
    /// The indices of the `for` loops around: each a number in one unrolled copy of the body,
    /// read like a literal (its sort comes from where it is used).
    var loopIndices: [String: BigUInt] = [:]
    /// Only in the constructor: whether `immutable` state may be assigned.
    var setsImmutables = false
    /// In an action: whether it is `payable` (may read `msg.value`).
    var payable = false
    /// A scenario step's call arguments: read over the state like an invariant, but they are
    /// values of the action's parameter types, so their arithmetic is the program's, not exact.
    var callArgument = false
    /// Whether arithmetic here is on exact integers (`MathInt` lifts it).
    var isExact: Bool { context.isProperty && !callArgument }

    /// The IR name of a local. The environment's names belong to the action, and names holding
    /// '#' were made by the checker (already unique), so neither takes the prefix.
    func ir(_ name: String) -> String {
        prefix.isEmpty || Environment.names[name] != nil || name.contains("#") ? name : prefix + name
    }
}

/// Resolves names and sorts and lowers the syntax tree to IR, collecting every type error.
/// The IR it returns is meaningful only when `diagnostics` is empty.
struct TypeChecker {
    let source: SourceFile
    var diagnostics: [Diagnostic] = []
    var warnings: [Diagnostic] = []
    /// The current model's state variables (nil sort: declaration failed).
    var states: [String: Sort?] = [:]
    /// The model's `const`s, each a typed number or bool.
    var constants: [String: Expr] = [:]
    /// State variables declared `immutable`: only the constructor assigns them.
    var immutables: Set<String> = []
    /// The current model's views, checked, by name.
    var views: [String: CheckedView] = [:]
    var modelArithmetic: Arithmetic = .wrapping
    /// Whether the current model has a caller and a time (see `Environment`).
    var modelUsesEnvironment = false
    /// The parameters the environment adds to every action of the current model.
    var environmentParams: [Param] = []
    /// The current model's functions by name, and the ones being expanded (innermost last).
    var functions: [String: FunctionSyntax] = [:]
    var expanding: [String] = []
    /// Expansions made so far, numbering each one's locals apart.
    var expansions = 0
    static let maxExpansions = 10_000
    var expansionLimitReported = false
    /// Errors found while expanding functions (see `reportKept`), added to `diagnostics` at the end.
    var expansionErrors: [Diagnostic] = []
    /// The current model's weighted sums, in the order first used, and their ghosts' widths.
    var weightedSums: [WeightedSum] = []
    var weightedSumLocations: [SourceLocation] = []
    var weightedGhostWidths: [String: Int] = [:]

    struct CheckedView {
        var params: [Param]
        var body: Expr?
        var sort: Sort?
    }

    init(source: SourceFile) { self.source = source }

    /// Something legal that is easy to get wrong; reported, and nothing stops.
    mutating func warn(_ message: String, at location: SourceLocation) {
        var d = source.diagnostic(message, at: location)
        d.isWarning = true
        if !warnings.contains(where: { $0.location == d.location && $0.message == d.message }) { warnings.append(d) }
    }

    mutating func report(_ message: String, at location: SourceLocation) {
        diagnostics.append(source.diagnostic(message, at: location))
    }

    mutating func check(_ models: [ModelSyntax]) -> [Model] {
        var seen = Set<String>()
        var result: [Model] = []
        for model in models {
            if !seen.insert(model.name.name).inserted {
                report("duplicate model '\(model.name.name)'", at: model.name.location)
            }
            result.append(check(model))
        }
        diagnostics += expansionErrors
        return result
    }

    // MARK: Models

    /// `const NAME: type = value`: the value is literals only (numbers, `max_uint256`, `true`,
    /// arithmetic between them), computed here exactly and checked to fit the type.
    mutating func checkConstant(_ decl: ConstantSyntax) {
        let name = decl.name.name
        guard constants[name] == nil else {
            report("duplicate constant '\(name)'", at: decl.name.location)
            return
        }
        let sort = sort(of: decl.type)
        switch sort {
        case .bool?:
            guard case .bool(let b) = decl.value.kind else {
                report("constant '\(name)' is a bool: its value must be true or false", at: decl.value.location)
                return
            }
            constants[name] = .bool(b)
        case .uint?, .sint?, .address?:
            guard let value = TypeChecker.foldSigned(decl.value) else {
                report("the value of constant '\(name)' must be a literal or arithmetic between literals", at: decl.value.location)
                return
            }
            if let number = numberLiteral(value, sort: sort!, at: decl.value.location) { constants[name] = number }
        default:
            if sort != nil { report("a constant is a uint, an int, an address or a bool; '\(name)' is \(sort!)", at: decl.type.location) }
        }
    }

    /// The exact value of literals and arithmetic between them, when it is not negative; nil for
    /// anything else or a division by zero.
    static func fold(_ e: ExprSyntax) -> BigUInt? {
        guard let v = foldSigned(e), v.sign == .plus else { return nil }
        return v.magnitude
    }

    /// The exact value of literals, unary minus and arithmetic between them (division truncates
    /// toward zero, as Solidity's); nil for anything else or a division by zero.
    static func foldSigned(_ e: ExprSyntax) -> BigInt? {
        switch e.kind {
        case .number(let n): return BigInt(n)
        case .maxUint256: return BigInt(maxValue(bits: 256))
        case .negate(let inner): return foldSigned(inner).map { -$0 }
        case .binary(let op, let l, let r):
            guard let a = foldSigned(l), let b = foldSigned(r) else { return nil }
            switch op {
            case .add: return a + b
            case .sub: return a - b
            case .mul: return a * b
            case .div: return b == 0 ? nil : a / b
            case .mod: return b == 0 ? nil : a % b
            default: return nil
            }
        default: return nil
        }
    }

    /// `x` where a value of `sort` is expected: itself, or widened from a narrower integer of the
    /// same kind (zero-extended for uints, sign-extended for ints); nil otherwise.
    static func implicitlyWidened(_ x: Expr, to sort: Sort) -> Expr? {
        if x.sort == sort { return x }
        switch (x.sort, sort) {
        case (.uint(let from), .uint(let to)) where from < to: return .widen(x, to: to)
        case (.sint(let from), .sint(let to)) where from < to:
            if case .number(let n, let s) = x { return .number(sort.pattern(of: s.integer(fromPattern: n)), sort) }
            return .convert(x, to: sort, arithmetic: .wrapping)
        default: return nil
        }
    }

    private mutating func check(_ model: ModelSyntax) -> Model {
        states = [:]
        views = [:]
        weightedSums = []
        weightedSumLocations = []
        weightedGhostWidths = [:]
        let arithmetic = checkArithmetic(model.members)
        modelArithmetic = arithmetic

        constants = [:]
        for case .constant(let decl) in model.members { checkConstant(decl) }

        var stateVars: [StateVar] = []
        for case .state(let decl) in model.members {
            if let v = checkState(decl) { stateVars.append(v) }
        }
        let environment = declareEnvironment(model, &stateVars)

        // Views in declaration order: a view may use the views declared before it.
        for case .view(let decl) in model.members { checkView(decl) }

        checkFunctions(model)

        // Signatures first: rules may name an action declared after them.
        var signatures: [String: [Sort?]] = [:]
        var returnSorts: [String: Sort] = [:]
        var actionDecls: [(ActionSyntax, [Param], [String: Sort?], Sort?)] = []
        for case .action(let decl) in model.members {
            let (params, locals) = checkParams(decl.params)
            let returns = decl.returns.flatMap { returnSort($0) }
            if signatures[decl.name.name] != nil {
                report("duplicate action '\(decl.name.name)'", at: decl.name.location)
            } else {
                signatures[decl.name.name] = decl.params.map { locals[$0.name] ?? nil }
                returnSorts[decl.name.name] = returns
            }
            actionDecls.append((decl, params, locals, returns))
        }

        // The constructor is checked as an action named `constructor`; no action may take that name.
        for (decl, _, _, _) in actionDecls where decl.name.name == Action.constructorName {
            report("'constructor' is reserved for the model's constructor: name the action otherwise", at: decl.name.location)
        }
        var constructorDecls: [ActionSyntax] = []
        for case .constructor(let decl) in model.members {
            if !constructorDecls.isEmpty { report("duplicate constructor: a model has at most one", at: decl.name.location); continue }
            constructorDecls.append(decl)
            let (params, locals) = checkParams(decl.params)
            actionDecls.append((decl, params, locals, nil))
        }

        var actions = actionDecls.map { checkAction($0.0, params: $0.1, locals: $0.2, returns: $0.3, arithmetic: arithmetic) }

        // Split the constructor (checked last, like an action) from the actions.
        let constructor = constructorDecls.isEmpty ? nil : actions.removeLast()

        var propertyNames = Set<String>()
        let properties = checkProperties(model, signatures: signatures, returns: returnSorts, environment: environment, names: &propertyNames)
        var scenarios: [Scenario] = []
        for case .scenario(let decl) in model.members {
            if !propertyNames.insert(decl.name.name).inserted {
                report("duplicate property '\(decl.name.name)' (a scenario shares the properties' names)", at: decl.name.location)
            }
            if let s = checkScenario(decl, actions: actions, constructor: constructor, environment: environment) { scenarios.append(s) }
        }
        // The weighted sums the properties read: a ghost each, kept in step by every action.
        actions = actions.map { maintainWeightedSums($0) }
        stateVars += weightedSums.map { StateVar(name: $0.ghost, sort: .int($0.width)) }
        return Model(name: model.name.name, stateVars: stateVars, actions: actions,
                     properties: properties, location: model.name.location, scenarios: scenarios, weightedSums: weightedSums,
                     constructor: constructor.map { maintainWeightedSums($0) })
    }

    /// Functions are collected first (an action may call one declared after it), then each is
    /// checked once where it is declared, so an error in it is reported once.
    private mutating func checkFunctions(_ model: ModelSyntax) {
        functions = [:]
        let actionNames = Set(model.members.compactMap { if case .action(let a) = $0 { return a.name.name } else { return nil } })
        for case .function(let decl) in model.members {
            let n = decl.name.name
            if functions[n] != nil || views[n] != nil || actionNames.contains(n) || TypeChecker.builtinFunctions.contains(n) {
                report("duplicate name '\(n)': a function needs a name no view, action or other function has", at: decl.name.location)
                continue
            }
            functions[n] = decl
        }
        for case .function(let decl) in model.members where functions[decl.name.name]?.name.location == decl.name.location {
            checkFunctionDeclaration(decl)
        }
    }

    /// The properties, then what their `using` clauses name: lemmas of this model, never from a lemma.
    private mutating func checkProperties(_ model: ModelSyntax, signatures: [String: [Sort?]], returns returnSorts: [String: Sort],
                                          environment: Bool, names propertyNames: inout Set<String>) -> [Property] {
        var properties: [Property] = []
        for case .property(let decl) in model.members {
            if !propertyNames.insert(decl.name.name).inserted {
                report("duplicate property '\(decl.name.name)'", at: decl.name.location)
            }
            if let p = checkProperty(decl, signatures: signatures, returns: returnSorts, environment: environment) { properties.append(p) }
        }

        // `using` names lemmas of this model, and a lemma uses none (it has no state to need them).
        let lemmas = Set(properties.filter { $0.kind == .lemma }.map(\.name))
        for case .property(let decl) in model.members {
            for name in decl.using where !lemmas.contains(name.name) {
                report("'using' names '\(name.name)', which is not a lemma of model '\(model.name.name)'", at: name.location)
            }
            if case .lemma = decl.kind, let first = decl.using.first {
                report("a lemma cannot use other lemmas; prove it on its own", at: first.location)
            }
        }
        return properties
    }

    /// Arguments and expectations are read like invariants: over the current state, with the
    /// properties' arithmetic. In a model with caller and time, `from` defaults to address 1 and
    /// `at` to the time of the previous step.
    private mutating func checkScenario(_ decl: ScenarioSyntax, actions: [Action], constructor: Action?, environment: Bool) -> Scenario? {
        let scope = Scope(context: .invariant, arithmetic: .wrapping, locals: [:])
        var argumentScope = scope
        argumentScope.weightedSums = false
        argumentScope.callArgument = true
        var steps: [Scenario.Step] = []
        var ok = true
        for step in decl.steps {
            switch step {
            case .expect(let e):
                guard let body = checkExpr(e, expected: .bool, scope: scope), body.sort == .bool else {
                    if ok { report("type mismatch: 'expect' takes a bool", at: e.location) }
                    ok = false
                    continue
                }
                guard let exact = mathematical(body, at: e.location) else { ok = false; continue }
                steps.append(.expect(exact, location: e.location))
            case .call(let name, let args, let sender, let time, let value, let reverts):
                if name.name == Action.constructorName, constructor != nil, !steps.isEmpty {
                    report("the constructor runs once, as the scenario's first call", at: name.location)
                    ok = false
                    continue
                }
                guard let action = actions.first(where: { $0.name == name.name })
                        ?? constructor.flatMap({ $0.name == name.name ? $0 : nil }) else {
                    report("unknown action '\(name.name)' in scenario '\(decl.name.name)'", at: name.location)
                    ok = false
                    continue
                }
                let declared = Array(action.params.dropLast(environmentParams.count))
                guard declared.count == args.count else {
                    report("'\(name.name)' takes \(declared.count) argument\(declared.count == 1 ? "" : "s"), found \(args.count)", at: name.location)
                    ok = false
                    continue
                }
                var values: [Expr] = []
                for (p, a) in zip(declared, args) {
                    if p.sort.isMap { report("parameter '\(p.name)' has a map type, which a scenario cannot pass", at: a.location); ok = false; continue }
                    guard let v = checkExpr(a, expected: p.sort, scope: argumentScope) else { ok = false; continue }
                    guard v.sort == p.sort else {
                        report("type mismatch: parameter '\(p.name)' of '\(name.name)' is \(p.sort), found \(v.sort)", at: a.location)
                        ok = false
                        continue
                    }
                    values.append(v)
                }
                guard let environmentValues = scenarioEnvironment(sender: sender, time: time, value: value, scope: argumentScope) else { ok = false; continue }
                values += environmentValues
                steps.append(.call(action: action.name, args: values, reverts: reverts, location: name.location))
            }
        }
        guard ok else { return nil }
        // A scenario that does not deploy explicitly deploys with zero arguments, from address 1 at time 0.
        if let constructor, !decl.steps.contains(where: { if case .call(let n, _, _, _, _, _) = $0 { return n.name == Action.constructorName }; return false }) {
            if let p = constructor.params.first(where: { !($0.sort == .bool || $0.sort == .address || $0.sort.isUint) }) {
                report("the constructor's parameter '\(p.name)' has no default: start scenario '\(decl.name.name)' with constructor(...)",
                       at: decl.name.location)
                return nil
            }
            let args = constructor.params.map { p -> Expr in
                if environment, p.name == Environment.sender { return .number(1, .address) }
                if p.name == Environment.number { return .number(1, .uint(64)) }
                return p.sort == .bool ? .bool(false) : .number(0, p.sort)
            }
            steps.insert(.call(action: Action.constructorName, args: args, reverts: false, location: decl.name.location), at: 0)
        }
        return Scenario(name: decl.name.name, steps: steps, location: decl.name.location, sourceText: decl.sourceText)
    }

    /// One `arithmetic` line per model, before any action, since it governs every action.
    private mutating func checkArithmetic(_ members: [MemberSyntax]) -> Arithmetic {
        var mode: Arithmetic?
        var sawAction = false
        for member in members {
            switch member {
            case .action:
                sawAction = true
            case .arithmetic(let decl):
                if mode != nil {
                    report("duplicate 'arithmetic' declaration", at: decl.location)
                } else {
                    if sawAction { report("'arithmetic' must come before the first action", at: decl.location) }
                    mode = decl.mode
                }
            default:
                break
            }
        }
        return mode ?? .wrapping
    }

    // MARK: Declarations

    private mutating func checkView(_ decl: ViewSyntax) {
        let name = decl.name.name
        if views[name] != nil || states[name] != nil {
            report("'\(name)' is already declared", at: decl.name.location)
            return
        }
        let (params, locals) = checkParams(decl.params)
        let sort = sort(of: decl.type)
        var body: Expr?
        let scope = Scope(context: .view, arithmetic: modelArithmetic, locals: locals)
        if let x = checkExpr(decl.body, expected: sort, scope: scope), let sort {
            if x.sort == sort {
                body = x
            } else if x.sort.isUint, sort.isUint {
                report("type mismatch: view '\(name)' is declared \(sort) but its expression is \(x.sort)", at: decl.body.location)
            } else {
                report("type mismatch: view '\(name)' is declared \(sort) but its expression is \(x.sort)", at: decl.body.location)
            }
        }
        views[name] = CheckedView(params: params, body: body, sort: sort)
    }

    /// Map keys must be scalar; anything else is reported and yields nil.
    mutating func sort(of type: TypeSyntax) -> Sort? {
        switch type.kind {
        case .bool: return .bool
        case .address: return .address
        case .uint(let width): return .uint(width)
        case .int(let width): return .sint(width)
        case .bytes(let n): return .bytes(n)
        case .map(let keyType, let valueType):
            let key = sort(of: keyType)
            let value = sort(of: valueType)
            if let key, key.isMap {
                report("map keys must be bool, address, uint, int or bytes, found \(key)", at: keyType.location)
                return nil
            }
            guard let key, let value else { return nil }
            return .map(key: key, value: value)
        }
    }

    private mutating func checkState(_ decl: StateSyntax) -> StateVar? {
        let name = decl.name.name
        let sort = sort(of: decl.type)
        if states[name] != nil || constants[name] != nil {
            report(constants[name] != nil ? "'\(name)' is already a constant" : "duplicate state variable '\(name)'", at: decl.name.location)
            return nil
        }
        states[name] = .some(sort)
        if decl.immutable { immutables.insert(name) }
        guard let sort else { return nil }
        var initial: Expr?
        if let value = decl.initial {
            initial = checkInitialValue(value, of: name, sort: sort)
        }
        return StateVar(name: name, sort: sort, initial: initial)
    }

    /// Initial values are literals only, so the initial state is known without evaluation.
    private mutating func checkInitialValue(_ value: ExprSyntax, of name: String, sort: Sort) -> Expr? {
        if sort.isMap {
            report("map state variables cannot have an initial value", at: value.location)
            return nil
        }
        switch value.kind {
        case .hexBytes:
            guard case .bytes = sort else {
                report("type mismatch: initial value of '\(name)' must be \(sort), found a byte string", at: value.location)
                return nil
            }
            return checkExpr(value, expected: sort, scope: Scope(context: .invariant, arithmetic: .wrapping))
        case .bool(let b):
            guard sort == .bool else {
                report("type mismatch: initial value of '\(name)' must be \(sort), found bool", at: value.location)
                return nil
            }
            return .bool(b)
        case .number, .maxUint256, .negate:
            guard sort != .bool else {
                report("type mismatch: initial value of '\(name)' must be bool, found a number", at: value.location)
                return nil
            }
            if case .negate = value.kind {
                guard let literal = TypeChecker.foldSigned(value) else {
                    report("initial value of '\(name)' must be a number or bool literal", at: value.location)
                    return nil
                }
                return numberLiteral(literal, sort: sort, at: value.location)
            }
            guard case .number(let literal) = value.kind else {
                guard sort == .uint256 else {
                    report("type mismatch: initial value of '\(name)' must be \(sort), found max_uint256 (uint256)",
                           at: value.location)
                    return nil
                }
                return .number(TypeChecker.maxValue(bits: 256), .uint256)
            }
            return numberLiteral(literal, sort: sort, at: value.location)
        default:
            report("initial value of '\(name)' must be a number or bool literal", at: value.location)
            return nil
        }
    }

    /// Parameters become locals; they may not shadow state variables or each other.
    mutating func checkParams(_ decls: [ParamSyntax]) -> ([Param], [String: Sort?]) {
        var params: [Param] = []
        var locals: [String: Sort?] = [:]
        for decl in decls {
            var sort = sort(of: decl.type)
            if let s = sort, s.isMap {
                report("parameter '\(decl.name)' cannot be a map", at: decl.type.location)
                sort = nil
            }
            guard declare(decl.name, at: decl.location, in: &locals, sort: sort) else { continue }
            if let sort { params.append(Param(name: decl.name, sort: sort)) }
        }
        return (params, locals)
    }

    /// Adds a local name, reporting a clash with a state variable or an earlier local:
    /// nothing shadows, so a name means one thing throughout its scope.
    mutating func declare(_ name: String, at location: SourceLocation, in locals: inout [String: Sort?],
                          sort: Sort?) -> Bool {
        if states[name] != nil {
            report("'\(name)' is already declared as a state variable", at: location)
            return false
        }
        if locals[name] != nil {
            report("'\(name)' is already declared", at: location)
            return false
        }
        locals[name] = .some(sort)
        return true
    }

    // MARK: Properties

    /// A property's arithmetic on mathematical integers (see `MathInt`), or nil (reported)
    /// when it would need integers wider than the semantics computes.
    mutating func mathematical(_ e: Expr, at location: SourceLocation) -> Expr? {
        let lifted = MathInt.lift(e, ghosts: weightedGhostWidths)
        let width = MathInt.widest(lifted)
        guard width <= MathInt.maxWidth else {
            report("arithmetic here needs \(width)-bit integers to be exact, more than the \(MathInt.maxWidth) computed; split the product or convert a factor with uintN(...)", at: location)
            return nil
        }
        return lifted
    }

    private mutating func checkProperty(_ decl: PropertySyntax, signatures: [String: [Sort?]], returns: [String: Sort],
                                        environment: Bool) -> Property? {
        var scope: Scope
        let kind: PropertyKind
        var params: [Param] = []
        switch decl.kind {
        case .invariant(let paramDecls):
            let (checked, locals) = checkParams(paramDecls)
            params = checked
            scope = Scope(context: .invariant, arithmetic: .wrapping, locals: locals)
            kind = .invariant
        case .lemma(let paramDecls):
            let (checked, locals) = checkParams(paramDecls)
            params = checked
            scope = Scope(context: .lemma, arithmetic: .wrapping, locals: locals)
            kind = .lemma
        case .rule(let paramDecls, nil, _):
            let (checked, locals) = checkParams(paramDecls)
            params = checked
            scope = Scope(context: .rule, arithmetic: .wrapping, locals: locals)
            kind = .rule(action: nil, actionArgs: [])
        case .rule(let paramDecls, let action?, let args):
            let (checked, ruleLocals) = checkParams(paramDecls)
            params = checked
            var locals = ruleLocals
            let signature = signatures[action.name]
            if signature == nil {
                report("unknown action '\(action.name)'", at: action.location)
            } else if let signature, signature.count != args.count {
                report("rule '\(decl.name.name)' binds \(args.count) argument\(args.count == 1 ? "" : "s") "
                       + "but action '\(action.name)' has \(signature.count) parameter\(signature.count == 1 ? "" : "s")",
                       at: action.location)
            }
            // Arguments take the action's parameter sorts by position.
            for (i, arg) in args.enumerated() {
                let sort: Sort? = signature.flatMap { i < $0.count ? $0[i] : nil }
                _ = declare(arg.name, at: arg.location, in: &locals, sort: sort)
            }
            // A rule on an action that returns a value reads it as `result`.
            if let r = returns[action.name] {
                if let clash = (paramDecls.map { NameSyntax(name: $0.name, location: $0.location) } + args).first(where: { $0.name == Property.resultName }) {
                    report("'\(Property.resultName)' is what action '\(action.name)' returns; name this parameter differently", at: clash.location)
                } else {
                    locals[Property.resultName] = .some(r)
                }
            }
            scope = Scope(context: .rule, arithmetic: .wrapping, locals: locals)
            kind = .rule(action: action.name, actionArgs: args.map(\.name))
        }
        if environment, case .rule = kind {
            // A rule sees the caller and the time of the step it is about (and its block number
            // and value, in a model that uses them).
            for p in environmentParams where scope.locals[p.name] == nil { scope.locals[p.name] = .some(p.sort) }
        }
        guard let typed = checkExpr(decl.body, expected: .bool, scope: scope) else { return nil }
        guard typed.sort == .bool else {
            report("type mismatch: a property must be bool, found \(typed.sort)", at: decl.body.location)
            return nil
        }
        guard let body = mathematical(typed, at: decl.body.location) else { return nil }
        var property = Property(name: decl.name.name, kind: kind, params: params, body: body,
                                location: decl.name.location, sourceText: decl.sourceText)
        property.expectViolated = decl.expectViolated
        property.using = decl.using.map(\.name)
        return property
    }
}
