import BigInt
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics

/// Searches for reachable violations with the concrete interpreter, where bounded model checking
/// stops: random walks from the initial state, each over a random subset of the actions (swarm
/// testing, so that rarely chosen actions still get long runs), with arguments drawn from the
/// boundary values of each sort, the model's own constants and the hints the prover passes on
/// (a counterexample to induction's arguments). A violation found is shrunk: steps are removed
/// and arguments made smaller while the trace still replays and still violates.
///
/// The walks are seeded and counted, so a run is reproducible; the time box only caps the count
/// on a slow machine.
struct SimulationSearch {
    let model: Model
    let interpreter: Interpreter
    /// Stops after this long, or after `maxWalks` walks, whichever comes first.
    let seconds: Double
    let maxWalks: Int
    /// Attempted actions per walk; a reverted attempt leaves the state and is not part of the trace.
    let walkLength: Int
    let seed: UInt64

    /// What is searched for: an invariant, or a rule on its action(s).
    enum Target {
        case invariant(Property)
        case rule(Property, actions: [Action])
        var property: Property {
            switch self { case .invariant(let p), .rule(let p, _): return p }
        }
    }

    /// A replayable violation: `steps` all complete, except a rule's last step, which may revert.
    struct Violation {
        var steps: [Step]
        /// The property's own parameters.
        var params: [String: Value]
        var walks: Int
    }

    /// Values worth trying for each sort, beyond the sort's boundaries.
    var hints: [Sort: [Value]] = [:]
    /// Runs (completed steps from the initial state, and the state they reach) that half the
    /// walks continue instead of starting afresh: the states a model's scenarios reach (funded,
    /// a period started, a stake placed) are where a random walk rarely gets by itself.
    var prefixes: [(steps: [Step], state: ConcreteState)] = []

    init(model: Model, interpreter: Interpreter, seconds: Double, maxWalks: Int = 200_000, walkLength: Int = 64, seed: UInt64 = 0x7174_616E) {
        self.model = model; self.interpreter = interpreter; self.seconds = seconds
        self.maxWalks = maxWalks; self.walkLength = walkLength; self.seed = seed
    }

    // MARK: Values

    /// Every number literal in the model (uint or address): thresholds, limits and the
    /// accounts a model names (a council of members 1..7) are where bugs hide.
    static func constants(of model: Model, sort wanted: (Sort) -> Bool = { $0.isUint }) -> [BigUInt] {
        var out = Set<BigUInt>()
        func visit(_ e: Expr) {
            if case .number(let n, let s) = e, wanted(s) { out.insert(n) }
            e.children.forEach(visit)
        }
        func visit(_ s: Stmt) {
            switch s {
            case .require(let e, _), .bind(_, let e), .set(_, let e): visit(e)
            case .assign(let lv, let e): lv.indices.forEach(visit); visit(e)
            case .ifElse(let c, let t, let f): visit(c); t.forEach(visit); f.forEach(visit)
            }
        }
        model.actions.forEach { $0.body.forEach(visit) }
        model.properties.forEach { visit($0.body) }
        model.stateVars.compactMap(\.initial).forEach(visit)
        return out.sorted()
    }

    /// The candidate values of each scalar sort: small numbers, the top of the range, the
    /// model's constants and their neighbours, and the hints. Addresses come from a small pool so
    /// that map entries are shared between steps.
    func pools() -> [Sort: [Value]] {
        var sorts = Set<Sort>()
        for a in model.actions { a.params.forEach { sorts.insert($0.sort) } }
        for p in model.properties { p.params.forEach { sorts.insert($0.sort) } }
        let constants = SimulationSearch.constants(of: model)
        var out: [Sort: [Value]] = [:]
        for sort in sorts {
            var values: [Value] = []
            switch sort {
            case .bool: values = [.bool(false), .bool(true)]
            case .address:
                let named = SimulationSearch.constants(of: model) { $0 == .address }
                values = Set((0...3).map { BigUInt($0) } + named + [(BigUInt(1) << 160) - 1]).sorted().map { .bits($0) }
            case .uint(let w):
                let top = (BigUInt(1) << w) - 1
                var numbers: Set<BigUInt> = [0, 1, 2, 3, top, top - 1, BigUInt(1) << (w - 1)]
                for c in constants where c <= top {
                    numbers.insert(c)
                    if c > 0 { numbers.insert(c - 1) }
                    if c < top { numbers.insert(c + 1) }
                }
                values = numbers.sorted().map { .bits($0) }
            case .int:
                values = []  // no parameter is an int
            case .bytes(let n):
                values = [Value.bytes([], maxLength: n), Value.bytes([0], maxLength: n), Value.bytes([1, 2], maxLength: n),
                          Value.bytes([UInt8](repeating: 0xff, count: n), maxLength: n)]
            case .map:
                continue
            }
            for h in hints[sort] ?? [] where !values.contains(h) { values.append(h) }
            out[sort] = values
        }
        return out
    }

    // MARK: Search

    /// Walks until every target has a violation or the budget is spent; returns the shrunk
    /// violations by property name.
    func search(_ targets: [Target], stopAtFirst: Bool = false) -> [String: Violation] {
        guard !targets.isEmpty, !model.actions.isEmpty else { return [:] }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
        var rng = SplitMix64(seed: seed)
        let pools = self.pools()
        var open = targets
        var found: [String: Violation] = [:]
        let initial = interpreter.initialState()
        var walks = 0
        while !open.isEmpty, walks < maxWalks, !(stopAtFirst && !found.isEmpty) {
            if walks % 16 == 0, DispatchTime.now().uptimeNanoseconds > deadline { break }
            walks += 1
            // Swarm: each walk uses a random, non-empty subset of the actions.
            var enabled = model.actions.filter { _ in rng.next() % 2 == 0 }
            if enabled.isEmpty { enabled = [model.actions[Int(rng.next() % UInt64(model.actions.count))]] }
            var state = initial
            var steps: [Step] = []
            if !prefixes.isEmpty, rng.next() % 2 == 0 {
                (steps, state) = prefixes[Int(rng.next() % UInt64(prefixes.count))]
            }
            seenArguments = [:]
            for _ in 0..<walkLength {
                // Rules are tried on the states the walk reaches, with their own action.
                for (i, target) in open.enumerated().reversed() {
                    guard case .rule(let rule, let actions) = target, let action = actions.randomElement(using: &rng) else { continue }
                    let args = arguments(action.params, pools, &rng)
                    let params = arguments(rule.params, pools, &rng)
                    if let out = try? interpreter.step(Step(action: action.name, args: args), from: state),
                       !ruleHolds(rule, action, args: args, params: params, pre: state, outcome: out) {
                        let trace = steps + [Step(action: action.name, args: args)]
                        found[rule.name] = shrink(Violation(steps: trace, params: params, walks: walks), target)
                        open.remove(at: i)
                    }
                }
                let action = enabled[Int(rng.next() % UInt64(enabled.count))]
                let step = Step(action: action.name, args: arguments(action.params, pools, &rng))
                guard let out = try? interpreter.step(step, from: state), out.ok.asBool else { continue }
                state = out.state
                steps.append(step)
                remember(step, action)
                for (i, target) in open.enumerated().reversed() {
                    guard case .invariant(let inv) = target else { continue }
                    let params = arguments(inv.params, pools, &rng)
                    if !interpreter.holds(inv, in: state, params: params) {
                        found[inv.name] = shrink(Violation(steps: steps, params: params, walks: walks), target)
                        open.remove(at: i)
                    }
                }
                if open.isEmpty { break }
            }
        }
        return found
    }

    /// Random walks (as in `search`) that call `visit` with every state they reach, the initial
    /// state first, and a generator for arguments; for collecting witnesses of what can happen.
    func explore(walks: Int, _ visit: (ConcreteState, inout SplitMix64, [Sort: [Value]]) -> Void) {
        guard !model.actions.isEmpty else { return }
        var rng = SplitMix64(seed: seed)
        let pools = self.pools()
        let initial = interpreter.initialState()
        visit(initial, &rng, pools)
        for _ in 0..<walks {
            var state = initial
            for _ in 0..<walkLength {
                let action = model.actions[Int(rng.next() % UInt64(model.actions.count))]
                let step = Step(action: action.name, args: arguments(action.params, pools, &rng))
                guard let out = try? interpreter.step(step, from: state), out.ok.asBool else { continue }
                state = out.state
                visit(state, &rng, pools)
            }
        }
    }

    /// Every invariant and rule of the model as a target.
    static func targets(_ model: Model) -> [Target] {
        model.properties.compactMap { p in
            switch p.kind {
            case .invariant: return .invariant(p)
            case .rule(let name, _): return .rule(p, actions: name.flatMap(model.action).map { [$0] } ?? model.actions)
            case .lemma: return nil
            }
        }
    }

    /// Arguments of the steps of the current walk that completed, by sort: a protocol refers
    /// back to what it created (the id proposed, the account that deposited).
    private var seenArguments: [Sort: [Value]] {
        get { seen.values }
        nonmutating set { seen.values = newValue }
    }
    private let seen = Seen()
    private final class Seen: @unchecked Sendable { var values: [Sort: [Value]] = [:] }

    func remember(_ step: Step, _ action: Action) {
        for p in action.params {
            guard let v = step.args[p.name], !(seenArguments[p.sort] ?? []).contains(v) else { continue }
            seenArguments[p.sort, default: []].append(v)
        }
    }

    func arguments(_ params: [Param], _ pools: [Sort: [Value]], _ rng: inout SplitMix64) -> [String: Value] {
        var out: [String: Value] = [:]
        for p in params {
            let pool = pools[p.sort] ?? [Value.zero(p.sort)]
            if let earlier = seenArguments[p.sort], !earlier.isEmpty, rng.next() % 3 == 0 {
                out[p.name] = earlier[Int(rng.next() % UInt64(earlier.count))]
                continue
            }
            // Mostly from the pool; sometimes any value of the sort, so no value is out of reach.
            if case .uint(let w) = p.sort, rng.next() % 8 == 0 {
                let words = (0..<((w + 63) / 64)).map { _ in UInt(truncatingIfNeeded: rng.next()) }
                out[p.name] = .bits(BigUInt(words: words) & ((BigUInt(1) << w) - 1))
            } else {
                out[p.name] = pool[Int(rng.next() % UInt64(pool.count))]
            }
        }
        return out
    }

    func ruleHolds(_ rule: Property, _ action: Action, args: [String: Value], params: [String: Value],
                   pre: ConcreteState, outcome: Executor<ConcreteDomain>.Outcome) -> Bool {
        let names = rule.frameNames(for: action, args: args, result: outcome.result).merging(params) { a, _ in a }
        let frame = Executor<ConcreteDomain>.Frame(pre: pre, post: outcome.state, names: names, reverted: .bool(!outcome.ok.asBool))
        return interpreter.executor.evaluate(rule.body, in: frame).asBool
    }

    // MARK: Shrinking

    /// Whether a trace replays (every step but a rule's last completes) and violates the target.
    func violates(_ v: Violation, _ target: Target) -> Bool {
        guard !v.steps.isEmpty || target.property.kind == .invariant else { return false }
        switch target {
        case .invariant(let inv):
            guard let states = try? interpreter.replay(v.steps, from: interpreter.initialState()) else { return false }
            return !interpreter.holds(inv, in: states.last!, params: v.params)
        case .rule(let rule, _):
            let last = v.steps[v.steps.count - 1]
            guard let action = model.action(last.action),
                  let states = try? interpreter.replay(Array(v.steps.dropLast()), from: interpreter.initialState()),
                  let out = try? interpreter.step(last, from: states.last!) else { return false }
            return !ruleHolds(rule, action, args: last.args, params: v.params, pre: states.last!, outcome: out)
        }
    }

    /// Removes steps, then makes arguments smaller, while the trace still violates; a bounded
    /// number of passes, each of which only ever shortens or simplifies.
    func shrink(_ found: Violation, _ target: Target) -> Violation {
        var best = found
        // Addresses: distinct and small, in order of first use (0 stays 0), so an attacker and a
        // victim read as 0x…01 and 0x…02, not as two random words or as one address.
        var renamed: [BigUInt: BigUInt] = [0: 0]
        func rename(_ v: Value?) -> Value? {
            guard case .bits(let n)? = v else { return v }
            if renamed[n] == nil { renamed[n] = BigUInt(renamed.count) }
            return .bits(renamed[n]!)
        }
        var canonical = best
        for i in canonical.steps.indices {
            for p in model.action(canonical.steps[i].action)?.params ?? [] where p.sort == .address {
                canonical.steps[i].args[p.name] = rename(canonical.steps[i].args[p.name])
            }
        }
        for p in target.property.params where p.sort == .address { canonical.params[p.name] = rename(canonical.params[p.name]) }
        if violates(canonical, target) { best = canonical }
        for _ in 0..<8 {
            var changed = false
            // Remove chunks of steps, large first (a rule's final step stays).
            var chunk = max(1, best.steps.count / 2)
            while chunk >= 1 {
                var i = 0
                while i < best.steps.count {
                    if case .rule = target, i + chunk >= best.steps.count { break }
                    var candidate = best
                    candidate.steps.removeSubrange(i..<min(best.steps.count, i + chunk))
                    if violates(candidate, target) { best = candidate; changed = true } else { i += chunk }
                }
                chunk /= 2
            }
            // Smaller numbers: zero or one, else the least value a bisection finds that still
            // violates (every value taken was replayed, so any one found is a counterexample).
            func smallest(_ n: BigUInt, _ violatesWith: (BigUInt) -> Bool) -> BigUInt? {
                for small in [BigUInt(0), 1] where small < n && violatesWith(small) { return small }
                var lo = BigUInt(2), hi = n
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if violatesWith(mid) { hi = mid } else { lo = mid + 1 }
                }
                return hi < n ? hi : nil
            }
            for i in best.steps.indices {
                let params = model.action(best.steps[i].action)?.params ?? []
                for p in params where p.sort.isUint {
                    let name = p.name
                    guard case .bits(let n)? = best.steps[i].args[name], n > 0 else { continue }
                    let current = best
                    if let m = smallest(n, { m in
                        var candidate = current
                        candidate.steps[i].args[name] = .bits(m)
                        return violates(candidate, target)
                    }) {
                        best.steps[i].args[name] = .bits(m)
                        changed = true
                    }
                }
            }
            for p in target.property.params where p.sort.isUint {
                let name = p.name
                guard case .bits(let n)? = best.params[name], n > 0 else { continue }
                let current = best
                if let m = smallest(n, { m in
                    var candidate = current
                    candidate.params[name] = .bits(m)
                    return violates(candidate, target)
                }) {
                    best.params[name] = .bits(m)
                    changed = true
                }
            }
            if !changed { break }
        }
        return best
    }
}
