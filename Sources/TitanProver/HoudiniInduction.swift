import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// The base case and the inductive step of a model's invariants, Houdini-style: the invariants
/// that hold initially are candidates, and a candidate that some action does not preserve,
/// assuming all remaining candidates, is dropped until the set is stable. What remains is
/// jointly inductive, so proved. The first failing step of each dropped invariant is kept as its
/// counterexample to induction.
struct HoudiniInduction {
    let prover: Prover

    struct Outcome {
        /// The jointly inductive invariants.
        var proved: [Property] = []
        /// Each invariant settled here: proved, or failed (or undecided) in the base case.
        var results: [String: PropertyResult] = [:]
        /// The queries asked of each invariant so far.
        var records: [String: [QueryRecord]] = [:]
        /// Why each dropped invariant is not inductive, one reason per failing action.
        var failures: [String: [String]] = [:]
        var ctis: [String: CounterexampleToInduction] = [:]
        /// The failing steps of the counterexamples to induction, and their pre-states as goals
        /// for the simulation past the bound.
        var ctiSteps: [Step] = []
        var goals: [SimulationSearch.Goal] = []
    }

    func run() -> Outcome {
        var outcome = Outcome()
        var candidates = baseCases(into: &outcome)

        // Inductive step, Houdini-style: drop candidates that are not preserved assuming all
        // remaining candidates, until the set is stable; what remains is jointly inductive.
        // Each round's queries are independent and solve in parallel.
        var changed = true
        let cone = ConeOfInfluence(model: prover.model)
        while changed {
            let assumed = candidates
            // An action that writes nothing the invariant reads preserves it: no query.
            let pairs = assumed.flatMap { inv in prover.model.actions.filter { cone.mayChange(inv, by: $0) }.map { (inv, $0) } }
            let steps = prover.parallelMap(pairs.count) { i in step(pairs[i].0, pairs[i].1, assuming: assumed, cone: cone) }
            for ((inv, _), step) in zip(pairs, steps) {
                outcome.records[inv.name, default: []] += step.records
                if let failure = step.failure { outcome.failures[inv.name, default: []].append(failure) }
                if let cti = step.cti, outcome.ctis[inv.name] == nil {
                    outcome.ctis[inv.name] = cti.0; outcome.ctiSteps.append(cti.1); outcome.goals.append(cti.2)
                }
            }
            candidates.removeAll { outcome.failures[$0.name] != nil }
            changed = candidates.count != assumed.count && !candidates.isEmpty
            if changed {
                // Re-check survivors under the smaller assumption set; drop their stale records.
                for c in candidates { outcome.records[c.name] = outcome.records[c.name].map { Array($0.prefix(1)) } }
            }
        }
        for inv in candidates {
            let others = candidates.filter { $0.name != inv.name }.map(\.name)
            let method = others.isEmpty ? "induction"
                : others.count <= 2 ? "induction (jointly with \(others.joined(separator: ", ")))"
                : "induction (jointly with \(others.count) other invariants)"
            let recs = outcome.records[inv.name] ?? []
            outcome.results[inv.name] = prover.result(inv, .proved, method: method, seconds: QueryRecord.seconds(recs), queries: recs)
        }
        outcome.proved = candidates
        return outcome
    }

    /// Base case: the initial state satisfies the invariant. Returns the invariants for which it
    /// holds; the others are settled in `outcome` (refuted by a replayed violation, or unknown).
    private func baseCases(into outcome: inout Outcome) -> [Property] {
        let invariants = prover.model.invariants
        enum Base { case holds, settled(PropertyResult) }
        let bases: [(Base, [QueryRecord])] = prover.parallelMap(invariants.count) { i in
            let inv = invariants[i]
            var recs: [QueryRecord] = []
            var params: [String: Term] = [:]
            let answer = prover.solve("\(inv.name).base", "\(inv.name): base case (initial state)",
                                    inputs: ["question=base", "invariant=\(inv.name)"], records: &recs) { q in
                params = q.freshParams(inv.params, prefix: "\(inv.name).")
                let s0 = q.deployed()
                q.solver.assert(q.z3.not(q.exec.evaluate(inv.body, in: .init(pre: s0, names: params))))
            }
            switch answer {
            case .unsat: return (.holds, recs)
            case .sat(let q, let cached):
                let m = prover.solverModel(q, cached)
                return (.settled(prover.confirmInvariantViolation(inv, steps: prover.readSteps(q, m, depth: 0),
                                                                params: prover.read(inv.params, params, q, m), depth: 0,
                                                                records: recs, seconds: QueryRecord.seconds(recs))), recs)
            case .unknown(let why):
                return (.settled(prover.result(inv, .unknown, method: "base case", reason: "the solver could not decide the base case: \(why)",
                                             seconds: QueryRecord.seconds(recs), queries: recs)), recs)
            case .satisfiable:
                return (.settled(prover.result(inv, .error, method: "base case", reason: "internal error: no model to read a violation from",
                                             seconds: QueryRecord.seconds(recs), queries: recs)), recs)
            }
        }
        var candidates: [Property] = []
        for (inv, (base, recs)) in zip(invariants, bases) {
            outcome.records[inv.name] = recs
            switch base {
            case .holds: candidates.append(inv)
            case .settled(let r): outcome.results[inv.name] = r
            }
        }
        return candidates
    }

    /// What one inductive step found: why it failed (nil when it holds), its queries, and its
    /// counterexample to induction with the failing step and the goal it gives the simulation.
    private struct StepResult {
        var failure: String?
        var records: [QueryRecord]
        var cti: (CounterexampleToInduction, Step, SimulationSearch.Goal)?
    }

    /// Is `inv` preserved by `action` from any state where the `assumed` candidates hold?
    private func step(_ inv: Property, _ action: Action, assuming assumed: [Property], cone: ConeOfInfluence) -> StepResult {
        var recs: [QueryRecord] = []
        var terms: (pre: State<Term>, post: State<Term>, args: [String: Term], params: [String: Term])?
        func ask(assuming invariants: [Property], _ suffix: String, _ note: String, needsModel: Bool) -> Prover.Answer {
            prover.solve("\(inv.name).step.\(action.name)\(suffix)", "\(inv.name): inductive step for action \(action.name)\(note)",
                       inputs: ["question=step", "invariant=\(inv.name)", "action=\(action.name)", "assumed=\(Prover.names(invariants))",
                                "lemmas=\(Prover.names(prover.hints(for: inv)))"], needsModel: needsModel, records: &recs) { q in
                let pre = q.freshState("0")
                let params = q.freshParams(inv.params, prefix: "\(inv.name).")
                let args = q.freshArgs(action, tag: "0")
                let run = q.exec.run(action, args: args, from: pre)
                q.solver.assert(run.ok)
                q.solver.assert(q.z3.not(q.exec.evaluate(inv.body, in: .init(pre: run.state, names: params))))
                q.assume(invariants, in: pre)
                q.assumeLemmas(prover.hints(for: inv), states: [pre, run.state])
                q.assumeSumBounds(pre)
                terms = (pre, run.state, args, params)
            }
        }
        let relevant = cone.assumptions(for: inv, action: action, among: assumed)
        // A failure under fewer assumptions is asked again with all of them: its model is never read.
        var answer = ask(assuming: relevant, "", "", needsModel: relevant.count == assumed.count)
        if relevant.count < assumed.count, !answer.isUnsat {
            answer = ask(assuming: assumed, ".all", ", assuming every candidate invariant", needsModel: true)
        }
        switch answer {
        case .unsat: return StepResult(failure: nil, records: recs, cti: nil)
        case .sat(let q, let cached):
            let m = prover.solverModel(q, cached)
            let cti = terms.flatMap { t in
                prover.counterexampleToInduction(inv, action, q, m, pre: t.pre, post: t.post, args: t.args, params: t.params,
                                               assumed: assumed.map(\.name).filter { $0 != inv.name })
            }
            return StepResult(failure: "not preserved by \(action.name)", records: recs, cti: cti)
        case .satisfiable: return StepResult(failure: "not preserved by \(action.name)", records: recs, cti: nil)
        case .unknown(let why): return StepResult(failure: "solver could not decide the step for \(action.name): \(why)", records: recs, cti: nil)
        }
    }
}
