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

    /// The one-step check from the proved invariants, then bounded model checking.
    func checkRule(_ rule: Property, assuming invariants: [Property]) -> RuleOutcome {
        let start = clock()
        guard case .rule(let actionName, _) = rule.kind else {
            return .settled(result(rule, .error, method: "rule", reason: "internal error: not a rule", seconds: 0, queries: []))
        }
        let actions = actionName.map { name in model.actions.filter { $0.name == name } } ?? model.actions
        if let p = (actions.flatMap(\.params) + rule.params).first(where: { $0.sort.isMap }) {
            return .settled(result(rule, .error, method: "rule", reason: "parameter '\(p.name)' has a map type, which rules cannot quantify over",
                                   seconds: 0, queries: []))
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
        if failing.isEmpty { return .settled(result(rule, .proved, method: method, seconds: since(start), queries: recs)) }

        // Look for a reachable violation: a trace of `depth` actions, then the rule's action.
        let bmc = BoundedModelCheck(prover: self, cone: cone)
        switch bmc.search(rule: rule, on: failing, everyAction: actionName == nil, depth: options.depth, records: &recs, seconds: { self.since(start) }) {
        case .violated(let r): return .settled(r)
        case .none(let unknowns):
            var reason = reasons.joined(separator: "; ")
            if !unknowns.isEmpty { reason += "; undecided at \(unknowns.joined(separator: ", "))" }
            var open = result(rule, .unknown, method: "bmc depth \(options.depth)",
                              reason: "\(reason); no violation reachable within \(options.depth) steps",
                              seconds: since(start), queries: recs)
            open.counterexampleToInduction = cti
            return .open(OpenRule(rule: rule, actions: failing, result: open))
        }
    }

    /// A rule the solver left open: it fails its one-step check on `actions`, and no violation
    /// is within the bound. Simulation may still find one deeper.
    struct OpenRule {
        var rule: Property
        var actions: [Action]
        var result: PropertyResult
    }

    enum RuleOutcome {
        case settled(PropertyResult)
        case open(OpenRule)
    }

    /// Deeper than the bound: one random simulation for all open rules together, for `seconds`.
    func simulate(_ open: [OpenRule], seconds: Double, stopAtFirst: Bool = false) -> [PropertyResult] {
        guard !open.isEmpty else { return [] }
        guard seconds > 0 else { return open.map(\.result) }
        let start = clock()
        var search = SimulationSearch(model: model, interpreter: interpreter, seconds: seconds)
        search.prefixes = Prover.scenarioPrefixes(model, interpreter)
        let found = search.search(open.map { .rule($0.rule, actions: $0.actions) }, stopAtFirst: stopAtFirst)
        let elapsed = since(start)
        // Counted under simulation rather than rules (it is taken out of the rules' phase).
        phases.add("simulation", elapsed)
        phases.add("rules", -elapsed)
        return open.map { o in
            if let v = found[o.rule.name], let last = v.steps.last, let action = model.action(last.action) {
                var r = confirmRuleViolation(o.rule, action: action, prefix: Array(v.steps.dropLast()), args: last.args, params: v.params,
                                             depth: v.steps.count - 1, records: o.result.queries, seconds: o.result.seconds + elapsed)
                if r.status == .violated { r.method = "simulation (\(v.steps.count) steps after shrinking, walk \(v.walks))" }
                return r
            }
            var r = o.result
            r.reason = (r.reason ?? "") + "; no violation found by random simulation (\(String(format: "%.2g", seconds)) s, shared by \(open.count) open rule\(open.count == 1 ? "" : "s"))"
            r.seconds += elapsed
            return r
        }
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
            try interpreter.checkArguments(last)
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
