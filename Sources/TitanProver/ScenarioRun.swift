import Foundation
import TitanIR
import TitanInterp

/// Runs a model's `scenario` blocks with the concrete interpreter: the spec's unit tests, reported
/// like properties (kind `scenario`). A scenario passes (*proved*: the run is its own proof) when
/// every call completes, or reverts where marked `reverts`, and every `expect` holds where it
/// stands; otherwise it is *violated*, with the run up to the failing step as its trace.
struct ScenarioRun {
    let prover: Prover

    func run(_ scenario: Scenario) -> PropertyResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let interpreter = prover.interpreter, model = prover.model
        var state = interpreter.initialState()
        var steps: [Step] = [], states = [state], holds: [Bool] = []
        var calls = 0, expects = 0
        var failure: String?
        func place(_ l: SourceLocation) -> String { "line \(l.line):\(l.column)" }
        run: for step in scenario.steps {
            switch step {
            case .expect(let e, let location):
                expects += 1
                if !interpreter.evaluate(e, in: state).asBool {
                    failure = "the expectation at \(place(location)) does not hold after \(calls) call\(calls == 1 ? "" : "s")"
                    if !holds.isEmpty { holds[holds.count - 1] = false }
                    break run
                }
            case .call(let name, let args, let reverts, let location):
                calls += 1
                guard let action = model.action(name) else { failure = "internal error: no action \(name)"; break run }
                var values: [String: Value] = [:]
                for (p, a) in zip(action.params, args) { values[p.name] = interpreter.evaluate(a, in: state) }
                let st = Step(action: name, args: values)
                guard let outcome = try? interpreter.step(st, from: state) else {
                    failure = "internal error at \(place(location)): the interpreter could not run \(name)"
                    break run
                }
                let completed = outcome.ok.asBool
                steps.append(st)
                if completed { state = outcome.state }
                states.append(state)
                holds.append(completed != reverts)
                if completed == reverts {
                    failure = "call \(calls), \(name) at \(place(location)), "
                        + (reverts ? "completed where the scenario says it reverts" : "reverted where the scenario expects it to complete")
                    break run
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var cex: Counterexample?
        if failure != nil {
            var i = 0
            let trace = prover.traceSteps(steps, states) { _ in defer { i += 1 }; return holds[i] }
            cex = Counterexample(initialState: prover.render(states[0]), holdsInitially: true, steps: trace,
                                 ruleParams: [], lastReverted: nil, replayed: true)
        }
        return PropertyResult(spec: prover.specPath, model: model.name, property: scenario.name, kind: "scenario",
                              line: scenario.location.line, column: scenario.location.column, source: scenario.sourceText,
                              status: failure == nil ? .proved : .violated,
                              method: "scenario (\(calls) call\(calls == 1 ? "" : "s"), \(expects) expectation\(expects == 1 ? "" : "s"), concrete run)",
                              reason: failure, counterexample: cex, solver: Prover.solverName, seconds: seconds, queries: [])
    }
}
