import BigInt
import Crypto
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// Rules: the one-step check from the proved invariants, its counterexample to induction, and the
/// bounded and simulated search for a violation.
extension Prover {
    /// The unknowns of one rule check on one action: the action's arguments (named as the rule
    /// names them) and the rule's own parameters.
    struct RuleFrame {
        var frame: Executor<SymbolicDomain>.Frame
        var args: [String: Term]
        var params: [String: Term]
    }

    func ruleFrame(_ rule: Property, _ action: Action, _ q: Query, pre: State<Term>, tag: String) -> RuleFrame {
        let args = q.freshArgs(action, tag: tag)
        let run = q.exec.run(action, args: args, from: pre)
        var names = rule.frameNames(for: action, args: args, result: run.result)
        let params = q.freshParams(rule.params, prefix: "\(rule.name).")
        names.merge(params) { a, _ in a }
        return RuleFrame(frame: .init(pre: pre, post: run.state, names: names, reverted: q.z3.not(run.ok)), args: args, params: params)
    }

    func verifyRule(_ rule: Property, assuming invariants: [Property]) -> PropertyResult {
        let start = clock()
        guard case .rule(let actionName, _) = rule.kind else {
            return result(rule, .error, method: "rule", reason: "internal error: not a rule", seconds: 0, queries: [])
        }
        let actions = actionName.map { name in model.actions.filter { $0.name == name } } ?? model.actions
        if let p = (actions.flatMap(\.params) + rule.params).first(where: { $0.sort.isMap }) {
            return result(rule, .error, method: "rule", reason: "parameter '\(p.name)' has a map type, which rules cannot quantify over",
                          seconds: 0, queries: [])
        }
        var recs: [QueryRecord] = []
        let assumed = invariants.map(\.name)
        let scope = actionName == nil ? "rule over every action" : "rule"
        let method = assumed.isEmpty ? scope
            : assumed.count <= 2 ? "\(scope) (assuming invariants \(assumed.joined(separator: ", ")))"
            : "\(scope) (assuming \(assumed.count) proved invariants)"

        var failing: [Action] = []
        var reasons: [String] = []
        // The first failing one-step check, read as a counterexample to induction.
        var cti: CounterexampleToInduction?
        let cone = ConeOfInfluence(model: model)
        for action in actions {
            let name = actionName == nil ? "\(rule.name).rule.\(action.name)" : "\(rule.name).rule"
            var terms: (pre: State<Term>, frame: RuleFrame)?
            func check(assuming assumed: [Property], _ suffix: String, _ note: String) -> Answer {
                solve(name + suffix, "\(rule.name): rule on \(action.name) from any state satisfying the proved invariants\(note)",
                      inputs: ["question=rule", "rule=\(rule.name)", "action=\(action.name)", "assumed=\(Prover.names(assumed))",
                               "lemmas=\(Prover.names(self.hints(for: rule)))"], needsModel: cti == nil, records: &recs) { q in
                    let pre = q.freshState("0")
                    let f = ruleFrame(rule, action, q, pre: pre, tag: "0")
                    terms = (pre, f)
                    q.solver.assert(q.z3.not(q.exec.evaluate(rule.body, in: f.frame)))
                    q.assume(assumed, in: pre)
                    q.assumeLemmas(self.hints(for: rule), states: [pre, f.frame.post ?? pre])
                    q.assumeSumBounds(pre)
                }
            }
            let relevant = cone.assumptions(for: rule, action: action, among: invariants)
            var answer = check(assuming: relevant, "", "")
            var used = relevant
            if relevant.count < invariants.count, !answer.isUnsat {
                answer = check(assuming: invariants, ".all", ", every one assumed")
                used = invariants
            }
            switch answer {
            case .unsat: break
            case .sat(let q, let cached):
                failing.append(action)
                reasons.append("fails for \(action.name) from some state satisfying the invariants")
                if cti == nil, let t = terms {
                    cti = counterexampleToInduction(rule, action, q, solverModel(q, cached), pre: t.pre, post: t.frame.frame.post ?? t.pre,
                                                    args: t.frame.args, params: t.frame.params, assumed: used.map(\.name))?.0
                }
            case .satisfiable:
                failing.append(action)
                reasons.append("fails for \(action.name) from some state satisfying the invariants")
            case .unknown(let why):
                failing.append(action)
                reasons.append("the solver could not decide the rule for \(action.name): \(why)")
            }
        }
        if failing.isEmpty { return result(rule, .proved, method: method, seconds: since(start), queries: recs) }

        // Look for a reachable violation: a trace of `depth` actions, then the rule's action.
        var unknowns: [String] = []
        for depth in 0..<max(1, options.depth) {
            for action in failing {
                let suffix = actionName == nil ? ".\(action.name)" : ""
                var frame: RuleFrame?
                let answer = solve("\(rule.name).bmc.\(depth + 1)\(suffix)", "\(rule.name): violation reachable after \(depth) steps?",
                                   inputs: ["question=rule-bmc", "rule=\(rule.name)", "action=\(action.name)", "depth=\(depth)"], records: &recs) { q in
                    var s = q.deployed()
                    for i in 0..<depth { s = q.transition(from: s, step: i).next }
                    let f = ruleFrame(rule, action, q, pre: s, tag: "rule")
                    frame = f
                    q.solver.assert(q.z3.not(q.exec.evaluate(rule.body, in: f.frame)))
                }
                switch answer {
                case .unsat: continue
                case .unknown(let why): unknowns.append("depth \(depth + 1) (\(action.name)): \(why)")
                case .satisfiable: unknowns.append("depth \(depth + 1) (\(action.name)): internal error: no model to read a trace from")
                case .sat(let q, let cached):
                    let m = self.solverModel(q, cached)
                    return confirmRuleViolation(rule, action: action, q: q, m: m, frame: frame!, depth: depth,
                                                records: recs, seconds: since(start))
                }
            }
        }
        var reason = reasons.joined(separator: "; ")
        if !unknowns.isEmpty { reason += "; undecided at \(unknowns.joined(separator: ", "))" }
        // Deeper than the bound: random simulation from the initial state.
        if options.simulationSeconds > 0 {
            // The model's budget is shared by its rules (at least half a second each), so a run
            // where many rules are open, e.g. every query timing out, stays bounded.
            let rules = max(1, model.properties.filter { if case .rule = $0.kind { return true }; return false }.count)
            let seconds = max(min(options.simulationSeconds, 0.5), options.simulationSeconds / Double(rules))
            var search = SimulationSearch(model: model, interpreter: interpreter, seconds: seconds)
            search.prefixes = Prover.scenarioPrefixes(model, interpreter)
            if let v = search.search([.rule(rule, actions: failing)])[rule.name], let last = v.steps.last,
               let action = model.action(last.action) {
                var r = confirmRuleViolation(rule, action: action, prefix: Array(v.steps.dropLast()), args: last.args, params: v.params,
                                             depth: v.steps.count - 1, records: recs, seconds: since(start))
                if r.status == .violated { r.method = "simulation (\(v.steps.count) steps after shrinking, walk \(v.walks))" }
                return r
            }
            reason += "; no violation found by random simulation (\(String(format: "%g", seconds)) s)"
        }
        var open = result(rule, .unknown, method: "bmc depth \(options.depth)",
                          reason: "\(reason); no violation reachable within \(options.depth) steps",
                          seconds: since(start), queries: recs)
        open.counterexampleToInduction = cti
        return open
    }

    func confirmRuleViolation(_ rule: Property, action: Action, q: Query, m: ModelValues, frame: RuleFrame, depth: Int,
                              records: [QueryRecord], seconds: Double) -> PropertyResult {
        let method = "bmc depth \(depth + 1)"
        func fail(_ why: String) -> PropertyResult {
            result(rule, .error, method: method, reason: "internal error: the solver's counterexample did not replay: \(why)",
                   seconds: seconds, queries: records)
        }
        guard let prefix = readSteps(q, m, depth: depth),
              let args = read(action.params, frame.args, q, m),
              let params = read(rule.params, frame.params, q, m) else { return fail("unreadable model") }
        return confirmRuleViolation(rule, action: action, prefix: prefix, args: args, params: params, depth: depth,
                                    records: records, seconds: seconds)
    }

    /// Replays a rule's trace concretely: the prefix completes, then the rule's action (which may
    /// revert) must falsify the rule.
    func confirmRuleViolation(_ rule: Property, action: Action, prefix: [Step], args: [String: Value], params: [String: Value],
                              depth: Int, records: [QueryRecord], seconds: Double) -> PropertyResult {
        let method = "bmc depth \(depth + 1)"
        func fail(_ why: String) -> PropertyResult {
            result(rule, .error, method: method, reason: "internal error: the counterexample did not replay: \(why)",
                   seconds: seconds, queries: records)
        }
        // Minimized like an invariant's trace, when the solver's trace replays and violates.
        let small = minimized(.rule(rule, actions: [action]), steps: prefix + [Step(action: action.name, args: args)], params: params)
        var prefix = prefix, args = args, params = params
        if let last = small.steps.last, last.action == action.name {
            prefix = Array(small.steps.dropLast()); args = last.args; params = small.params
        }
        do {
            var states = try interpreter.replay(prefix, from: interpreter.initialState())
            let last = Step(action: action.name, args: args)
            let out = try interpreter.step(last, from: states.last!)
            let names = rule.frameNames(for: action, args: args, result: out.result).merging(params) { a, _ in a }
            let concrete = Executor<ConcreteDomain>.Frame(pre: states.last!, post: out.state, names: names, reverted: .bool(!out.ok.asBool))
            guard !interpreter.executor.evaluate(rule.body, in: concrete).asBool else {
                return fail("the interpreter sees the rule hold")
            }
            states.append(out.state)
            var steps = traceSteps(prefix + [last], states) { _ in true }
            steps[steps.count - 1].propertyHolds = false
            let cex = Counterexample(initialState: render(states[0]), holdsInitially: true, steps: steps,
                                     ruleParams: rendered(rule.params, params), lastReverted: !out.ok.asBool, replayed: true)
            return result(rule, .violated, method: method, cex: cex, seconds: seconds, queries: records)
        } catch {
            return fail("\(error)")
        }
    }
}
