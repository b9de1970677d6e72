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

    /// A state to steer towards, and the step to try there: a counterexample to induction's
    /// pre-state (its scalar variables) and failing action. When that pre-state is reachable,
    /// the step from it is a violation.
    struct Goal {
        /// The invariant the step breaks, and its parameters there.
        var invariant: String
        var params: [String: Value]
        var scalars: [String: Value]
        var step: Step

        /// How many of the goal's scalars `state` does not match: 0 is there.
        func distance(_ state: ConcreteState) -> Int {
            scalars.reduce(0) { $0 + (state[$1.key] == $1.value ? 0 : 1) }
        }
    }
    /// Goals to steer towards: a quarter of the walks go on from the kept run closest to one,
    /// and a walk that reaches a goal's pre-state tries its step at once.
    var goals: [Goal] = []

    init(model: Model, interpreter: Interpreter, seconds: Double, maxWalks: Int = 200_000, walkLength: Int = 64, seed: UInt64 = 0x7174_616E) {
        self.model = model; self.interpreter = interpreter; self.seconds = seconds
        self.maxWalks = maxWalks; self.walkLength = walkLength; self.seed = seed
    }

    // MARK: Values

    /// The model's constants (`ArgumentPools.constants`).
    static func constants(of model: Model, sort wanted: (Sort) -> Bool = { $0.isUint }) -> [BigUInt] {
        ArgumentPools.constants(of: model, sort: wanted)
    }

    /// The candidate values of each scalar sort, with the hints (`ArgumentPools`).
    func pools() -> [Sort: [Value]] { ArgumentPools(model: model, hints: hints).values }

    // MARK: Search

    /// Where a walk starts: the declared initial state, or for a model with a constructor, its
    /// step with arguments from the pools and the state it makes (nil when that deployment reverts).
    func deploy(_ pools: [Sort: [Value]], _ rng: inout SplitMix64) -> (steps: [Step], state: ConcreteState)? {
        let initial = interpreter.initialState()
        guard let constructor = model.constructor else { return ([], initial) }
        let step = Step(action: constructor.name, args: arguments(constructor, after: initial, pools, &rng))
        guard let out = try? interpreter.step(step, from: initial), out.ok.asBool else { return nil }
        return ([step], out.state)
    }

    /// Walks until every target has a violation or the budget is spent; returns the shrunk
    /// violations by property name.
    func search(_ targets: [Target], stopAtFirst: Bool = false) -> [String: Violation] {
        guard !targets.isEmpty, !model.actions.isEmpty else { return [:] }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
        var rng = SplitMix64(seed: seed)
        let pools = self.pools()
        var open = targets
        var found: [String: Violation] = [:]
        var walks = 0
        // Coverage guidance: runs that reached a new shape of state are kept, and half the
        // walks go on from one of them, so a bug behind several steps that each must succeed
        // (fund, propose, approve) is searched from the states on its way.
        let shape = StateShape(model: model)
        var shapes = Set<UInt64>()
        var corpus: [(steps: [Step], state: ConcreteState)] = []
        var closest = 0, closestDistance = Int.max
        func distance(_ state: ConcreteState) -> Int { goals.map { $0.distance(state) }.min() ?? Int.max }
        while !open.isEmpty, walks < maxWalks, !(stopAtFirst && !found.isEmpty) {
            if walks % 16 == 0, DispatchTime.now().uptimeNanoseconds > deadline { break }
            walks += 1
            let enabled = swarm(&rng)
            seenArguments = [:]
            seen.steps = []
            guard let deployment = deploy(pools, &rng) else { continue }
            var state = deployment.state
            var steps = deployment.steps
            if let start = startingPoint(corpus, closest: closest, &rng) {
                (steps, state) = start
                for st in steps { if let a = model.action(st.action) { remember(st, a) } }
            }
            // A constructor's state is checked like any other a walk reaches.
            if !steps.isEmpty { checkInvariants(state, steps, walks: walks, &open, &found, pools, &rng) }
            for _ in 0..<walkLength {
                tryRules(state, steps, walks: walks, &open, &found, pools, &rng)
                let action = enabled[Int(rng.next() % UInt64(enabled.count))]
                let step = Step(action: action.name, args: arguments(action, after: state, pools, &rng))
                guard let out = try? interpreter.step(step, from: state), out.ok.asBool else { continue }
                state = out.state
                steps.append(step)
                remember(step, action)
                if corpus.count < 256, shapes.insert(shape.of(action.name, state)).inserted {
                    corpus.append((steps, state))
                    let d = distance(state)
                    if d <= closestDistance { closest = corpus.count - 1; closestDistance = d }
                }
                checkInvariants(state, steps, walks: walks, &open, &found, pools, &rng)
                if open.isEmpty { break }
                // At a goal's pre-state: its failing step, with the counterexample's arguments
                // (sent no earlier than now), then its invariant with the counterexample's parameters.
                for goal in goals where goal.distance(state) == 0 {
                    let step = Self.valid(goal.step, after: state)
                    guard let a = model.action(step.action), let out = try? interpreter.step(step, from: state), out.ok.asBool else { continue }
                    state = out.state
                    steps.append(step)
                    remember(step, a)
                    if let i = open.firstIndex(where: { $0.property.name == goal.invariant }), case .invariant(let inv) = open[i],
                       !interpreter.holds(inv, in: state, params: goal.params) {
                        found[inv.name] = shrink(Violation(steps: steps, params: goal.params, walks: walks), open[i])
                        open.remove(at: i)
                    }
                    checkInvariants(state, steps, walks: walks, &open, &found, pools, &rng)
                    break
                }
                if open.isEmpty { break }
            }
        }
        return found
    }

    /// Swarm testing: each walk uses a random, non-empty subset of the actions.
    private func swarm(_ rng: inout SplitMix64) -> [Action] {
        let enabled = model.actions.filter { _ in rng.next() % 2 == 0 }
        return enabled.isEmpty ? [model.actions[Int(rng.next() % UInt64(model.actions.count))]] : enabled
    }

    /// Where a walk goes on from, if not from its deployment: half the walks go on from where a
    /// scenario got to (its steps start with the deployment), or from a state some walk reached
    /// first (the corpus); with goals, a quarter from the kept run closest to one.
    private func startingPoint(_ corpus: [(steps: [Step], state: ConcreteState)], closest: Int,
                               _ rng: inout SplitMix64) -> (steps: [Step], state: ConcreteState)? {
        if !goals.isEmpty, !corpus.isEmpty, rng.next() % 4 == 0 { return corpus[closest] }
        let starts = prefixes.count + corpus.count
        guard starts > 0, rng.next() % 2 == 0 else { return nil }
        let i = Int(rng.next() % UInt64(starts))
        return i < prefixes.count ? prefixes[i] : corpus[i - prefixes.count]
    }

    /// A recorded step made valid after `state`: sent no earlier than the state's time, in a later block.
    static func valid(_ step: Step, after state: ConcreteState) -> Step {
        var step = step
        if case .bits(let t)? = step.args[Environment.timestamp], case .bits(let now) = state[Environment.timestamp], t < now {
            step.args[Environment.timestamp] = .bits(now)
        }
        if case .bits(let n)? = step.args[Environment.number], case .bits(let last) = state[Environment.number], n <= last {
            step.args[Environment.number] = .bits(last + 1)
        }
        return step
    }

    /// Checks the open invariants in the state a walk has reached, with drawn parameters; each
    /// violated one is shrunk into `found` and leaves `open`.
    private func checkInvariants(_ state: ConcreteState, _ steps: [Step], walks: Int, _ open: inout [Target],
                                 _ found: inout [String: Violation], _ pools: [Sort: [Value]], _ rng: inout SplitMix64) {
        for (i, target) in open.enumerated().reversed() {
            guard case .invariant(let inv) = target else { continue }
            let params = arguments(inv.params, pools, &rng)
            if !interpreter.holds(inv, in: state, params: params) {
                found[inv.name] = shrink(Violation(steps: steps, params: params, walks: walks), target)
                open.remove(at: i)
            }
        }
    }

    /// Tries each open rule on the state a walk has reached, with an action of its own; each
    /// violated one is shrunk into `found` and leaves `open`.
    private func tryRules(_ state: ConcreteState, _ steps: [Step], walks: Int, _ open: inout [Target],
                          _ found: inout [String: Violation], _ pools: [Sort: [Value]], _ rng: inout SplitMix64) {
        for (i, target) in open.enumerated().reversed() {
            guard case .rule(let rule, let actions) = target, let action = actions.randomElement(using: &rng) else { continue }
            let args = arguments(action, after: state, pools, &rng)
            let params = arguments(rule.params, pools, &rng)
            if let out = try? interpreter.step(Step(action: action.name, args: args), from: state),
               !ruleHolds(rule, action, args: args, params: params, pre: state, outcome: out) {
                let trace = steps + [Step(action: action.name, args: args)]
                found[rule.name] = shrink(Violation(steps: trace, params: params, walks: walks), target)
                open.remove(at: i)
            }
        }
    }

    /// Random walks (as in `search`) that call `visit` with every state they reach, the initial
    /// state first, and a generator for arguments; for collecting witnesses of what can happen.
    func explore(walks: Int, _ visit: (ConcreteState, inout SplitMix64, [Sort: [Value]]) -> Void) {
        guard !model.actions.isEmpty else { return }
        var rng = SplitMix64(seed: seed)
        let pools = self.pools()
        var visitedStart = false
        for _ in 0..<walks {
            guard var state = deploy(pools, &rng)?.state else { continue }
            // The declared initial state once; every deployment, when there is a constructor.
            if model.constructor != nil || !visitedStart { visit(state, &rng, pools); visitedStart = true }
            for _ in 0..<walkLength {
                let action = model.actions[Int(rng.next() % UInt64(model.actions.count))]
                let step = Step(action: action.name, args: arguments(action, after: state, pools, &rng))
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
    /// `@unchecked Sendable`: a search runs on one thread; the box lets its non-mutating methods
    /// record what the current walk drew.
    private final class Seen: @unchecked Sendable {
        var values: [Sort: [Value]] = [:]
        /// The arguments of each completed step of the current walk, with their sorts, by
        /// parameter name.
        var steps: [[String: (sort: Sort, value: Value)]] = []
    }

    func remember(_ step: Step, _ action: Action) {
        ArgumentPools.remember(step, action, in: &seen.values)
        var args: [String: (sort: Sort, value: Value)] = [:]
        for p in action.params { if let v = step.args[p.name] { args[p.name] = (p.sort, v) } }
        seen.steps.append(args)
    }

    /// Arguments from the pools; half the time, those named like a parameter of an earlier
    /// completed step are copied from it together. A protocol's actions name what they share
    /// alike (`assign(t, i, w)`, then `submit(t, i, w, h)`), and values drawn one by one would
    /// almost never match all at once.
    func arguments(_ params: [Param], _ pools: [Sort: [Value]], _ rng: inout SplitMix64) -> [String: Value] {
        var args = ArgumentPools(values: pools).arguments(params, earlier: seenArguments, &rng)
        let steps = seen.steps
        guard !steps.isEmpty, rng.next() % 2 == 0 else { return args }
        let earlier = steps[Int(rng.next() % UInt64(steps.count))]
        for p in params where Environment.names[p.name] == nil || p.name == Environment.sender {
            // Only a value of the same sort: `k` may be a bool in one action and an id in another.
            if let v = earlier[p.name], v.sort == p.sort { args[p.name] = v.value }
        }
        return args
    }

    /// An action's arguments from `state`: the environment's block number is a later block
    /// (usually the next, never past the largest uint64), and a value is sent only to a
    /// payable action. Every step of a walk, the constructor's included, takes them from here.
    func arguments(_ action: Action, after state: ConcreteState, _ pools: [Sort: [Value]], _ rng: inout SplitMix64) -> [String: Value] {
        var args = arguments(action.params, pools, &rng)
        if args[Environment.number] != nil, case .bits(let last) = state[Environment.number] {
            let next = last + 1 + (rng.next() % 4 == 0 ? BigUInt(rng.next() % 1000) : 0)
            args[Environment.number] = .bits(Swift.min(next, BigUInt(UInt64.max)))
        }
        if args[Environment.value] != nil, !action.payable || rng.next() % 4 == 0 { args[Environment.value] = .bits(0) }
        return args
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
                // A constructor's step stays first.
                var i = model.constructor == nil ? 0 : 1
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

/// The abstraction of a state that coverage guidance tells runs apart by: after which action,
/// which booleans are set, which numbers are zero, how many entries each map holds, counted
/// through nested maps (0 to 3, or many: a task's third worker is news), and how each pair of
/// numbers of one sort is ordered. Hashed (FNV-1a) to a word.
struct StateShape {
    let scalars: [(name: String, sort: Sort)]
    let maps: [String]
    /// Pairs of same-sort numbers whose order is part of the shape (at most 28 pairs).
    let pairs: [(String, String)]

    init(model: Model) {
        let vars = model.stateVars.filter { !Model.isGhost($0.name) && !Environment.blockFields.contains($0.name) }
        scalars = vars.filter { !$0.sort.isMap }.map { ($0.name, $0.sort) }
        maps = vars.filter { $0.sort.isMap }.map(\.name)
        let numbers = scalars.filter { $0.sort.isUint }.prefix(8)
        var pairs: [(String, String)] = []
        for (i, a) in numbers.enumerated() { for b in numbers.dropFirst(i + 1) where b.sort == a.sort { pairs.append((a.name, b.name)) } }
        self.pairs = pairs
    }

    func of(_ action: String, _ state: ConcreteState) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ x: UInt64) { h = (h ^ x) &* 0x0000_0100_0000_01b3 }
        for b in action.utf8 { mix(UInt64(b)) }
        for v in scalars {
            switch state[v.name] {
            case .bool(let b): mix(b ? 1 : 2)
            case let value: mix(value.asBits == 0 ? 3 : 4)
            }
        }
        for m in maps { mix(UInt64(StateShape.leaves(state[m], upTo: 4)) + 5) }
        for (a, b) in pairs {
            let x = state[a].asBits, y = state[b].asBits
            mix(x < y ? 9 : x == y ? 10 : 11)
        }
        return h
    }

    /// The entries of a map, nested maps' entries counted one by one, stopping at `limit`.
    static func leaves(_ v: Value, upTo limit: Int) -> Int {
        guard case .map(let m) = v else { return 1 }
        var n = 0
        for (_, inner) in m.entries {
            n += leaves(inner, upTo: limit - n)
            if n >= limit { return limit }
        }
        return n
    }
}
