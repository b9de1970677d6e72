import BigInt
import TitanIR
import TitanSemantics

public typealias ConcreteState = State<Value>

/// One step of a trace: an action, its arguments, and the state it led to.
public struct Step: Hashable, Sendable {
    public var action: String
    public var args: [String: Value]
    public init(action: String, args: [String: Value]) { self.action = action; self.args = args }
}

public enum InterpreterError: Error, CustomStringConvertible, Equatable {
    case unknownAction(String)
    case missingArgument(action: String, param: String)
    case reverted(step: Int, action: String)
    case ghostMismatch(map: String)
    case argumentOutOfRange(action: String, param: String)

    public var description: String {
        switch self {
        case .unknownAction(let a): return "unknown action '\(a)'"
        case .missingArgument(let a, let p): return "action '\(a)' needs argument '\(p)'"
        case .reverted(let i, let a): return "step \(i + 1) (\(a)) reverted"
        case .ghostMismatch(let m): return "internal error: the running sum of '\(m)' differs from the sum of its entries"
        case .argumentOutOfRange(let a, let p): return "argument '\(p)' of action '\(a)' is not a value of its type"
        }
    }
}

/// The concrete interpreter: the shared semantics over concrete values.
public struct Interpreter {
    public let model: Model
    public let executor: Executor<ConcreteDomain>

    /// Each weighted sum's term, compiled once, by ghost.
    let weightedTerms: [String: (Executor<ConcreteDomain>.Frame) -> Value]

    public init(model: Model) {
        self.model = model
        let executor = Executor(model: model, domain: ConcreteDomain())
        self.executor = executor
        var terms: [String: (Executor<ConcreteDomain>.Frame) -> Value] = [:]
        for w in model.weightedSums { terms[w.ghost] = executor.compile(w.term, names: [w.key]) }
        self.weightedTerms = terms
    }

    public func initialState() -> ConcreteState { executor.initialState() }

    /// A state with the given variables (names the model does not declare are ignored); missing
    /// ones are zero, sums are computed from the maps.
    public func state(_ vars: [String: Value]) -> ConcreteState {
        var s = initialState()
        for (k, v) in vars where s.layout.slot(k) != nil { s[k] = v }
        for m in executor.summedMaps { s.setSum(m, Interpreter.ghost(of: s[m])) }
        for w in model.weightedSums { s[w.ghost] = weightedSum(w, in: s) }
        return s
    }

    /// A weighted sum computed from the maps themselves: its term at every key some map holds
    /// (at any other key every entry is zero, and so is the term), added exactly.
    public func weightedSum(_ w: WeightedSum, in s: ConcreteState) -> Value {
        var keys = Set<Value>()
        for m in w.maps { keys.formUnion(s[m].asMap.entries.keys) }
        let term = weightedTerms[w.ghost] ?? executor.compile(w.term, names: [w.key])
        let termWidth = w.term.sort.bitWidth!
        let total = keys.reduce(BigInt(0)) { acc, k in
            acc + ConcreteDomain.signed(term(.init(pre: s, names: [w.key: k])).asBits, termWidth)
        }
        return ConcreteDomain.integer(total, width: w.width)!
    }

    /// The exact sum of a map's entries (true counts 1); for a map of maps, one sum per outer key.
    public static func ghost(of map: Value) -> Value {
        let m = map.asMap
        if case .map = m.defaultValue {
            var sums = MapValue(defaultValue: .bits(0))
            for (k, inner) in m.entries { sums[k] = ghost(of: inner) }
            return .map(sums)
        }
        return .bits(m.entries.values.reduce(BigUInt(0)) { acc, v in
            if case .bool(let b) = v { return acc + (b ? 1 : 0) }
            return acc + v.asBits
        })
    }

    /// Runs one action; returns the outcome (reverted actions leave the pre-state).
    public func step(_ step: Step, from s: ConcreteState) throws -> Executor<ConcreteDomain>.Outcome {
        guard let action = model.action(step.action) else { throw InterpreterError.unknownAction(step.action) }
        for p in action.params where step.args[p.name] == nil {
            throw InterpreterError.missingArgument(action: action.name, param: p.name)
        }
        let out = executor.run(action, args: step.args, from: s)
        for m in executor.summedMaps where out.state.sum(m)! != Interpreter.ghost(of: out.state[m]) {
            throw InterpreterError.ghostMismatch(map: m)
        }
        for w in model.weightedSums where out.state[w.ghost] != weightedSum(w, in: out.state) {
            throw InterpreterError.ghostMismatch(map: w.text)
        }
        return out
    }

    /// Every argument a value of its parameter's type. A replay that confirms a counterexample
    /// checks it: a trace no real caller could send is no counterexample. (Searches that draw
    /// arguments by type skip the check on each step.)
    public func checkArguments(_ step: Step) throws {
        guard let action = model.action(step.action) else { throw InterpreterError.unknownAction(step.action) }
        for p in action.params {
            guard let v = step.args[p.name] else { throw InterpreterError.missingArgument(action: action.name, param: p.name) }
            guard v.fits(p.sort) else { throw InterpreterError.argumentOutOfRange(action: action.name, param: p.name) }
        }
    }

    /// Replays steps from `start`, requiring each to complete. Returns the state after each step.
    public func replay(_ steps: [Step], from start: ConcreteState) throws -> [ConcreteState] {
        var states = [start]
        for (i, st) in steps.enumerated() {
            try checkArguments(st)
            let out = try step(st, from: states.last!)
            guard out.ok.asBool else { throw InterpreterError.reverted(step: i, action: st.action) }
            states.append(out.state)
        }
        return states
    }

    /// The value of an expression over `s` (no post-state; names from `names`).
    public func evaluate(_ e: Expr, in s: ConcreteState, names: [String: Value] = [:]) -> Value {
        executor.evaluate(e, in: .init(pre: s, names: names))
    }

    /// Whether an invariant (with values for its parameters) or a lemma holds in `s`.
    public func holds(_ property: Property, in s: ConcreteState, params: [String: Value] = [:]) -> Bool {
        executor.evaluate(property.body, in: .init(pre: s, names: params)).asBool
    }
}
