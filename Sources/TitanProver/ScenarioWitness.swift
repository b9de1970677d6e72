import TitanIR
import TitanInterp
import TitanSemantics

extension Prover {
    /// The deliberate bugs (properties marked `expect violated`) that the model's own scenarios
    /// show, with no solver: a scenario is a concrete run from the initial state, so a marked
    /// invariant false in a state it reaches, or a marked rule false on one of its calls, is
    /// violated there, as the spec expects. The run follows what the model does, even where the
    /// scenario expected otherwise: every state it reaches is reachable.
    ///
    /// For mutation runs: refuting a deliberate bug again kills nothing, and the search for it
    /// is often the most expensive of the model (a non-linear BMC), while a scenario written to
    /// show the bug replays it in milliseconds in every mutant that leaves the bug in place.
    public static func expectedViolationsShownByScenarios(_ model: Model) -> Set<String> {
        let marked = model.properties.filter { $0.expectViolated && $0.params.isEmpty }
        guard !marked.isEmpty else { return [] }
        let interpreter = Interpreter(model: model)
        var shown: Set<String> = []
        scenarioCalls(model, interpreter) { state, action, values, outcome in
            for p in marked where !shown.contains(p.name) {
                switch p.kind {
                case .invariant:
                    if outcome.ok.asBool, !interpreter.holds(p, in: outcome.state) { shown.insert(p.name) }
                case .rule(let on, _) where on == nil || on == action.name:
                    let names = p.frameNames(for: action, args: values, result: outcome.result)
                    let frame = Executor<ConcreteDomain>.Frame(pre: state, post: outcome.state, names: names,
                                                               reverted: .bool(!outcome.ok.asBool))
                    if !interpreter.executor.evaluate(p.body, in: frame).asBool { shown.insert(p.name) }
                case .rule, .lemma:
                    break
                }
            }
        }
        return shown
    }

    /// The completed calls of every scenario, each run with the state it reached: where a
    /// mutant's simulation starts half its walks (`SimulationSearch.prefixes`).
    static func scenarioPrefixes(_ model: Model, _ interpreter: Interpreter) -> [(steps: [Step], state: ConcreteState)] {
        var out: [(steps: [Step], state: ConcreteState)] = []
        var run: [Step] = []
        scenarioCalls(model, interpreter) { _, action, values, outcome in
            guard outcome.ok.asBool else { return }
            run.append(Step(action: action.name, args: values))
            // In a model with a constructor, a run is a trace only once its deployment completed.
            if model.constructor == nil || run.first?.action == Action.constructorName { out.append((run, outcome.state)) }
        } begin: { run = [] }
        return out
    }

    /// The arguments the scenarios call with (callers and times included), by sort: the
    /// accounts and amounts a model's runs use, which its constants alone do not name.
    static func scenarioArguments(_ model: Model, _ interpreter: Interpreter) -> [Sort: [Value]] {
        var out: [Sort: [Value]] = [:]
        scenarioCalls(model, interpreter) { _, action, values, _ in
            for p in action.params {
                if let v = values[p.name], !(out[p.sort] ?? []).contains(v) { out[p.sort, default: []].append(v) }
            }
        }
        return out
    }

    /// Runs each scenario's calls as the model does them (a call the scenario expected to
    /// revert may complete, and the other way round), telling `visit` the state before each
    /// call, the action, its arguments and its outcome.
    static func scenarioCalls(_ model: Model, _ interpreter: Interpreter,
                              _ visit: (ConcreteState, Action, [String: Value], Executor<ConcreteDomain>.Outcome) -> Void,
                              begin: () -> Void = {}) {
        for scenario in model.scenarios {
            begin()
            var state = interpreter.initialState()
            for case .call(let name, let args, _, _) in scenario.steps {
                guard let action = model.action(name) else { break }
                var values: [String: Value] = [:]
                for (p, a) in zip(action.params, args) { values[p.name] = interpreter.evaluate(a, in: state) }
                guard let outcome = try? interpreter.step(Step(action: name, args: values), from: state) else { break }
                visit(state, action, values, outcome)
                if outcome.ok.asBool { state = outcome.state }
            }
        }
    }
}
