import BigInt
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// One solver query under construction: a fresh Z3 context, the symbolic reading of the model's
/// semantics, and helpers to name states, arguments and transitions.
final class Query {
    let z3 = Z3Context()
    let domain: SymbolicDomain
    let exec: Executor<SymbolicDomain>
    let solver: Solver
    let model: Model

    init(model: Model, timeoutMilliseconds: Int, bitVectors: Bool = false) {
        self.model = model
        domain = SymbolicDomain(context: z3, bitVectors: bitVectors)
        exec = Executor(model: model, domain: domain)
        solver = z3.makeSolver(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A state whose every variable (and summed-map ghost) is an unknown named after `tag`.
    func freshState(_ tag: String) -> State<Term> {
        var vars: [String: Term] = [:], sums: [String: Term] = [:]
        for v in model.stateVars {
            let t = z3.constant("\(v.name)@\(tag)", domain.sort(v.sort))
            if let fact = domain.takeRangeFact(t, v.sort) { ownFacts.append((t, fact)) }
            // A weighted sum's ghost (the only int state variable) lies within its width in every
            // reachable state; held as an integer, it is told so, and reads back within it.
            if case .int(let w) = v.sort, !domain.bitVectors {
                let half = z3.integer(BigUInt(1) << (w - 1))
                ownFacts.append((t, z3.and([z3.le(z3.sub(z3.integer(0), half), t), z3.lt(t, half)])))
            }
            vars[v.name] = t
        }
        for v in model.stateVars where exec.summedMaps.contains(v.name) {
            guard let ghost = Executor<SymbolicDomain>.ghostSort(of: v.sort) else { continue }
            // "#" cannot appear in a spec identifier, so no state variable can share this name.
            let t = z3.constant("#sum.\(v.name)@\(tag)", domain.sort(ghost))
            if let fact = domain.takeRangeFact(t, ghost) { ownFacts.append((t, fact)) }
            if let cap = Query.largestSum(of: v.sort) { ownFacts.append((t, z3.le(t, z3.integer(cap)))) }
            sums[v.name] = t
        }
        return State(layout: exec.layout, vars: vars, sums: sums)
    }

    /// What a map's sum can reach in a real state: each of the key sort's keys at most once, each
    /// at the largest value (a count: every key true). Tighter than the ghost's width, which is a
    /// power of two. Nil for a map of maps, whose ghost is itself a map.
    static func largestSum(of sort: Sort) -> BigUInt? {
        guard case .map(let k, let v) = sort, let keyBits = k == .bool ? 1 : k.bitWidth else { return nil }
        let keys = BigUInt(1) << keyBits
        if v == .bool { return keys }
        guard case .uint(let w) = v else { return nil }
        return keys * ((BigUInt(1) << w) - 1)
    }

    func freshArgs(_ action: Action, tag: String) -> [String: Term] {
        freshParams(action.params, prefix: "\(action.name).", suffix: "@\(tag)")
    }

    /// One unknown per parameter, in range, and offered for instantiating quantified invariants.
    func freshParams(_ params: [Param], prefix: String, suffix: String = "") -> [String: Term] {
        var out: [String: Term] = [:]
        for p in params {
            let t = z3.constant("\(prefix)\(p.name)\(suffix)", domain.sort(p.sort))
            domain.noteRange(t, p.sort, canonical: true)
            domain.addToPool(t, p.sort)
            out[p.name] = t
        }
        return out
    }

    /// Assumes each invariant in `s`. An invariant with parameters is a statement for all their
    /// values; it is assumed for every combination of the terms of matching sort this query
    /// touches, a finite, sound under-approximation of the quantifier.
    func assume(_ invariants: [Property], in s: State<Term>) {
        let pool = domain.pool
        for inv in invariants {
            var combos: [[String: Term]] = [[:]]
            for p in inv.params {
                let terms = pool[p.sort] ?? []
                combos = combos.flatMap { c in terms.map { t in c.merging([p.name: t]) { a, _ in a } } }
            }
            let body = exec.compile(inv.body, names: inv.params.map(\.name))
            for names in combos.prefix(4096) {
                solver.assert(body(.init(pre: s, names: names)))
            }
        }
    }

    /// Assumes proved lemmas, each instantiated with every combination of the terms of matching
    /// sort the query touches and the scalar variables of `states` (sound: a lemma holds for all
    /// values of its parameters).
    func assumeLemmas(_ lemmas: [Property], states: [State<Term>]) {
        guard !lemmas.isEmpty, let some = states.first else { return }
        var terms = domain.pool
        for s in states {
            for v in model.stateVars where !v.sort.isMap {
                let t = s[v.name]
                if !(terms[v.sort] ?? []).contains(where: { $0 == t }) { terms[v.sort, default: []].append(t) }
            }
        }
        for lemma in lemmas {
            var combos: [[String: Term]] = [[:]]
            for p in lemma.params {
                combos = combos.flatMap { c in (terms[p.sort] ?? []).map { t in c.merging([p.name: t]) { a, _ in a } } }
            }
            let body = exec.compile(lemma.body, names: lemma.params.map(\.name))
            for names in combos.prefix(4096) { solver.assert(body(.init(pre: some, names: names))) }
        }
    }

    /// The state every trace starts from: the declared initial state or, for a model with a
    /// constructor, what a deployment that completes makes of it (any arguments, any deployer).
    func deployed() -> State<Term> {
        let s0 = exec.initialState()
        guard let constructor = model.constructor else { return s0 }
        let run = exec.run(constructor, args: freshArgs(constructor, tag: Query.deploymentTag), from: s0)
        solver.assert(run.ok)
        return run.state
    }

    /// The tag of the constructor's arguments in a query's names.
    static let deploymentTag = "deploy"

    /// Which action step `i` of a trace takes; "#" keeps it apart from every spec identifier.
    static func selectorName(_ i: Int) -> String { "#action@\(i)" }

    func equal(_ a: State<Term>, _ b: State<Term>) -> Term {
        var eqs: [Term] = []
        for v in model.stateVars { eqs.append(z3.eq(a[v.name], b[v.name])) }
        for m in exec.summedMaps { eqs.append(z3.eq(a.sum(m)!, b.sum(m)!)) }
        return z3.and(eqs)
    }

    /// One step of some action from `s`: the chosen action completes and leads to the returned state.
    struct Transition {
        var next: State<Term>
        var selector: Term
        var args: [[String: Term]]
    }

    /// `among` limits the step to some of the model's actions (by index, which the selector
    /// keeps, so a trace reads back the same way): the cone of influence of a bounded search.
    func transition(from s: State<Term>, step i: Int, among: [Int]? = nil) -> Transition {
        let next = freshState(String(i + 1))
        let selector = z3.constant(Query.selectorName(i), z3.intSort())
        var choices: [Term] = []
        var allArgs: [[String: Term]] = []
        for idx in among ?? Array(model.actions.indices) {
            let action = model.actions[idx]
            let args = freshArgs(action, tag: String(i))
            allArgs.append(args)
            let out = exec.run(action, args: args, from: s)
            let chosen = z3.eq(selector, z3.integer(idx))
            solver.assert(z3.implies(chosen, z3.and([out.ok, equal(next, out.state)])))
            choices.append(chosen)
        }
        solver.assert(z3.or(choices))
        return Transition(next: next, selector: selector, args: allArgs)
    }

    /// Lower bounds for every summed map's ghost in an arbitrary pre-state: the sum of all
    /// values is at least the sum over the distinct keys the query touches. True of every
    /// reachable state (finitely many non-zero entries), so assuming it is sound.
    func assumeSumBounds(_ s: State<Term>) {
        for m in exec.summedMaps {
            guard case .map(_, let v)? = model.stateVar(m)?.sort, v == .bool || v.isUint else { continue }
            let keys = domain.observedKeys[m] ?? []
            // No key touched: the bound is 0 <= the ghost, a fact of the ghost alone.
            if keys.isEmpty { ownFacts.append((s.sum(m)!, z3.le(z3.integer(0), s.sum(m)!))); continue }
            var total = z3.integer(0)
            for (i, k) in keys.enumerated() {
                let entry = exec.contribution(domain.select(s[m], k, valueSort: v), v)
                let fresh = z3.and(keys[..<i].map { z3.not(z3.eq($0, k)) })
                total = z3.add(total, z3.ite(fresh, entry, z3.integer(0)))
            }
            solver.assert(z3.le(total, s.sum(m)!))
        }
        // A weighted sum of terms that cannot be negative is at least its terms at the keys
        // the query touches (each key once): true of every reachable state, since the ghost is
        // the sum of every key's term there.
        guard !domain.bitVectors else { return }
        for w in model.weightedSums where !Query.canBeNegative(w.term) {
            var keys: [Term] = []
            for m in w.maps { keys += domain.observedKeys[m] ?? [] }
            guard !keys.isEmpty else { continue }
            var total = z3.integer(0)
            for (i, k) in keys.enumerated() {
                let term = exec.evaluate(w.term, in: .init(pre: s, names: [w.key: k]))
                let fresh = z3.and(keys[..<i].map { z3.not(z3.eq($0, k)) })
                total = z3.add(total, z3.ite(fresh, term, z3.integer(0)))
            }
            solver.assert(z3.le(total, s[w.ghost]))
        }
    }

    /// Whether an exact term can be negative: through a subtraction, or a signed value it reads.
    static func canBeNegative(_ e: Expr) -> Bool {
        if case .binary(.sub, _, _, _) = e { return true }
        if e.sort.isSint { return true }
        return e.children.contains(where: canBeNegative)
    }

    /// Reads a concrete value of a parameter back from a model.
    func concrete(_ t: Term, _ sort: Sort, in m: ModelValues) -> Value? {
        // Only values the sort admits are replayed: a value from elsewhere (a tampered cache
        // entry) must make the trace unreadable, never a violation no real input can cause.
        switch sort {
        case .bool: return m.bool(t).map(Value.bool)
        case .uint, .address:
            guard let n = m.number(t), n.bitWidth <= sort.bitWidth! else { return nil }
            return .bits(n)
        case .bytes(let max):
            guard let n = m.number(t) else { return nil }
            let v = Value.bits(n)
            let data = v.byteArray(maxLength: max)
            guard data.count <= max, Value.bytes(data, maxLength: max) == v else { return nil }
            return v
        case .int(let w), .sint(let w):
            // A signed value (or a weighted sum's ghost, the only int state variable): a
            // bit-vector holds it in two's complement already, an integer as the number itself.
            if domain.bitVectors {
                guard let n = m.number(t), n.bitWidth <= w else { return nil }
                return .bits(n)
            }
            return m.integer(t).flatMap { ConcreteDomain.integer($0, width: w) }
        case .map: return nil
        }
    }

    /// The SMT-LIB logic of the query text: non-linear integer arithmetic when the model
    /// multiplies, divides or takes remainders. Maps need constant arrays, which no standard
    /// array logic has, so queries with maps declare ALL (z3 and cvc5 both accept it).
    var logic: String {
        if domain.bitVectors { return "ALL" }
        if model.stateVars.contains(where: { $0.sort.isMap }) { return "ALL" }
        return model.usesNonLinearArithmetic ? "QF_NIA" : "QF_LIA"
    }

    /// Whether a query the integer encoding cannot decide may be retried over bit-vectors: every
    /// value 64 bits or narrower, non-linear arithmetic somewhere, and no byte strings or sums
    /// (whose encodings mix widths).
    static func admitsBitVectors(_ model: Model) -> Bool {
        guard model.usesNonLinearArithmetic, model.summedMaps.isEmpty else { return false }
        func narrow(_ s: Sort) -> Bool {
            switch s {
            case .bool: return true
            case .uint(let w), .sint(let w): return w <= 64
            case .address, .bytes, .int: return false
            case .map(let k, let v): return narrow(k) && narrow(v)
            }
        }
        let sorts = model.stateVars.map(\.sort) + model.actions.flatMap { $0.params.map(\.sort) }
            + model.properties.flatMap { $0.params.map(\.sort) }
        return sorts.allSatisfy(narrow)
    }

    /// Asserts the range facts of every value the query read. Call after building the query.
    ///
    /// Facts about one state variable alone (its range, a ghost's cap, an empty sum bound) are
    /// asserted only when something else in the query mentions that variable: each can be met on
    /// its own, so leaving out those of variables nothing else mentions gives an equisatisfiable
    /// query, and one that does not grow with every state variable of the model.
    ///
    /// A query solved more than once (incremental BMC) calls it after each addition: only facts
    /// not asserted before are asserted.
    func assertRangeFacts() {
        for f in domain.rangeFacts[rangeFactsAsserted...] { solver.assert(f) }
        rangeFactsAsserted = domain.rangeFacts.count
        guard ownFactsAsserted.count < ownFacts.count else { return }
        let mentioned = solver.constantsMentioned()
        for (i, (constant, fact)) in ownFacts.enumerated() where !ownFactsAsserted.contains(i) && mentioned.contains(z3.id(constant)) {
            solver.assert(fact)
            ownFactsAsserted.insert(i)
        }
    }

    private var rangeFactsAsserted = 0
    private var ownFactsAsserted = Set<Int>()

    /// Facts that mention one constant and nothing else, with that constant (see `assertRangeFacts`).
    var ownFacts: [(constant: Term, fact: Term)] = []
}
