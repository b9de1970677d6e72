import TitanTestSupport
/// The oracle's side of the comparison: the reachable states (breadth first, every action
/// with every argument value, through the prover's depth and on to a fixpoint when the state
/// cap allows), each property decided over them, and the replay of a counterexample the
/// prover reports.

/// One action with its argument values.
struct OStep: CustomStringConvertible {
    var action: String
    var args: [OValue]
    var description: String { "\(action)(\(args.map(\.description).joined(separator: ", ")))" }
}

/// Every value combination of some parameters, in a fixed order (the last parameter varies fastest).
func allValues(of params: [OParam]) -> [[OValue]] {
    var out: [[OValue]] = []
    forEachCombination(of: params) { out.append($0); return true }
    return out
}

/// Calls `body` with every value combination of `params`, in the order of `allValues(of:)`,
/// until it returns false.
func forEachCombination(of params: [OParam], _ body: ([OValue]) -> Bool) {
    let domains = params.map { $0.sort.allValues! }
    var digits = Array(repeating: 0, count: params.count)
    var values = domains.map { $0[0] }
    while true {
        guard body(values) else { return }
        var i = params.count - 1
        while i >= 0 {
            digits[i] += 1
            if digits[i] < domains[i].count { values[i] = domains[i][digits[i]]; break }
            digits[i] = 0
            values[i] = domains[i][0]
            i -= 1
        }
        if i < 0 { return }
    }
}

/// The states reachable from the initial state, breadth first: every state within the
/// prover's bound, then on to a fixpoint (every reachable state) unless the cap stops it.
struct OExploration {
    var states: [[OValue]] = []
    /// The fewest actions that reach each state.
    var depth: [Int] = []
    /// How each state was first reached: the state before and the step (nil for the initial state).
    var parent: [(Int, OStep)?] = []
    /// The prover's bound.
    var bound: Int
    /// Whether every state within `bound` actions was found.
    var completeToBound = false
    /// Whether every reachable state was found (no new state after some depth).
    var closed = false
    /// Per action: whether it completed (did not revert) from some expanded state.
    var completes: [String: Bool] = [:]
    /// Index of the first state that was not expanded (its successors were not computed).
    var expanded = 0

    /// The constructor's step that made each deployed state (by index), for models with one.
    var deployedBy: [Int: OStep] = [:]

    /// The steps from the declared state to state `i`: its deployment, if any, then the actions.
    func trace(to i: Int) -> [OStep] {
        var steps: [OStep] = []
        var at = i
        while let (before, step) = parent[at] { steps.append(step); at = before }
        if let deploy = deployedBy[at] { steps.append(deploy) }
        return steps.reversed()
    }

    init(_ model: OModel, bound: Int, stateCap: Int) {
        self.bound = bound
        var index: [[OValue]: Int] = [:]
        func add(_ s: [OValue], depth d: Int, parent p: (Int, OStep)?) -> Bool {
            if index[s] != nil { return true }
            guard states.count < stateCap else { return false }
            index[s] = states.count
            states.append(s)
            depth.append(d)
            parent.append(p)
            return true
        }
        // Every deployment's state is a start, at depth 0: the prover's bound counts actions after it.
        for (step, state) in model.deployments where index[state] == nil {
            if let step { deployedBy[states.count] = step }
            _ = add(state, depth: 0, parent: nil)
        }
        let argumentValues = model.actions.map { allValues(of: $0.params) }
        for a in model.actions { completes[a.name] = false }
        var frontier = 0..<states.count
        var d = 0
        search: while !frontier.isEmpty {
            for i in frontier {
                for (a, action) in model.actions.enumerated() {
                    for args in argumentValues[a] {
                        guard let next = model.execute(action, args: args, from: states[i]) else { continue }
                        completes[action.name] = true
                        if !add(next, depth: d + 1, parent: (i, OStep(action: action.name, args: args))) { break search }
                    }
                }
                expanded = i + 1
            }
            d += 1
            if d == bound { completeToBound = true }
            frontier = frontier.upperBound..<states.count
        }
        if frontier.isEmpty {
            closed = true
            completeToBound = true
        }
    }
}

/// Where the oracle saw a property fail: one of the shallowest violations.
struct OViolation: CustomStringConvertible {
    /// Steps to the violating state (invariants) or to the rule's pre-state, then the rule's step.
    var steps: [OStep]
    /// The property's own parameter values.
    var params: [OValue]
    /// How many actions the prover needs to see it: the state's depth, plus one for a rule's action.
    var depth: Int

    var description: String {
        let trace = steps.isEmpty ? "no steps" : steps.map(\.description).joined(separator: "; ")
        return "\(trace)" + (params.isEmpty ? "" : " with parameters (\(params.map(\.description).joined(separator: ", ")))")
    }
}

/// The oracle's verdict on one property.
struct OVerdict {
    /// The first violation found, at the smallest depth (nil: none where the oracle looked).
    var violation: OViolation?
    /// No violation needs this many actions or fewer, unless it is `violation` (`Int.max`:
    /// every explored state was examined; lemmas: every parameter value).
    var examinedDepth = Int.max
}

extension OModel {
    /// Decides properties over the explored states, in breadth-first order, so a violation found
    /// is one of the shallowest. Rules share each execution of their action. `budget` bounds the
    /// evaluations (and executions); the states it leaves out are reported as not examined.
    /// Lemmas try every value of their parameters.
    func verdicts(_ properties: [OProperty], in x: OExploration, budget: Int) -> [OVerdict] {
        var out = properties.map { _ in OVerdict(violation: nil) }
        // Lemmas may have 65536 parameter pairs: those are tried one at a time, not listed.
        let paramValues = properties.map { $0.isLemma ? [] : allValues(of: $0.params) }
        let initial = initialState
        for (p, property) in properties.enumerated() where property.isLemma {
            forEachCombination(of: property.params) { values in
                guard !holds(property, in: initial, params: values) else { return true }
                out[p].violation = OViolation(steps: [], params: values, depth: 0)
                return false
            }
        }
        let invariants = properties.indices.filter { if case .invariant = properties[$0].kind { return true } else { return false } }
        let rulesByAction: [[Int]] = actions.map { action in
            properties.indices.filter {
                guard case .rule(let name, _) = properties[$0].kind else { return false }
                return name == nil || name == action.name
            }
        }
        let argumentValues = actions.map { allValues(of: $0.params) }
        var spent = 0
        for (i, s) in x.states.enumerated() {
            if spent > budget {
                // States are in breadth-first order: those before this one cover every shallower depth.
                for p in properties.indices where !properties[p].isLemma {
                    out[p].examinedDepth = x.depth[i] - (properties[p].isRule ? 0 : 1)
                }
                break
            }
            for p in invariants where out[p].violation == nil {
                spent += paramValues[p].count
                if let values = paramValues[p].first(where: { !holds(properties[p], in: s, params: $0) }) {
                    out[p].violation = OViolation(steps: x.trace(to: i), params: values, depth: x.depth[i])
                }
            }
            for (a, action) in actions.enumerated() {
                let open = rulesByAction[a].filter { out[$0].violation == nil }
                if open.isEmpty { continue }
                for args in argumentValues[a] {
                    let post = execute(action, args: args, from: s)
                    spent += 1
                    for p in open where out[p].violation == nil {
                        spent += paramValues[p].count
                        if let values = paramValues[p].first(where: { !ruleHolds(properties[p], pre: s, post: post, args: args, params: $0) }) {
                            out[p].violation = OViolation(steps: x.trace(to: i) + [OStep(action: action.name, args: args)],
                                                          params: values, depth: x.depth[i] + 1)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Whether the rule's action (every action for `on any`) completes from some explored state.
    func ruleActionCompletes(_ p: OProperty, in x: OExploration) -> Bool {
        guard case .rule(let name, _) = p.kind else { return false }
        let actions = name.map { [action($0)!] } ?? actions
        // The search already ran every action from the states it expanded; the others are tried here.
        if actions.contains(where: { x.completes[$0.name] == true }) { return true }
        for s in x.states[x.expanded...] {
            for action in actions {
                for args in allValues(of: action.params) where execute(action, args: args, from: s) != nil { return true }
            }
        }
        return false
    }
}

extension OModel {
    /// The premise of `P ==> Q` (of `P ==> (R ==> Q)`: `P && R`), as the tool reads it; nil without one.
    static func premise(_ e: OExpr) -> OExpr? {
        guard case .logic(.implies, let p, let rest) = e else { return nil }
        return premise(rest).map { .logic(.and, p, $0) } ?? p
    }

    /// Whether the premise of `p` holds somewhere the oracle looks: in an explored state with some
    /// parameter values, for a rule after some execution of its action; for a lemma, for some values.
    func premiseHolds(_ p: OProperty, in x: OExploration) -> Bool {
        guard let premise = OModel.premise(p.body) else { return false }
        var property = p
        property.body = premise
        var found = false
        switch p.kind {
        case .lemma:
            let initial = initialState
            forEachCombination(of: p.params) { values in
                found = holds(property, in: initial, params: values)
                return !found
            }
        case .invariant:
            for s in x.states where !found {
                forEachCombination(of: p.params) { values in
                    found = holds(property, in: s, params: values)
                    return !found
                }
            }
        case .rule(let name, _):
            let actions = name.map { [action($0)!] } ?? actions
            for s in x.states where !found {
                for action in actions where !found {
                    for args in allValues(of: action.params) where !found {
                        let post = execute(action, args: args, from: s)
                        forEachCombination(of: p.params) { values in
                            found = ruleHolds(property, pre: s, post: post, args: args, params: values)
                            return !found
                        }
                    }
                }
            }
        }
        return found
    }

    /// Whether some explored state and argument values make the action reach the `require` at
    /// `site` and pass it.
    func requirePasses(_ site: ORequireSite, in x: OExploration) -> Bool {
        let action = actions[site.action]
        let argumentValues = allValues(of: action.params)
        return x.states.contains { s in argumentValues.contains { reachesAndPasses(action, path: site.path, args: $0, from: s) } }
    }
}

/// A counterexample as the prover reports it, read back into the oracle's values.
struct OReportedTrace {
    var steps: [OStep]
    var params: [OValue]
    var lastReverted: Bool?
    /// Per step, whether the report says the property holds after it.
    var holdsAfter: [Bool]
    var holdsInitially: Bool
}

extension OModel {
    /// Replays a reported counterexample and says why it does not confirm the violation,
    /// or nil when it does: every step completes (a rule's last step may revert), and the
    /// property fails at the end with the reported parameter values.
    func refutation(of trace: OReportedTrace, for p: OProperty) -> String? {
        var state = initialState
        switch p.kind {
        case .lemma:
            guard trace.steps.isEmpty else { return "a lemma's counterexample has steps" }
            return holds(p, in: state, params: trace.params) ? "the lemma holds for \(trace.params)" : nil
        case .invariant:
            if trace.holdsInitially != holds(p, in: state, params: trace.params) {
                return "the report says the invariant \(trace.holdsInitially ? "holds" : "fails") initially; the oracle disagrees"
            }
            for (i, step) in trace.steps.enumerated() {
                guard let a = action(step.action), let next = execute(a, args: step.args, from: state) else {
                    return "step \(i + 1), \(step), reverts or names no action"
                }
                state = next
                if trace.holdsAfter[i] != holds(p, in: state, params: trace.params) {
                    return "after step \(i + 1) the report says the invariant \(trace.holdsAfter[i] ? "holds" : "fails"); the oracle disagrees"
                }
            }
            return holds(p, in: state, params: trace.params) ? "the invariant holds at the end of the trace" : nil
        case .rule(let name, _):
            guard let last = trace.steps.last else { return "a rule's counterexample has no steps" }
            if let name, last.action != name { return "the last step is \(last.action), not the rule's action \(name)" }
            for (i, step) in trace.steps.dropLast().enumerated() {
                guard let a = action(step.action), let next = execute(a, args: step.args, from: state) else {
                    return "step \(i + 1), \(step), reverts or names no action"
                }
                state = next
            }
            guard let a = action(last.action) else { return "no action \(last.action)" }
            let post = execute(a, args: last.args, from: state)
            if let reported = trace.lastReverted, reported != (post == nil) {
                return "the report says the last step \(reported ? "reverts" : "completes"); the oracle disagrees"
            }
            return ruleHolds(p, pre: state, post: post, args: last.args, params: trace.params)
                ? "the rule holds for the last step" : nil
        }
    }
}
