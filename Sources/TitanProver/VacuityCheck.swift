import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// Finds proofs that hold only because nothing can happen: a rule whose action can never
/// complete, a premise (`P ==> ...`) that can never hold, a `require` that can never pass.
///
/// Each possibility is first looked for concretely, in states that random walks from the initial
/// state reach (a reachable state satisfies every true invariant, so a witness there is a
/// witness for the solver's question too). Only what no walk witnessed goes to the solver, from
/// any state satisfying the proved invariants; unsat there means it can never happen. A query the
/// solver cannot decide leaves the result as it was.
struct VacuityCheck {
    let prover: Prover
    let proved: [Property]

    /// The model with one extra action per `require`: the action cut right after it, the
    /// conditions of the branches leading to it turned into requires. It completes exactly
    /// when that `require` is reached and passes.
    struct Probe {
        var action: Action
        var original: Action
        var location: SourceLocation
        var nested: Bool
    }

    static func probes(_ model: Model) -> [Probe] {
        var out: [Probe] = []
        for action in model.actions {
            var locations: [(SourceLocation, Bool)] = []
            func collect(_ stmts: [Stmt], nested: Bool) {
                for s in stmts {
                    switch s {
                    case .require(_, let loc): locations.append((loc, nested))
                    case .ifElse(_, let t, let f): collect(t, nested: true); collect(f, nested: true)
                    default: break
                    }
                }
            }
            collect(action.body, nested: false)
            for (i, (loc, nested)) in locations.enumerated() {
                guard let body = truncated(action.body, at: loc) else { continue }
                out.append(Probe(action: Action(name: "#require.\(action.name).\(i)", params: action.params, body: body, location: loc),
                                 original: action, location: loc, nested: nested))
            }
        }
        return out
    }

    static func truncated(_ body: [Stmt], at target: SourceLocation) -> [Stmt]? {
        var out: [Stmt] = []
        for s in body {
            switch s {
            case .require(_, let loc) where loc == target:
                out.append(s)
                return out
            case .ifElse(let c, let t, let f):
                if let inner = truncated(t, at: target) { return out + [.require(c, target)] + inner }
                if let inner = truncated(f, at: target) { return out + [.require(.unary(.not, c), target)] + inner }
                out.append(s)
            default:
                out.append(s)
            }
        }
        return nil
    }

    /// The premises of a property: `P ==> Q` gives P, `P ==> (R ==> Q)` gives P && R.
    static func premise(_ e: Expr) -> Expr? {
        guard case .binary(.implies, let p, let rest, _) = e else { return nil }
        if let more = premise(rest) { return .binary(.and, p, more, arithmetic: .wrapping) }
        return p
    }

    static func readsReverted(_ e: Expr) -> Bool {
        if case .reverted = e { return true }
        return e.children.contains(where: readsReverted)
    }

    /// Marks vacuous proofs among `results` and returns them, with one `require` result per
    /// `require` that can never pass.
    func check(_ results: [PropertyResult]) -> [PropertyResult] {
        let model = prover.model
        let probes = VacuityCheck.probes(model)
        var extended = model
        extended.actions += probes.map(\.action)
        let premised = model.properties.filter { p in
            VacuityCheck.premise(p.body) != nil && results.first { $0.property == p.name }?.status == .proved
        }
        let (completes, premiseHolds) = witnesses(extended, premised: premised)

        // The solver, for what no walk witnessed: can it happen from a state satisfying the invariants?
        var solver = Questions(check: self, extended: extended)
        var neverCompletes = Set<String>()
        for action in extended.actions where !completes.contains(action.name) {
            let ok = solver.possible(action.name, action.name, question: "vacuity: action completes") { q, pre in
                q.solver.assert(q.exec.run(action, args: q.freshArgs(action, tag: "0"), from: pre).ok)
            }
            if !ok { neverCompletes.insert(action.name) }
        }

        var out = results
        for (i, r) in out.enumerated() where r.status == .proved {
            guard let p = model.properties.first(where: { $0.name == r.property }) else { continue }
            var why = VacuityCheck.neverRuns(p, model: model, neverCompletes: neverCompletes)
            if why == nil, let premise = VacuityCheck.premise(p.body), !premiseHolds.contains(p.name),
               !solver.premiseCanHold(p, premise, model: model) {
                why = "its premise can never hold" + (p.kind == .lemma ? "" : " in a state satisfying the invariants")
            }
            guard let why else { continue }
            out[i].status = .vacuous
            out[i].reason = "vacuous: \(why)"
            out[i].queries += solver.records[p.name] ?? []
        }
        return out + requireResults(probes, neverCompletes: neverCompletes, records: solver.records)
    }

    /// What random walks from the initial state witness: the actions (probes included) that
    /// complete somewhere, and the properties whose premise holds somewhere.
    func witnesses(_ extended: Model, premised: [Property]) -> (completes: Set<String>, premiseHolds: Set<String>) {
        let model = prover.model
        let interpreter = Interpreter(model: extended)
        let search = SimulationSearch(model: model, interpreter: interpreter, seconds: 0, walkLength: 16)
        var completes = Set<String>()
        var premiseHolds = Set<String>()
        search.explore(walks: 64) { state, rng, pools in
            for action in extended.actions where !completes.contains(action.name) {
                let args = search.arguments(action, after: state, pools, &rng)
                if let out = try? interpreter.step(Step(action: action.name, args: args), from: state), out.ok.asBool {
                    completes.insert(action.name)
                }
            }
            for p in premised where !premiseHolds.contains(p.name) {
                guard let premise = VacuityCheck.premise(p.body) else { continue }
                var names = search.arguments(p.params, pools, &rng)
                var frame = Executor<ConcreteDomain>.Frame(pre: state, names: names)
                if case .rule(let actionName, _) = p.kind {
                    guard let action = actionName.flatMap(model.action) ?? model.actions.randomElement(using: &rng) else { continue }
                    let args = search.arguments(action, after: state, pools, &rng)
                    guard let out = try? interpreter.step(Step(action: action.name, args: args), from: state) else { continue }
                    names.merge(p.frameNames(for: action, args: args, result: out.result)) { _, b in b }
                    frame = .init(pre: state, post: out.state, names: names, reverted: .bool(!out.ok.asBool))
                }
                if interpreter.executor.evaluate(premise, in: frame).asBool { premiseHolds.insert(p.name) }
            }
        }
        return (completes, premiseHolds)
    }

    /// Why a rule that does not read `reverted` is vacuous when none of its actions can complete.
    static func neverRuns(_ p: Property, model: Model, neverCompletes: Set<String>) -> String? {
        guard case .rule(let actionName, _) = p.kind, !readsReverted(p.body) else { return nil }
        let actions = actionName.map { [$0] } ?? model.actions.map(\.name)
        guard !actions.isEmpty, actions.allSatisfy(neverCompletes.contains) else { return nil }
        return actions.count == 1 ? "action \(actions[0]) can never complete from a state satisfying the invariants"
            : "no action can ever complete from a state satisfying the invariants"
    }

    /// The solver's side: each question asked of the model extended with the probes, from a state
    /// satisfying the proved invariants, with the queries kept per subject for the results.
    struct Questions {
        let check: VacuityCheck
        let solverModel: Prover
        var records: [String: [QueryRecord]] = [:]

        init(check: VacuityCheck, extended: Model) {
            self.check = check
            // The extended model is a function of the model (and of this code): it shares its source.
            let prover = check.prover
            solverModel = Prover(model: extended, specPath: prover.specPath, options: prover.options,
                                 source: prover.modelFingerprint.map { $0 + " with require probes" })
        }

        /// Whether what `build` asserts can happen (an unknown answer counts as possible).
        mutating func possible(_ name: String, _ key: String, question: String, _ build: (Query, State<Term>) -> Void) -> Bool {
            var recs: [QueryRecord] = []
            let proved = check.proved
            let answer = solverModel.solve("\(key).vacuity", "\(key): can this happen from a state satisfying the invariants?",
                                           inputs: ["question=\(question)", "subject=\(key)", "assumed=\(Prover.names(proved))"],
                                           needsModel: false, records: &recs) { q in
                let pre = q.freshState("0")
                build(q, pre)
                q.assume(proved, in: pre)
                q.assumeSumBounds(pre)
            }
            records[name, default: []] += recs
            if case .unsat = answer { return false }
            return true
        }

        /// Whether a property's premise can hold (for a rule: on some step of its action, or of any).
        mutating func premiseCanHold(_ p: Property, _ premise: Expr, model: Model) -> Bool {
            possible(p.name, p.name, question: "vacuity: premise holds") { q, pre in
                let params = q.freshParams(p.params, prefix: "\(p.name).")
                guard case .rule(let actionName, _) = p.kind else {
                    q.solver.assert(q.exec.evaluate(premise, in: .init(pre: pre, names: params)))
                    return
                }
                // One action, or any: the premise may hold for some action.
                let actions = actionName.flatMap(model.action).map { [$0] } ?? model.actions
                var cases: [Term] = []
                for action in actions {
                    let args = q.freshArgs(action, tag: "0")
                    let run = q.exec.run(action, args: args, from: pre)
                    let names = params.merging(p.frameNames(for: action, args: args, result: run.result)) { _, b in b }
                    cases.append(q.exec.evaluate(premise, in: .init(pre: pre, post: run.state, names: names, reverted: q.z3.not(run.ok))))
                }
                q.solver.assert(q.z3.or(cases))
            }
        }
    }

    /// One result per require that can never pass: the first such in each action, since every
    /// later one on the same path then cannot pass either.
    func requireResults(_ probes: [Probe], neverCompletes: Set<String>, records: [String: [QueryRecord]]) -> [PropertyResult] {
        var reported = Set<String>()
        var out: [PropertyResult] = []
        for probe in probes where neverCompletes.contains(probe.action.name) && !reported.contains(probe.original.name) {
            // A top-level require of an action that completes passes whenever the action does.
            reported.insert(probe.original.name)
            let loc = probe.location
            let property = Property(name: "\(probe.original.name).require@\(loc.line):\(loc.column)", kind: .lemma,
                                    body: .bool(true), location: loc, sourceText: "require (in action \(probe.original.name))")
            var r = prover.result(property, .vacuous, method: "vacuity",
                                  reason: "vacuous: this require can never pass from a state satisfying the invariants, so the rest of action \(probe.original.name) on this path never runs",
                                  seconds: 0, queries: records[probe.action.name] ?? [])
            r.kind = "require"
            out.append(r)
        }
        return out
    }
}
