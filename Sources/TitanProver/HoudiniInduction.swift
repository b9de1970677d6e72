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
        let invariants = prover.model.invariants
        var records: [String: [QueryRecord]] = [:]
        var out: [String: PropertyResult] = [:]
        func seconds(_ recs: [QueryRecord]) -> Double { recs.reduce(0) { $0 + $1.seconds } }

        // Base case: the initial state satisfies the invariant.
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
                                                                records: recs, seconds: seconds(recs))), recs)
            case .unknown(let why):
                return (.settled(prover.result(inv, .unknown, method: "base case", reason: "the solver could not decide the base case: \(why)",
                                             seconds: seconds(recs), queries: recs)), recs)
            case .satisfiable:
                return (.settled(prover.result(inv, .error, method: "base case", reason: "internal error: no model to read a violation from",
                                             seconds: seconds(recs), queries: recs)), recs)
            }
        }
        var candidates: [Property] = []
        for (inv, (base, recs)) in zip(invariants, bases) {
            records[inv.name] = recs
            switch base {
            case .holds: candidates.append(inv)
            case .settled(let r): out[inv.name] = r
            }
        }

        // Inductive step, Houdini-style: drop candidates that are not preserved assuming all
        // remaining candidates, until the set is stable; what remains is jointly inductive.
        // Each round's queries are independent and solve in parallel.
        var failures: [String: [String]] = [:]
        var ctis: [String: CounterexampleToInduction] = [:]
        var ctiSteps: [Step] = []
        var ctiGoals: [SimulationSearch.Goal] = []
        var changed = true
        let cone = ConeOfInfluence(model: prover.model)
        while changed {
            let assumed = candidates
            // An action that writes nothing the invariant reads preserves it: no query.
            let pairs = assumed.flatMap { inv in prover.model.actions.filter { cone.mayChange(inv, by: $0) }.map { (inv, $0) } }
            let steps: [(String?, [QueryRecord], (CounterexampleToInduction, Step, SimulationSearch.Goal)?)] = prover.parallelMap(pairs.count) { i in
                let (inv, action) = pairs[i]
                var recs: [QueryRecord] = []
                var terms: (pre: State<Term>, post: State<Term>, args: [String: Term], params: [String: Term])?
                func step(assuming invariants: [Property], _ suffix: String, _ note: String, needsModel: Bool) -> Prover.Answer {
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
                var answer = step(assuming: relevant, "", "", needsModel: relevant.count == assumed.count)
                if relevant.count < assumed.count, !answer.isUnsat {
                    answer = step(assuming: assumed, ".all", ", assuming every candidate invariant", needsModel: true)
                }
                switch answer {
                case .unsat: return (nil, recs, nil)
                case .sat(let q, let cached):
                    let m = prover.solverModel(q, cached)
                    let cti = terms.flatMap { t in
                        prover.counterexampleToInduction(inv, action, q, m, pre: t.pre, post: t.post, args: t.args, params: t.params,
                                                       assumed: assumed.map(\.name).filter { $0 != inv.name })
                    }
                    return ("not preserved by \(action.name)", recs, cti)
                case .satisfiable: return ("not preserved by \(action.name)", recs, nil)
                case .unknown(let why): return ("solver could not decide the step for \(action.name): \(why)", recs, nil)
                }
            }
            for ((inv, _), (failure, recs, cti)) in zip(pairs, steps) {
                records[inv.name, default: []] += recs
                if let failure { failures[inv.name, default: []].append(failure) }
                if let cti, ctis[inv.name] == nil { ctis[inv.name] = cti.0; ctiSteps.append(cti.1); ctiGoals.append(cti.2) }
            }
            candidates.removeAll { failures[$0.name] != nil }
            changed = candidates.count != assumed.count && !candidates.isEmpty
            if changed {
                // Re-check survivors under the smaller assumption set; drop their stale records.
                for c in candidates { records[c.name] = records[c.name].map { Array($0.prefix(1)) } }
            }
        }
        for inv in candidates {
            let others = candidates.filter { $0.name != inv.name }.map(\.name)
            let method = others.isEmpty ? "induction"
                : others.count <= 2 ? "induction (jointly with \(others.joined(separator: ", ")))"
                : "induction (jointly with \(others.count) other invariants)"
            let recs = records[inv.name] ?? []
            out[inv.name] = prover.result(inv, .proved, method: method, seconds: seconds(recs), queries: recs)
        }

        return Outcome(proved: candidates, results: out, records: records, failures: failures, ctis: ctis, ctiSteps: ctiSteps,
                       goals: ctiGoals)
    }
}
