import TitanIR
import TitanSemantics
import TitanSMT

/// Bounded model checking of one invariant: is a violation reachable from the initial state in
/// 1, 2, ... `depth` steps?
///
/// One query is unrolled a step at a time, and each depth's failure is asserted under a goal
/// literal of its own, so the transitions are built once for every depth. Each depth is still a
/// query of its own for the cache, certificates and the report: its text is every transition up
/// to it with its goal asserted. It is solved by a fresh solver over those terms, or, with
/// `ProverOptions.incrementalBMC`, by the one solver under the goal as an assumption, which keeps
/// what it learned at one depth for the next (Reports/bench/bmc.md compares them).
///
/// Only the actions in the invariant's cone of influence take steps (`ConeOfInfluence.actionsNeeded`).
struct BoundedModelCheck {
    let prover: Prover
    let cone: ConeOfInfluence

    enum Outcome {
        /// A violation, replayed by the interpreter (or the result of a replay that failed).
        case violated(PropertyResult)
        /// No violation within the bound; `undecided` lists the depths the solver could not decide.
        case none(undecided: [String])
    }

    /// One solver unrolled from the initial state, a step at a time, over some actions. Each
    /// level's failures are asserted under goal literals of their own, in a fixed order, so the
    /// text of a check depends on its depth alone, not on which shallower depths the cache
    /// answered before.
    private final class Unrolling {
        /// Made at the first depth the cache does not answer: a run answered whole from the
        /// cache builds nothing.
        lazy var q = Query(model: model, timeoutMilliseconds: timeoutMilliseconds)
        let model: Model
        let timeoutMilliseconds: Int
        let among: [Int]
        let failures: (Query, Int, State<Term>) -> [Term]
        var states: [State<Term>] = []
        var goals: [[Term]] = []

        init(_ prover: Prover, among: [Int], failures: @escaping (Query, Int, State<Term>) -> [Term]) {
            model = prover.model
            timeoutMilliseconds = Int(prover.options.timeoutSeconds * 1000)
            self.among = among
            self.failures = failures
        }

        /// The goals of the failures after `level` steps, one per failure, to check under.
        func goals(at level: Int) -> [Term] {
            while goals.count <= level {
                let l = goals.count
                let s = l == 0 ? q.deployed() : q.transition(from: states[l - 1], step: l - 1, among: among).next
                states.append(s)
                goals.append(failures(q, l, s).enumerated().map { k, failure in
                    let goal = q.z3.constant("#goal@\(l).\(k)", q.z3.boolSort())
                    q.solver.assert(q.z3.implies(goal, failure))
                    return goal
                })
                q.assertRangeFacts()
            }
            return goals[level]
        }
    }

    /// Searches each invariant of `invariants` to the bound, one per job (or in order, stopping
    /// at the first refutation, when the run stops at the first failure). Violations go into
    /// `out`; returns, for the others, the depths the solver could not decide.
    func search(_ invariants: [Property], records: inout [String: [QueryRecord]], into out: inout [String: PropertyResult]) -> [String: [String]] {
        let known = records
        let one: (Int) -> (Outcome, [QueryRecord]) = { i in
            var recs = known[invariants[i].name] ?? []
            return (self.search(invariants[i], depth: self.prover.options.depth, records: &recs), recs)
        }
        var searched: [(Outcome, [QueryRecord])] = []
        if prover.options.stopAtFirstFailure {
            for i in invariants.indices {
                searched.append(one(i))
                if case .violated(let r) = searched.last!.0, r.failsAsRefutation { break }
            }
        } else {
            searched = prover.parallelMap(invariants.count, one)
        }
        var undecided: [String: [String]] = [:]
        for (inv, (outcome, recs)) in zip(invariants, searched) {
            records[inv.name] = recs
            switch outcome {
            case .violated(let r): out[inv.name] = r
            case .none(let why): undecided[inv.name] = why
            }
        }
        return undecided
    }

    func search(_ inv: Property, depth maxDepth: Int, records: inout [QueryRecord]) -> Outcome {
        let needed = cone.actionsNeeded(by: inv)
        let actionNames = needed.map { prover.model.actions[$0].name }.joined(separator: ",")
        var params: [String: Term] = [:]
        let unrolling = Unrolling(prover, among: needed) { q, level, s in
            if level == 0 { params = q.freshParams(inv.params, prefix: "\(inv.name)."); return [] }
            return [q.z3.not(q.exec.evaluate(inv.body, in: .init(pre: s, names: params)))]
        }
        var undecided: [String] = []
        for depth in 1...max(1, maxDepth) {
            let name = "\(inv.name).bmc.\(depth)", description = "\(inv.name): violation reachable in \(depth) steps?"
            let inputs = ["question=bmc", "invariant=\(inv.name)", "depth=\(depth)", "actions=\(actionNames)"]
            let lookup = prover.lookUp(name, inputs: inputs, needsModel: true, records: &records, bitVectors: false)
            if let early = lookup.answer, early.isUnsat { continue }
            let q = unrolling.q
            let goals = unrolling.goals(at: depth)
            var retryParams: [String: Term] = [:]
            let first = prover.settle(q, name, description, lookup: lookup, records: &records, assuming: goals,
                                      anew: !prover.options.incrementalBMC)
            let answer = prover.retryingOverBitVectors(first, name, description, inputs: inputs, needsModel: true, records: &records) { bq in
                let s = unrolled(bq, depth: depth, among: needed)
                retryParams = bq.freshParams(inv.params, prefix: "\(inv.name).")
                bq.solver.assert(bq.z3.not(bq.exec.evaluate(inv.body, in: .init(pre: s, names: retryParams))))
            }
            switch answer {
            case .unsat: continue
            // Never clean: a depth counted clean is the base of k-induction.
            case .satisfiable: undecided.append("depth \(depth): internal error: no model to read a trace from")
            case .unknown(let why): undecided.append("depth \(depth): \(why)")
            case .sat(let solved, let m):
                // A trace is scalars only (which action, its arguments), which a cached answer
                // keeps: it is read as stored, never solved again.
                let read = solved === q ? params : retryParams
                return .violated(prover.confirmInvariantViolation(inv, steps: prover.readSteps(solved, m, depth: depth),
                                                                  params: prover.read(inv.params, read, solved, m), depth: depth,
                                                                  records: records, seconds: QueryRecord.seconds(records)))
            }
        }
        return .none(undecided: undecided)
    }

    /// A rule that fails its one-step check on `actions`: is a violation reachable, a trace of
    /// 0, 1, ... `depth - 1` steps and then one of those actions?
    func search(rule: Property, on actions: [Action], everyAction: Bool, depth maxDepth: Int, records: inout [QueryRecord],
                seconds: () -> Double) -> Outcome {
        let needed = cone.actionsNeeded(by: rule, before: actions)
        let actionNames = needed.map { prover.model.actions[$0].name }.joined(separator: ",")
        // Each level's frames name their unknowns alike; only one goal holds in a check.
        var frames: [[Prover.RuleFrame]] = []
        let unrolling = Unrolling(prover, among: needed) { q, _, s in
            let level = actions.map { prover.ruleFrame(rule, $0, q, pre: s, tag: "rule") }
            frames.append(level)
            return level.map { q.z3.not(q.exec.evaluate(rule.body, in: $0.frame)) }
        }
        var undecided: [String] = []
        for depth in 0..<max(1, maxDepth) {
            for (k, action) in actions.enumerated() {
                let suffix = everyAction ? ".\(action.name)" : ""
                let name = "\(rule.name).bmc.\(depth + 1)\(suffix)", description = "\(rule.name): violation reachable after \(depth) steps?"
                let inputs = ["question=rule-bmc", "rule=\(rule.name)", "action=\(action.name)", "depth=\(depth)", "actions=\(actionNames)"]
                let lookup = prover.lookUp(name, inputs: inputs, needsModel: true, records: &records, bitVectors: false)
                if let early = lookup.answer, early.isUnsat { continue }
                let q = unrolling.q
                let goal = unrolling.goals(at: depth)[k]
                let first = prover.settle(q, name, description, lookup: lookup, records: &records, assuming: [goal],
                                          anew: !prover.options.incrementalBMC)
                var retryFrame: Prover.RuleFrame?
                let answer = prover.retryingOverBitVectors(first, name, description, inputs: inputs, needsModel: true, records: &records) { bq in
                    let f = prover.ruleFrame(rule, action, bq, pre: unrolled(bq, depth: depth, among: needed), tag: "rule")
                    retryFrame = f
                    bq.solver.assert(bq.z3.not(bq.exec.evaluate(rule.body, in: f.frame)))
                }
                switch answer {
                case .unsat: continue
                case .unknown(let why): undecided.append("depth \(depth + 1) (\(action.name)): \(why)")
                case .satisfiable: undecided.append("depth \(depth + 1) (\(action.name)): internal error: no model to read a trace from")
                case .sat(let solved, let m):
                    let frame = solved === q ? frames[depth][k] : retryFrame ?? frames[depth][k]
                    return .violated(prover.confirmRuleViolation(rule, action: action, q: solved, m: m, frame: frame, depth: depth,
                                                                 records: records, seconds: seconds()))
                }
            }
        }
        return .none(undecided: undecided)
    }

    /// The state after `depth` steps from the deployment, in a query of its own (the bit-vector retry).
    private func unrolled(_ q: Query, depth: Int, among needed: [Int]) -> State<Term> {
        var s = q.deployed()
        for i in 0..<depth { s = q.transition(from: s, step: i, among: needed).next }
        return s
    }
}
