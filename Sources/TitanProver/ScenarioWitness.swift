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
        for scenario in model.scenarios {
            var state = interpreter.initialState()
            for case .call(let name, let args, _, _) in scenario.steps {
                guard let action = model.action(name) else { break }
                var values: [String: Value] = [:]
                for (p, a) in zip(action.params, args) { values[p.name] = interpreter.evaluate(a, in: state) }
                guard let outcome = try? interpreter.step(Step(action: name, args: values), from: state) else { break }
                for p in marked where !shown.contains(p.name) {
                    switch p.kind {
                    case .invariant:
                        if outcome.ok.asBool, !interpreter.holds(p, in: outcome.state) { shown.insert(p.name) }
                    case .rule(let on, _) where on == nil || on == name:
                        let names = p.frameNames(for: action, args: values, result: outcome.result)
                        let frame = Executor<ConcreteDomain>.Frame(pre: state, post: outcome.state, names: names,
                                                                   reverted: .bool(!outcome.ok.asBool))
                        if !interpreter.executor.evaluate(p.body, in: frame).asBool { shown.insert(p.name) }
                    case .rule, .lemma:
                        break
                    }
                }
                if outcome.ok.asBool { state = outcome.state }
            }
        }
        return shown
    }
}
