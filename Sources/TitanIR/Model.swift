import BigInt

public struct Param: Hashable, Sendable {
    public var name: String
    public var sort: Sort
    public init(name: String, sort: Sort) { self.name = name; self.sort = sort }
}

public struct StateVar: Hashable, Sendable {
    public var name: String
    public var sort: Sort
    /// The value in the initial state: a closed expression (numbers, booleans), or nil for zero/false/empty.
    public var initial: Expr?
    public init(name: String, sort: Sort, initial: Expr? = nil) {
        self.name = name; self.sort = sort; self.initial = initial
    }
}

public struct Action: Hashable, Sendable {
    public var name: String
    public var params: [Param]
    public var body: [Stmt]
    public var location: SourceLocation
    /// What the action returns, if it declares a type: its body then ends by binding the value
    /// to `Action.resultLocal`.
    public var returns: Sort?
    /// Whether a call may send a value (`msg.value`); one that is not payable requires it to be 0.
    public var payable: Bool
    public init(name: String, params: [Param], body: [Stmt], location: SourceLocation, returns: Sort? = nil, payable: Bool = false) {
        self.name = name; self.params = params; self.body = body; self.location = location; self.returns = returns
        self.payable = payable
    }

    /// The local the body's last statement binds to the returned value. No spec identifier can
    /// contain '#', so it clashes with nothing.
    public static let resultLocal = "#result"

    /// The name of a model's `constructor`, as traces show its step; no action may take it.
    public static let constructorName = "constructor"
}

public enum PropertyKind: Hashable, Sendable {
    /// Holds in every reachable state, for every value of the property's parameters.
    case invariant
    /// Holds for every execution of one action (every action, when `action` is nil) from a
    /// state satisfying the model's proved invariants. `actionArgs` names the action's
    /// parameters inside the rule, positionally.
    case rule(action: String?, actionArgs: [String])
    /// A statement about its parameters alone, independent of any state.
    case lemma
}

public struct Property: Hashable, Sendable {
    public var name: String
    public var kind: PropertyKind
    /// Universally quantified parameters.
    public var params: [Param]
    public var body: Expr
    public var location: SourceLocation
    /// The property's text as written, for reports.
    public var sourceText: String
    /// Marked `expect violated` (a deliberate bug in the spec): refuting it passes the gate.
    public var expectViolated = false
    /// Lemmas named with `using`: once proved, assumed (instantiated) in this property's queries.
    public var using: [String] = []
    public init(name: String, kind: PropertyKind, params: [Param] = [], body: Expr, location: SourceLocation, sourceText: String) {
        self.name = name; self.kind = kind; self.params = params; self.body = body
        self.location = location; self.sourceText = sourceText
    }

    public var kindName: String {
        switch kind {
        case .invariant: return "invariant"
        case .rule: return "rule"
        case .lemma: return "lemma"
        }
    }
}

/// `sum(k => term)`: the exact sum over every key of a term that reads maps only at the key
/// and is zero where they are. It is kept, like a map's `sum`, in a ghost state variable that
/// every write to one of those maps updates by the change of that key's term (statements the
/// type checker adds after the write), so both readers of the semantics follow it.
public struct WeightedSum: Hashable, Sendable {
    /// The ghost state variable, of sort `int(width)`; '#' keeps it apart from spec names.
    public var ghost: String
    public var width: Int
    /// The term reads `.name(key, keySort)` for the key and `.state(m)` for the maps.
    public var key: String
    public var keySort: Sort
    /// Exact (sort `int`), over the pre-state.
    public var term: Expr
    /// The maps the term reads at the key.
    public var maps: [String]
    /// As first written, for reports.
    public var text: String
    public init(ghost: String, width: Int, key: String, keySort: Sort, term: Expr, maps: [String], text: String) {
        self.ghost = ghost; self.width = width; self.key = key; self.keySort = keySort; self.term = term; self.maps = maps
        self.text = text
    }
}

public struct Model: Hashable, Sendable {
    public var name: String
    public var stateVars: [StateVar]
    public var actions: [Action]
    public var properties: [Property]
    public var location: SourceLocation
    /// Concrete runs the interpreter checks (`scenario` blocks), reported after the properties.
    public var scenarios: [Scenario]
    /// The weighted sums the properties read; each one's ghost is among `stateVars`.
    public var weightedSums: [WeightedSum]
    /// `constructor(params) { ... }`: run once, from the state the declarations give, to make the
    /// initial state (the caller is the deployer). Every trace of a model that has one starts
    /// with its step, and every reachable state is reached through it.
    public var constructor: Action?
    public init(name: String, stateVars: [StateVar], actions: [Action], properties: [Property], location: SourceLocation,
                scenarios: [Scenario] = [], weightedSums: [WeightedSum] = [], constructor: Action? = nil) {
        self.name = name; self.stateVars = stateVars; self.actions = actions
        self.properties = properties; self.location = location; self.scenarios = scenarios
        self.weightedSums = weightedSums; self.constructor = constructor
    }

    /// Whether a state variable is the checker's (a weighted sum's ghost), not the spec's.
    public static func isGhost(_ name: String) -> Bool { name.contains("#") }

    /// How reports name a state variable: a weighted sum's ghost by the sum as written.
    public func displayName(_ variable: String) -> String {
        weightedSums.first { $0.ghost == variable }?.text ?? variable
    }

    public func stateVar(_ name: String) -> StateVar? { stateVars.first { $0.name == name } }
    /// An action by name; the constructor's step is named `Action.constructorName`.
    public func action(_ name: String) -> Action? {
        if name == Action.constructorName, let constructor { return constructor }
        return actions.first { $0.name == name }
    }

    /// The actions and the constructor: every body that writes the state.
    public var bodies: [Action] { (constructor.map { [$0] } ?? []) + actions }
    public var invariants: [Property] { properties.filter { if case .invariant = $0.kind { return true }; return false } }

    /// Maps whose sum some expression reads; their sums are kept as ghosts in step with every
    /// write. A map assigned whole from another map makes that map summed too.
    public var summedMaps: [String] {
        var names = Set<String>()
        var copies: [(String, String)] = []
        func visit(_ e: Expr) {
            switch e {
            case .sum(let n, let k, _): names.insert(n); if let k { visit(k) }
            case .unary(_, let a), .widen(let a, _), .narrow(let a, _, _), .length(let a), .toInt(let a, _), .sqrt(let a): visit(a)
            case .binary(_, let a, let b, _), .select(let a, let b): visit(a); visit(b)
            case .ite(let a, let b, let c): visit(a); visit(b); visit(c)
            default: break
            }
        }
        func visit(_ s: Stmt) {
            switch s {
            case .require(let e, _), .bind(_, let e), .set(_, let e): visit(e)
            case .assign(let lv, let e):
                lv.indices.forEach(visit); visit(e)
                if lv.indices.isEmpty, case .state(let src, _) = e { copies.append((lv.root, src)) }
            case .ifElse(let c, let t, let f): visit(c); t.forEach(visit); f.forEach(visit)
            }
        }
        properties.forEach { visit($0.body) }
        bodies.forEach { $0.body.forEach(visit) }
        var grew = true
        while grew {
            grew = false
            for (target, source) in copies where names.contains(target) || names.contains(source) {
                if names.insert(target).inserted { grew = true }
                if names.insert(source).inserted { grew = true }
            }
        }
        return stateVars.map(\.name).filter(names.contains)
    }
}

/// One parsed spec file: its models, where it came from, and a hash of its text.
public struct SpecFile: Hashable, Sendable {
    public var path: String
    public var contentHash: String
    public var models: [Model]
    /// The checker's warnings, rendered as the command line shows them (file:line:column first).
    public var warnings: [String]
    public init(path: String, contentHash: String, models: [Model], warnings: [String] = []) {
        self.path = path; self.contentHash = contentHash; self.models = models; self.warnings = warnings
    }
}

extension Model {
    /// Whether any expression multiplies, divides or takes a remainder (non-linear for a solver).
    public var usesNonLinearArithmetic: Bool {
        func visit(_ e: Expr) -> Bool {
            switch e {
            case .binary(let op, let a, let b, _): return [.mul, .div, .mod].contains(op) || visit(a) || visit(b)
            case .sqrt: return true
            case .unary(_, let a), .widen(let a, _), .narrow(let a, _, _), .length(let a), .toInt(let a, _): return visit(a)
            case .sum(_, let k?, _): return visit(k)
            case .select(let a, let b): return visit(a) || visit(b)
            case .ite(let a, let b, let c): return visit(a) || visit(b) || visit(c)
            default: return false
            }
        }
        func visit(_ s: Stmt) -> Bool {
            switch s {
            case .require(let e, _), .bind(_, let e), .set(_, let e): return visit(e)
            case .assign(let lv, let e): return lv.indices.contains(where: visit) || visit(e)
            case .ifElse(let c, let t, let f): return visit(c) || t.contains(where: visit) || f.contains(where: visit)
            }
        }
        return bodies.contains { $0.body.contains(where: visit) } || properties.contains { visit($0.body) }
    }
}
