import BigInt
import Crypto
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// Counterexamples: reading traces from a solver model, replaying them on the interpreter, and
/// shrinking them.
extension Prover {
    /// The values a counterexample to induction used, by sort: where a simulation looks first.
    func hints(from steps: [Step]) -> [Sort: [Value]] {
        var out: [Sort: [Value]] = [:]
        for step in steps {
            for p in model.action(step.action)?.params ?? [] {
                if let v = step.args[p.name] { out[p.sort, default: []].append(v) }
            }
        }
        return out
    }

    /// Reads the failing induction step from the solver's model: the pre-state, the action and
    /// its arguments, what it changed, and the invariant's parameters.
    func counterexampleToInduction(_ inv: Property, _ action: Action, _ q: Query, _ model: ModelValues,
                                   pre: State<Term>, post: State<Term>, args: [String: Term], params: [String: Term],
                                   assumed: [String]) -> (CounterexampleToInduction, Step, SimulationSearch.Goal)? {
        // A cached answer holds scalar constants only; the map entries need the solver's own model.
        let m = solverModel(q, model)
        guard let argValues = read(action.params, args, q, m), let paramValues = read(inv.params, params, q, m) else { return nil }
        let before = q.readState(pre, m), after = q.readState(post, m)
        // A weighted sum's ghost is shown under the sum as written: in an induction step its value
        // is the solver's, which is what a failed step may turn on.
        let preState = self.model.stateVars.map { v in
            NamedValue(name: self.model.displayName(v.name), value: before[v.name]?.rendered(as: v.sort) ?? "?")
        }
        let changes = self.model.stateVars.compactMap { v -> Change? in
            guard let a = before[v.name], let b = after[v.name], a != b else { return nil }
            return Change(variable: self.model.displayName(v.name), before: a.rendered(as: v.sort), after: b.rendered(as: v.sort))
        }
        let cti = CounterexampleToInduction(preState: preState, action: action.name, args: rendered(action.params, argValues),
                                            changes: changes, invariant: inv.name, invariantParams: rendered(inv.params, paramValues),
                                            assumed: assumed)
        let step = Step(action: action.name, args: argValues)
        // Where a simulation may steer to: the pre-state's scalars, then the failing step.
        // The time is left out: any later time is as good, and the step is sent at least as late.
        let scalars = before.filter { name, _ in
            !Environment.blockFields.contains(name) && (self.model.stateVar(name).map { !$0.sort.isMap && !Model.isGhost(name) } ?? false)
        }
        return (cti, step, SimulationSearch.Goal(invariant: inv.name, params: paramValues, scalars: scalars, step: step))
    }

    /// The trace a solver's model shows: the constructor's step (for a model that has one),
    /// then `depth` actions.
    func readSteps(_ q: Query, _ m: ModelValues, depth: Int) -> [Step]? {
        /// One step's arguments, named as `Query.freshArgs` names them with `tag`.
        func step(_ action: Action, tag: String) -> Step? {
            var args: [String: Value] = [:]
            for p in action.params {
                let t = q.z3.constant("\(action.name).\(p.name)@\(tag)", q.domain.sort(p.sort))
                guard let v = q.concrete(t, p.sort, in: m) else { return nil }
                args[p.name] = v
            }
            return Step(action: action.name, args: args)
        }
        var steps: [Step] = []
        if let constructor = model.constructor {
            guard let deploy = step(constructor, tag: Query.deploymentTag) else { return nil }
            steps.append(deploy)
        }
        for i in 0..<depth {
            let sel = q.z3.constant(Query.selectorName(i), q.z3.intSort())
            guard let idx = m.number(sel).map(Int.init), idx < model.actions.count, let next = step(model.actions[idx], tag: String(i)) else {
                return nil
            }
            steps.append(next)
        }
        return steps
    }

    func render(_ s: ConcreteState) -> [NamedValue] {
        // A weighted sum's ghost is the checker's bookkeeping, not the spec's state.
        model.stateVars.filter { !Model.isGhost($0.name) }.map { NamedValue(name: $0.name, value: s[$0.name].rendered(as: $0.sort)) }
    }

    func traceSteps(_ steps: [Step], _ states: [ConcreteState], holds: (ConcreteState) -> Bool) -> [TraceStep] {
        steps.enumerated().map { i, st in
            let action = model.action(st.action)!
            let before = states[i], after = states[i + 1]
            let changes = model.stateVars.filter { !Model.isGhost($0.name) }.compactMap { v -> Change? in
                let a = before[v.name], b = after[v.name]
                return a == b ? nil : Change(variable: v.name, before: a.rendered(as: v.sort), after: b.rendered(as: v.sort))
            }
            // The replay kept states, not results: a returning action is run once more to show its value.
            var returned: String?
            if let sort = action.returns, let out = try? interpreter.step(st, from: before), out.ok.asBool {
                returned = out.result?.rendered(as: sort)
            }
            return TraceStep(action: st.action, args: rendered(action.params, st.args), changes: changes, propertyHolds: holds(after),
                             returned: returned)
        }
    }

    /// Replays a solver trace concretely; only a trace that replays and violates is a counterexample.
    func confirmInvariantViolation(_ inv: Property, steps: [Step]?, params: [String: Value]?, depth: Int,
                                   records: [QueryRecord], seconds: Double) -> PropertyResult {
        let method = depth == 0 ? "base case" : "bmc depth \(depth)"
        guard let steps, let params else {
            return result(inv, .error, method: method, reason: "internal error: could not read the trace from the solver's model",
                          seconds: seconds, queries: records)
        }
        do {
            let solverStates = try interpreter.replay(steps, from: interpreter.initialState())
            guard !interpreter.holds(inv, in: solverStates.last!, params: params) else {
                return result(inv, .error, method: method,
                              reason: "internal error: the solver's counterexample did not replay (the interpreter sees the invariant hold)",
                              seconds: seconds, queries: records)
            }
            // The solver's values are whatever it found first (2^95 - 1, one address for everyone):
            // minimized, while the trace still replays and still violates.
            let small = minimized(.invariant(inv), steps: steps, params: params)
            let (steps, params) = (small.steps, small.params)
            let states = try interpreter.replay(steps, from: interpreter.initialState())
            let cex = Counterexample(initialState: render(states[0]),
                                     holdsInitially: interpreter.holds(inv, in: states[0], params: params),
                                     steps: traceSteps(steps, states) { self.interpreter.holds(inv, in: $0, params: params) },
                                     ruleParams: rendered(inv.params, params), lastReverted: nil, replayed: true)
            return result(inv, .violated, method: method, cex: cex, seconds: seconds, queries: records)
        } catch {
            return result(inv, .error, method: method,
                          reason: "internal error: the solver's counterexample did not replay: \(error)", seconds: seconds, queries: records)
        }
    }

    /// The model a counterexample is read from: the solver's own. A cached answer keeps only the
    /// scalar constants it was stored with, so the query is solved again (only refutations pay).
    func solverModel(_ q: Query, _ m: ModelValues) -> ModelValues {
        guard m is CachedModel, case .sat(let fresh)? = try? q.solver.check() else { return m }
        return fresh
    }

    /// A violating trace made small by the simulation's shrinker; the trace itself when it does
    /// not violate (the caller's replay then reports that).
    func minimized(_ target: SimulationSearch.Target, steps: [Step], params: [String: Value]) -> SimulationSearch.Violation {
        let search = SimulationSearch(model: model, interpreter: interpreter, seconds: 0)
        let found = SimulationSearch.Violation(steps: steps, params: params, walks: 0)
        guard search.violates(found, target) else { return found }
        return search.shrink(found, target)
    }
}
