import TitanTestSupport
/// Seeded generation of small models for the oracle test. A model is built in two passes: its
/// state, views and actions first; then, from the states the oracle explores, candidate
/// properties whose constants are read off those states (a bound that first fails after three
/// steps, a frame rule with an aliasing case, ...), of which a few are kept, favouring ones that
/// hold and ones that fail only a few steps deep, so both verdicts are exercised.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same stream on every platform.
struct OracleRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }

    /// Picks by weight; zero weights are never picked.
    mutating func weighted<T>(_ options: [(Int, T)]) -> T {
        let total = options.reduce(0) { $0 + $1.0 }
        var r = below(total)
        for (w, x) in options {
            if r < w { return x }
            r -= w
        }
        preconditionFailure("no option with weight")
    }
}

/// Where an expression is generated: what it may name and read.
struct OGenScope {
    enum Context { case action, view, invariant, rule, lemma }
    var context: Context
    /// Names in the frame, with their slots.
    var locals: [(name: String, sort: OSort, slot: Int)] = []
    /// uint8 locals known to be small (a `require p < K` guards them): preferred as map keys,
    /// so maps stay small enough to enumerate.
    var smallLocals: Set<String> = []
    var nextSlot = 0

    var readsState: Bool { context != .lemma }
    var readsPost: Bool { context == .rule }
    var callsViews: Bool { context != .lemma }
    /// Views with a smaller index may be called (a view calls only the views declared before it).
    var viewLimit = Int.max

    mutating func declare(_ name: String, _ sort: OSort, small: Bool = false) -> OExpr {
        locals.append((name, sort, nextSlot))
        if small { smallLocals.insert(name) }
        nextSlot += 1
        return .local(slot: nextSlot - 1, name: name)
    }
}

struct OracleGenerator {
    var rng: OracleRandom
    var model: OModel

    init(seed: UInt64, index: Int) {
        // Each model has its own stream, so one model can be regenerated alone from (seed, index).
        var mixer = OracleRandom(seed: seed ^ (UInt64(index) &* 0xD134_2543_DE82_EF95))
        rng = OracleRandom(seed: mixer.next())
        model = OModel(name: "Gen\(index)", checked: false, stateVars: [])
    }

    // MARK: Sorts and literals

    static let keySorts: [OSort] = [.uint(8), .bool]
    static let valueSorts: [OSort] = [.uint(8), .uint(16), .bool]

    /// A literal of at most `w` bits: mostly small, sometimes at the top or the middle of the range.
    mutating func literal(width w: Int) -> Int {
        let top = (1 << w) - 1
        return rng.weighted([(6, rng.below(4)), (2, rng.pick([5, 10, 100])), (2, top - rng.below(3)), (1, 1 << (w - 1))])
    }

    mutating func initialValue(_ sort: OSort) -> OValue? {
        switch sort {
        case .bool: return rng.chance(0.3) ? .bool(true) : nil
        case .uint(let w):
            // Near the top, overflow is a few steps away.
            return rng.weighted([(4, nil), (2, .uint(rng.below(4))), (3, .uint((1 << w) - 1 - rng.below(6)))])
        case .map: return nil
        }
    }

    func vars(_ where: (OSort) -> Bool) -> [Int] { model.stateVars.indices.filter { `where`(model.stateVars[$0].sort) } }

    /// Snapshots (named `s<i>`, always of another map's sort) are written only by whole-map copies.
    func isSnapshot(_ i: Int) -> Bool { model.stateVars[i].name.hasPrefix("s") }

    // MARK: The model's shape

    mutating func generateShape() {
        model.checked = rng.chance(0.6)
        model.spellsWrapping = !model.checked && rng.chance(0.5)
        var kinds: [String] = []
        for _ in 0..<(2 + rng.below(3)) {
            kinds.append(rng.weighted([(3, "uint8"), (2, "uint16"), (2, "bool"), (4, "map"), (2, "nested")]))
        }
        if !kinds.contains(where: { $0 == "uint8" || $0 == "uint16" }) { kinds[0] = rng.pick(["uint8", "uint16"]) }
        for kind in kinds {
            let i = model.stateVars.count
            switch kind {
            case "uint8": model.stateVars.append(OStateVar(name: "n\(i)", sort: .uint(8), initial: initialValue(.uint(8))))
            case "uint16": model.stateVars.append(OStateVar(name: "w\(i)", sort: .uint(16), initial: initialValue(.uint(16))))
            case "bool": model.stateVars.append(OStateVar(name: "f\(i)", sort: .bool, initial: initialValue(.bool)))
            case "map":
                let sort = OSort.map(rng.weighted([(3, .uint(8)), (1, .bool)]), rng.pick(Self.valueSorts))
                model.stateVars.append(OStateVar(name: "m\(i)", sort: sort))
            default:
                let inner = OSort.map(rng.pick(Self.keySorts), rng.weighted([(3, .uint(8)), (1, .uint(16)), (2, .bool)]))
                model.stateVars.append(OStateVar(name: "g\(i)", sort: .map(rng.pick(Self.keySorts), inner)))
            }
        }
        // A snapshot of some map, for whole-map copies and map equality.
        if let m = vars({ $0.isMap }).first, rng.chance(0.45) {
            model.stateVars.append(OStateVar(name: "s\(model.stateVars.count)", sort: model.stateVars[m].sort))
        }
        for v in 0..<(rng.weighted([(2, 0), (3, 1), (2, 2)])) { generateView(index: v) }
        for a in 0..<(2 + rng.below(2)) { generateAction(index: a) }
        generateConstructor()
    }

    /// A constructor for some models, generated like an action from a stream of its own (so the
    /// rest of each model is what it was without one), and kept only when some deployment completes.
    mutating func generateConstructor() {
        var own = OracleRandom(seed: rng.state ^ 0xC0DE_C0DE_C0DE_C0DE)
        guard own.chance(0.3) else { return }
        swap(&rng, &own)
        defer { swap(&rng, &own) }
        generateAction(index: model.actions.count)
        var c = model.actions.removeLast()
        c.name = "constructor"
        model.constructor = c
        if model.deployments.isEmpty { model.constructor = nil }
    }

    mutating func generateView(index: Int) {
        var scope = OGenScope(context: .view)
        scope.viewLimit = index
        var params: [OParam] = []
        var sort = OSort.uint(rng.weighted([(3, 8), (1, 16)]))
        // Most views take the value they transform, so actions can write `x = v(x)`.
        let maps = vars { if case .map(_, .uint) = $0 { return true } else { return false } }
        let shape = rng.weighted([(model.checked ? 7 : 4, "step"), (maps.isEmpty ? 0 : 2, "read"), (2, "free")])
        var body: OExpr
        switch shape {
        case "step":
            params.append(OParam(name: "a", sort: sort))
            let a = scope.declare("a", sort)
            let op: OArith = rng.weighted([(5, .add), (2, .sub), (2, .mul), (1, .div), (1, .mod)])
            body = .arith(op, a, operand(for: op, width: sort.width!, scope), width: sort.width!)
            if rng.chance(0.3) { body = .arith(.add, body, .number(1), width: sort.width!) }
        case "read":
            let m = rng.pick(maps)
            guard case .map(let k, let value) = model.stateVars[m].sort else { preconditionFailure() }
            sort = value
            params.append(OParam(name: "k", sort: k))
            body = .index(.state(m), scope.declare("k", k))
            if rng.chance(0.5) { body = .arith(rng.pick([.add, .mul]), body, .number(1 + rng.below(2)), width: value.width!) }
        default:
            if rng.chance(0.5) {
                params.append(OParam(name: "a", sort: .uint(8)))
                _ = scope.declare("a", .uint(8))
            }
            sort = .uint(rng.pick(widths(scope)))
            body = uint(sort.width!, depth: 2, scope)
        }
        model.views.append(OView(name: "v\(index)", params: params, sort: sort, body: body))
    }

    mutating func generateAction(index: Int) {
        var scope = OGenScope(context: .action)
        var params: [OParam] = []
        var guards: [OStmt] = []
        for p in 0..<rng.weighted([(2, 0), (4, 1), (2, 2)]) {
            let name = "p\(p)"
            // One uint8 parameter at most: with two, every state would have 65536 argument pairs to try.
            let hasUint = params.contains { $0.sort.isUint }
            let sort: OSort = hasUint ? .bool : rng.weighted([(3, .uint(8)), (1, .bool)])
            // A guarded parameter keeps the explored states few; an unguarded one reaches every value.
            let small = sort == .uint(8) && rng.chance(0.8)
            params.append(OParam(name: name, sort: sort))
            let local = scope.declare(name, sort, small: small)
            if small {
                let bound = rng.chance(0.5) ? OExpr.compare(.lt, local, .number(1 + rng.below(4)))
                    : OExpr.compare(.le, local, .number(rng.below(4)))
                guards.append(.require(bound))
            }
        }
        var body = guards
        for _ in 0..<rng.below(3) { body.append(statement(&scope, depth: 1)) }
        body.append(update(scope))
        // Views inside `unchecked` in checked models: where the arithmetic of the place of use matters.
        if model.checked, let v = model.views.indices.filter({ model.views[$0].params.map(\.sort) == [model.views[$0].sort] })
            .randomElement(using: &rng),
           rng.chance(0.65) {
            let view = model.views[v]
            if let target = vars({ $0 == view.sort }).randomElement(using: &rng) {
                let call = OExpr.call(v, [.state(target)], post: false)
                body.append(rng.chance(0.8) ? .unchecked([.assign(target, keys: [], call)]) : .assign(target, keys: [], call))
            }
        }
        model.actions.append(OAction(name: "act\(index)", params: params, body: body, frameSize: scope.nextSlot))
    }

    // MARK: Statements

    mutating func statement(_ scope: inout OGenScope, depth: Int) -> OStmt {
        let snapshots = model.stateVars.indices.filter(isSnapshot)
        let choice = rng.weighted([
            (8, "update"), (2, "require"), (depth > 0 ? 2 : 0, "if"), (2, "let"), (depth > 0 ? 2 : 0, "unchecked"),
            (snapshots.isEmpty ? 0 : 2, "copy"),
        ])
        switch choice {
        case "require":
            return .require(condition(scope))
        case "if":
            var thenScope = scope, elseScope = scope
            let c = condition(scope)
            let t = (0..<(1 + rng.below(2))).map { _ in statement(&thenScope, depth: depth - 1) }
            var e = (0..<rng.below(2)).map { _ in statement(&elseScope, depth: depth - 1) }
            if rng.chance(0.2) {
                // `else if c { ... } else { ... }`
                e = [.ifElse(condition(scope), [update(scope)], rng.chance(0.5) ? [update(scope)] : [])]
            }
            // Lets in a branch end with it; their slots are not reused.
            scope.nextSlot = max(thenScope.nextSlot, elseScope.nextSlot)
            return .ifElse(c, t, e)
        case "let":
            let w = rng.pick(widths(scope))
            let value = uint(w, depth: 1, scope)
            let name = "t\(scope.nextSlot)"
            guard case .local(let slot, _) = scope.declare(name, .uint(w)) else { preconditionFailure() }
            return .bind(slot: slot, name: name, value)
        case "unchecked":
            return .unchecked((0..<(1 + rng.below(2))).map { _ in update(scope) })
        case "copy":
            let s = rng.pick(snapshots)
            let sources = model.stateVars.indices.filter { $0 != s && model.stateVars[$0].sort == model.stateVars[s].sort }
            return .copy(s, from: rng.pick(sources))
        default:
            return update(scope)
        }
    }

    /// A write to a state variable, mostly in terms of its own value (`x = x + p`,
    /// `m[k] = m[k] - 1`), so the states reached stay few and related.
    mutating func update(_ scope: OGenScope) -> OStmt {
        let targets = model.stateVars.indices.filter { !isSnapshot($0) }
        let v = rng.pick(targets)
        switch model.stateVars[v].sort {
        case .map(let k, .map(let k2, let value)):
            let keys = [key(k, scope), key(k2, scope)]
            return .assign(v, keys: keys, newValue(value, old: .index(.index(.state(v), keys[0]), keys[1]), scope))
        case .map(let k, let value):
            let keys = [key(k, scope)]
            return .assign(v, keys: keys, newValue(value, old: .index(.state(v), keys[0]), scope))
        case let sort:
            return .assign(v, keys: [], newValue(sort, old: .state(v), scope))
        }
    }

    mutating func newValue(_ sort: OSort, old: OExpr, _ scope: OGenScope) -> OExpr {
        switch sort {
        case .bool:
            return rng.weighted([(2, .bool(true)), (2, .not(old)), (3, condition(scope))])
        case .uint(let w):
            let op: OArith = rng.weighted([(8, .add), (4, .sub), (2, .mul), (1, .div), (1, .mod)])
            return rng.weighted([(8, .arith(op, old, operand(for: op, width: w, scope), width: w)), (1, uint(w, depth: 1, scope)),
                                 (1, rng.chance(0.5) ? operandOfWidthAtMost(w, scope, exact: true) : .number(literal(width: w)))])
        case .map: preconditionFailure("maps are copied, not computed")
        }
    }

    // MARK: Expressions

    /// Readable uint expressions of exactly `w` bits.
    func uintLeaves(_ w: Int, _ scope: OGenScope, keys: (OSort) -> [OExpr]) -> [OExpr] {
        var out: [OExpr] = scope.locals.filter { $0.sort == .uint(w) }.map { .local(slot: $0.slot, name: $0.name) }
        guard scope.readsState else { return out }
        for (i, v) in model.stateVars.enumerated() {
            let reads: [OExpr] = scope.readsPost ? [.state(i), .post(i)] : [.state(i)]
            for r in reads {
                switch v.sort {
                case .uint(w): out.append(r)
                case .map(let k, .uint(w)): out += keys(k).map { .index(r, $0) }
                case .map(let k, .map(let k2, .uint(w))):
                    if let a = keys(k).first, let b = keys(k2).last { out.append(.index(.index(r, a), b)) }
                default: break
                }
            }
        }
        return out
    }

    mutating func uint(_ w: Int, depth: Int, _ scope: OGenScope) -> OExpr {
        var leaves = uintLeaves(w, scope) { [self] k in self.fixedKeys(k, scope) }
        if scope.callsViews {
            for (i, v) in model.views.enumerated() where i < scope.viewLimit && v.sort == .uint(w) {
                var argScope = scope
                argScope.context = scope.context == .rule ? .invariant : scope.context
                leaves.append(.call(i, v.params.map { p in valueOfSort(p.sort, argScope) }, post: scope.readsPost && rng.chance(0.4)))
            }
        }
        precondition(!leaves.isEmpty, "no uint\(w) reading in scope: callers pick widths from widths(scope)")
        if depth <= 0 || rng.chance(0.4) { return rng.pick(leaves) }
        if rng.chance(0.12) {
            // `c ? a : b`: only the branch taken is evaluated, so checked arithmetic in the other cannot revert.
            let a = uint(w, depth: depth - 1, scope)
            let b = rng.chance(0.5) ? OExpr.number(literal(width: w)) : operandOfWidthAtMost(w, scope)
            return rng.chance(0.5) ? .ite(condition(scope, depth: 0), a, b) : .ite(condition(scope, depth: 0), b, a)
        }
        let op: OArith = rng.weighted([(6, .add), (3, .sub), (2, .mul), (1, .div), (1, .mod)])
        let left = uint(w, depth: depth - 1, scope)
        let right = operand(for: op, width: w, scope)
        return rng.chance(0.75) ? .arith(op, left, right, width: w) : .arith(op, right, left, width: w)
    }

    /// The right operand of `op` at `w` bits. Products and quotients of two unknowns are
    /// nonlinear, which the solver decides slowly, often not within the timeout: they are kept
    /// to 8 bits, and to actions, views and lemmas (an invariant or rule takes a literal there).
    mutating func operand(for op: OArith, width w: Int, _ scope: OGenScope) -> OExpr {
        let nonlinear = w == 8 && scope.context != .invariant && scope.context != .rule
        switch op {
        case .add, .sub:
            return rng.chance(0.4) ? .number(rng.chance(0.7) ? 1 + rng.below(3) : literal(width: w)) : operandOfWidthAtMost(w, scope)
        case .mul:
            return nonlinear && rng.chance(0.4) ? operandOfWidthAtMost(w, scope) : .number(2 + rng.below(2))
        case .div, .mod:
            return nonlinear && rng.chance(0.5) ? operandOfWidthAtMost(w, scope) : .number(rng.below(4))
        }
    }

    /// An operand of at most `w` bits that is not a bare literal (`exact`: exactly `w` bits).
    mutating func operandOfWidthAtMost(_ w: Int, _ scope: OGenScope, exact: Bool = false) -> OExpr {
        let candidates = (exact ? [w] : [8, 16].filter { $0 <= w }).shuffled(using: &rng)
        for width in candidates {
            let leaves = uintLeaves(width, scope) { [self] k in self.fixedKeys(k, scope) }
            if !leaves.isEmpty { return rng.pick(leaves) }
        }
        preconditionFailure("no uint operand of at most \(w) bits in scope")
    }

    /// The widths (8, 16) of which the scope can read a uint without a view.
    func widths(_ scope: OGenScope) -> [Int] {
        [8, 16].filter { !uintLeaves($0, scope, keys: { [self] k in self.fixedKeys(k, scope) }).isEmpty }
    }

    /// Map keys that are cheap to enumerate: small parameters and literals.
    func fixedKeys(_ sort: OSort, _ scope: OGenScope) -> [OExpr] {
        switch sort {
        case .bool:
            return [.bool(true), .bool(false)] + scope.locals.filter { $0.sort == .bool }.map { .local(slot: $0.slot, name: $0.name) }
        default:
            return scope.locals.filter { $0.sort == sort && (scope.smallLocals.contains($0.name) || scope.context != .action) }
                .map { .local(slot: $0.slot, name: $0.name) } + [.number(0), .number(1), .number(2)]
        }
    }

    mutating func key(_ sort: OSort, _ scope: OGenScope) -> OExpr {
        let keys = fixedKeys(sort, scope)
        // An unguarded parameter as a key now and then: many states, explored up to the cap.
        if sort == .uint(8), rng.chance(0.08),
           let any = scope.locals.first(where: { $0.sort == .uint(8) && !scope.smallLocals.contains($0.name) }) {
            return .local(slot: any.slot, name: any.name)
        }
        let locals = keys.filter { if case .local = $0 { return true } else { return false } }
        return !locals.isEmpty && rng.chance(0.7) ? rng.pick(locals) : rng.pick(keys)
    }

    mutating func valueOfSort(_ sort: OSort, _ scope: OGenScope) -> OExpr {
        switch sort {
        case .bool:
            let bools = scope.locals.filter { $0.sort == .bool }.map { OExpr.local(slot: $0.slot, name: $0.name) }
            return bools.isEmpty || rng.chance(0.3) ? .bool(rng.chance(0.5)) : rng.pick(bools)
        case .uint(let w):
            let leaves = uintLeaves(w, scope) { [self] k in self.fixedKeys(k, scope) }
            return leaves.isEmpty || rng.chance(0.3) ? .number(literal(width: w)) : rng.pick(leaves)
        case .map: preconditionFailure("no map values")
        }
    }

    /// A bool expression: a bool reading, a comparison, or a combination of them.
    mutating func condition(_ scope: OGenScope, depth: Int = 1) -> OExpr {
        var bools: [OExpr] = scope.locals.filter { $0.sort == .bool }.map { .local(slot: $0.slot, name: $0.name) }
        if scope.readsState {
            for (i, v) in model.stateVars.enumerated() {
                switch v.sort {
                case .bool: bools.append(.state(i))
                case .map(let k, .bool): bools.append(.index(.state(i), key(k, scope)))
                default: break
                }
            }
        }
        // Sums and counts, also in actions (`require sum(m) < 5`), where they follow every write.
        var sums: [OExpr] = []
        if scope.readsState {
            for (i, v) in model.stateVars.enumerated() {
                let posts = scope.readsPost ? [false, true] : [false]
                switch v.sort {
                case .map(let k, .map):
                    sums += posts.map { OExpr.sum(i, key: rng.pick(fixedKeys(k, scope)), post: $0) }
                case .map: sums += posts.map { OExpr.sum(i, key: nil, post: $0) }
                default: break
                }
            }
        }
        let kind = rng.weighted([(bools.isEmpty ? 0 : 3, "bool"), (5, "compare"), (sums.isEmpty ? 0 : 1, "sum"),
                                 (depth > 0 ? 2 : 0, "logic"), (1, "not")])
        switch kind {
        case "bool": return rng.pick(bools)
        case "sum": return .compare(rng.pick([.lt, .le, .ge, .eq, .ne]), rng.pick(sums), .number(rng.below(6)))
        case "logic":
            let op: OLogic = rng.weighted([(3, .and), (2, .or), (1, .implies)])
            return .logic(op, condition(scope, depth: depth - 1), condition(scope, depth: depth - 1))
        case "not": return .not(condition(scope, depth: 0))
        default:
            let w = rng.pick(widths(scope))
            let left = uint(w, depth: rng.below(2), scope)
            let op: OCompare = rng.pick([.lt, .le, .gt, .ge, .eq, .ne])
            let right: OExpr = rng.chance(0.6) ? .number(literal(width: w)) : operandOfWidthAtMost(16, scope)
            return .compare(op, left, right)
        }
    }
}

// MARK: Properties

/// A generated model with the oracle's verdict on each of its properties.
struct OracleCase {
    var model: OModel
    var exploration: OExploration
    /// By property name.
    var verdicts: [String: OVerdict]
    /// Built with a bug deeper than the bound (`OracleCase.deep`): a violation the oracle sees
    /// at any depth must be refuted, and unknown counts as missed.
    var deepBug = false

    static let depth = 4
    static let stateCap = 400
    /// The most property evaluations and action executions spent deciding a model's candidate properties.
    static let evaluationBudget = 40_000

    static func generate(seed: UInt64, index: Int) -> OracleCase {
        var g = OracleGenerator(seed: seed, index: index)
        g.generateShape()
        let exploration = OExploration(g.model, bound: depth, stateCap: stateCap)
        let candidates = g.candidateProperties(exploration)
        let decided = g.model.verdicts(candidates, in: exploration, budget: evaluationBudget)
        var chosen = g.choose(Array(zip(candidates, decided)))
        for i in chosen.indices { chosen[i].0.name = "\(chosen[i].0.kindName == "invariant" ? "inv" : chosen[i].0.kindName)\(i)" }
        g.model.properties = chosen.map(\.0)
        return OracleCase(model: g.model, exploration: exploration,
                          verdicts: Dictionary(uniqueKeysWithValues: chosen.map { ($0.0.name, $0.1) }))
    }

    /// Whether the oracle knows `p` has no violation within the prover's depth.
    func holdsWithinBound(_ p: OProperty) -> Bool {
        guard let v = verdicts[p.name] else { return false }
        if let violation = v.violation { return violation.depth > OracleCase.depth && (p.isLemma || exploration.completeToBound) }
        return p.isLemma || (exploration.completeToBound && v.examinedDepth >= OracleCase.depth)
    }

    /// Whether the oracle knows `p` holds: in every reachable state, or for every parameter value.
    func holdsEverywhere(_ p: OProperty) -> Bool {
        guard let v = verdicts[p.name], v.violation == nil else { return false }
        return p.isLemma || (exploration.closed && v.examinedDepth == Int.max)
    }
}

extension OracleGenerator {
    /// Values `e` takes in the explored states, by the depth they are first seen at.
    func observed(_ e: OExpr, _ x: OExploration) -> [Int: [Int]] {
        var out: [Int: Set<Int>] = [:]
        for (i, s) in x.states.enumerated() {
            if let v = model.evaluate(e, OFrame(pre: s, post: nil, locals: [], checked: false)), case .uint(let n) = v {
                out[x.depth[i], default: []].insert(n)
            }
        }
        return out.mapValues { $0.sorted() }
    }

    /// The largest literal the type checker admits beside `e`: the maximum of its sort.
    func limit(_ e: OExpr) -> Int {
        switch e {
        case .state(let i), .post(let i):
            return model.stateVars[i].sort.width.map { (1 << $0) - 1 } ?? 0
        case .index(let m, _):
            var inner = m, depth = 1
            while case .index(let mm, _) = inner { inner = mm; depth += 1 }
            guard case .state(let i) = inner else { return 255 }
            var sort = model.stateVars[i].sort
            for _ in 0..<depth { if case .map(_, let v) = sort { sort = v } }
            return sort.width.map { (1 << $0) - 1 } ?? 0
        case .call(let v, _, _): return (1 << model.views[v].sort.width!) - 1
        case .arith(_, _, _, let w): return w >= OSort.sumWidth ? Int.max : (1 << w) - 1
        default: return Int.max
        }
    }

    /// A constant for `e op C` that makes the comparison first fail at some depth (or never).
    mutating func threshold(_ e: OExpr, _ op: OCompare, _ x: OExploration) -> Int {
        let seen = observed(e, x)
        // A target past every explored depth makes a bound that holds wherever the oracle looked.
        let target = rng.pick([1, 2, 3, 3, 4, 4, 5, 6, Int.max])
        let before = seen.filter { $0.key < target }.flatMap(\.value)
        let at = seen[target] ?? []
        switch op {
        case .le, .lt: return min(limit(e), (before.max() ?? 0) + (op == .lt ? 1 : 0))
        case .ge, .gt: return max(0, (before.min() ?? 0) - (op == .gt ? 1 : 0))
        case .ne: return min(limit(e), at.first { !before.contains($0) } ?? ((seen.values.flatMap { $0 }.max() ?? 0) + 1))
        case .eq: return before.first ?? 0
        }
    }

    /// Scalars worth stating properties about: state, map entries at fixed keys, sums, counts, views.
    mutating func observables(_ scope: OGenScope) -> [OExpr] {
        var out: [OExpr] = []
        for (i, v) in model.stateVars.enumerated() {
            switch v.sort {
            case .uint: out.append(.state(i))
            case .map(let k, .uint), .map(let k, .bool):
                out.append(.sum(i, key: nil, post: false))
                if case .map(_, .uint) = v.sort { out.append(.index(.state(i), rng.pick(fixedKeys(k, scope)))) }
            case .map(let k, .map(let k2, let value)):
                out.append(.sum(i, key: rng.pick(fixedKeys(k, scope)), post: false))
                if value.isUint { out.append(.index(.index(.state(i), rng.pick(fixedKeys(k, scope))), rng.pick(fixedKeys(k2, scope)))) }
            default: break
            }
        }
        for (i, view) in model.views.enumerated() {
            out.append(.call(i, view.params.map { valueOfSort($0.sort, scope) }, post: false))
        }
        return out
    }

    mutating func candidateProperties(_ x: OExploration) -> [OProperty] {
        var out: [OProperty] = []
        let invariantScope = OGenScope(context: .invariant)
        // Bounds with constants read off the explored states.
        for _ in 0..<4 {
            let obs = observables(invariantScope)
            guard !obs.isEmpty else { break }
            let e = rng.pick(obs)
            let op: OCompare = rng.weighted([(4, .le), (2, .lt), (2, .ge), (1, .gt), (3, .ne)])
            var body = OExpr.compare(op, e, .number(threshold(e, op, x)))
            if rng.chance(0.25) { body = .logic(.implies, condition(invariantScope, depth: 0), body) }
            out.append(OProperty(name: "", kind: .invariant, params: [], body: body))
        }
        // Relations between two readings, in exact arithmetic (as properties compute).
        let obs = observables(invariantScope)
        if obs.count >= 2 {
            let a = rng.pick(obs), b = rng.pick(obs)
            let op: OCompare = rng.pick([.le, .ge, .eq, .ne])
            out.append(OProperty(name: "", kind: .invariant, params: [], body: .compare(op, a, b)))
        }
        // Quantified over a key: invariant p(k): m[k] <= C, sum(g[k]) <= C, ...
        for (i, v) in model.stateVars.enumerated() where v.sort.isMap && rng.chance(0.7) {
            guard case .map(let k, let value) = v.sort, x.states.count * k.allValues!.count <= 4 * OracleCase.evaluationBudget else { continue }
            var scope = OGenScope(context: .invariant)
            let key = scope.declare("k", k)
            // What is read at a key: the entry, an inner entry or an inner sum (count) of a nested map.
            var reading: (OExpr) -> OExpr = { .index(.state(i), $0) }
            var readSort = value
            if case .map(let k2, let inner) = value {
                if rng.chance(inner == .bool ? 0.3 : 0.5) {
                    reading = { .sum(i, key: $0, post: false) }
                    readSort = .uint(OSort.sumWidth)
                } else {
                    // A literal inner key: the constant below is read off states with no parameter bound.
                    let innerKey = rng.pick(fixedKeys(k2, OGenScope(context: .invariant)))
                    reading = { .index(.index(.state(i), $0), innerKey) }
                    readSort = inner
                }
            }
            let body: OExpr
            if readSort == .bool {
                body = rng.chance(0.5) ? .logic(.implies, reading(key), condition(scope, depth: 0)) : .not(reading(key))
            } else {
                // The constant is read off key 0 (false), where actions often write.
                let op: OCompare = rng.pick([.le, .lt, .ne])
                body = .compare(op, reading(key), .number(max(threshold(reading(.number(0)), op, x), rng.below(4))))
            }
            out.append(OProperty(name: "", kind: .invariant, params: [OParam(name: "k", sort: k)], body: body))
        }
        // Snapshots: equal maps, and sums that must agree with them.
        for (s, v) in model.stateVars.enumerated() where isSnapshot(s) {
            guard let m = model.stateVars.indices.first(where: { $0 != s && model.stateVars[$0].sort == v.sort }) else { continue }
            var body: OExpr = rng.chance(0.5) ? .compare(.eq, .state(s), .state(m)) : .compare(.ne, .state(s), .state(m))
            if rng.chance(0.4) { body = .logic(.or, condition(invariantScope, depth: 0), body) }
            out.append(OProperty(name: "", kind: .invariant, params: [], body: body))
            if case .map(_, let value) = v.sort, !value.isMap {
                out.append(OProperty(name: "", kind: .invariant, params: [],
                                     body: .compare(.le, .sum(s, key: nil, post: false), .sum(m, key: nil, post: false))))
            }
        }
        // A random condition over the state.
        out.append(OProperty(name: "", kind: .invariant, params: [], body: condition(invariantScope, depth: 1)))
        out += candidateRules(x)
        out.append(candidateLemma())
        return out
    }

    mutating func candidateRules(_ x: OExploration) -> [OProperty] {
        var out: [OProperty] = []
        for action in model.actions {
            var scope = OGenScope(context: .rule)
            let renamed = rng.chance(0.5)
            let args = action.params.enumerated().map { i, p in renamed ? "r\(i)" : p.name }
            var argExprs: [OExpr] = []
            for (name, p) in zip(args, action.params) {
                argExprs.append(scope.declare(name, p.sort, small: true))
            }
            // The action's top-level writes, read in the rule with the rule's names for the arguments:
            // `!reverted ==> x' == e`, true until an earlier statement changes what `e` reads.
            var effects: [OExpr] = []
            let parameters = action.params.count
            for case .assign(let v, let keys, let e) in action.body
            where isRuleReadable(e, parameters: parameters) && keys.allSatisfy({ isRuleReadable($0, parameters: parameters) }) {
                let target: OExpr = keys.reduce(.post(v)) { .index($0, renaming($1, args)) }
                effects.append(.compare(.eq, target, renaming(e, args)))
            }
            for case .copy(let dst, let src) in action.body { effects.append(.compare(.eq, .post(dst), .state(src))) }
            var bodies: [OExpr] = effects.map { .logic(.implies, .not(.reverted), $0) }
            for (i, v) in model.stateVars.enumerated() where v.sort.isUint {
                bodies.append(.logic(.implies, .not(.reverted), .compare(rng.pick([.ge, .le, .ne]), .post(i), .state(i))))
                bodies.append(.compare(.eq, .reverted, .compare(rng.pick([.lt, .ge]), .state(i), .number(threshold(.state(i), .le, x)))))
            }
            for (i, v) in model.stateVars.enumerated() where v.sort.isMap {
                if case .map(_, let value) = v.sort, !value.isMap {
                    bodies.append(.logic(.implies, .not(.reverted),
                                         .compare(rng.pick([.ge, .le, .eq]), .sum(i, key: nil, post: true), .sum(i, key: nil, post: false))))
                }
                bodies.append(.logic(.implies, .reverted, .compare(.eq, .post(i), .state(i))))
            }
            bodies.append(.logic(.implies, condition(scope, depth: 0), .not(.reverted)))
            for (i, view) in model.views.enumerated() {
                let callArgs = view.params.map { valueOfSort($0.sort, OGenScope(context: .invariant)) }
                bodies.append(.logic(.implies, .not(.reverted),
                                     .compare(rng.pick([.ge, .le, .ne]), .call(i, callArgs, post: true), .call(i, callArgs, post: false))))
            }
            for _ in 0..<min(3, bodies.count) {
                out.append(OProperty(name: "", kind: .rule(action: action.name, args: args), params: [], body: rng.pick(bodies)))
            }
            // A frame rule over a key parameter: entries other than the written one keep their value.
            let argCount = allValues(of: action.params).count
            if x.states.count * argCount * 256 <= 4 * OracleCase.evaluationBudget, let (m, k) = model.stateVars.enumerated().compactMap({ i, v -> (Int, OSort)? in
                if case .map(let k, let value) = v.sort, !value.isMap { return (i, k) }
                return nil
            }).randomElement(using: &rng) {
                var frameScope = OGenScope(context: .rule)
                let key = frameScope.declare("k", k)
                for (name, p) in zip(args, action.params) { _ = frameScope.declare(name, p.sort) }
                let frame = OExpr.compare(.eq, .index(.post(m), key), .index(.state(m), key))
                let written = argExprs.first { e in
                    if case .local(let slot, _) = e { return scope.locals[slot].sort == k }
                    return false
                }
                // With an argument of the key's sort, the entry at that key is exempt (k may alias it).
                let body = written.map { OExpr.logic(.implies, .compare(.ne, key, renumber($0, by: 1)), frame) } ?? frame
                out.append(OProperty(name: "", kind: .rule(action: action.name, args: args), params: [OParam(name: "k", sort: k)], body: body))
            }
        }
        // Over every action.
        if let i = model.stateVars.indices.first(where: { model.stateVars[$0].sort.isUint }) {
            out.append(OProperty(name: "", kind: .rule(action: nil, args: []), params: [],
                                 body: .compare(rng.pick([.ge, .le]), .post(i), .state(i))))
        }
        return out
    }

    /// Whether an action's expression can be read in a rule: its locals are all parameters
    /// (slots below `parameters`), since a rule cannot see an action's lets.
    func isRuleReadable(_ e: OExpr, parameters: Int) -> Bool {
        func go(_ e: OExpr) -> Bool {
            switch e {
            case .local(let slot, _): return slot < parameters
            case .sum(_, let key, _): return key.map(go) ?? true
            case .bool, .number, .state, .post, .reverted: return true
            case .index(let a, let b), .arith(_, let a, let b, _), .compare(_, let a, let b), .logic(_, let a, let b):
                return go(a) && go(b)
            case .not(let a): return go(a)
            case .ite(let a, let b, let c): return go(a) && go(b) && go(c)
            case .call(_, let args, _): return args.allSatisfy(go)
            }
        }
        return go(e)
    }

    /// An action's expression with its parameters named as the rule names them (same slots).
    func renaming(_ e: OExpr, _ names: [String]) -> OExpr {
        switch e {
        case .local(let slot, _): return .local(slot: slot, name: names[slot])
        case .sum(let i, let key, let post): return .sum(i, key: key.map { renaming($0, names) }, post: post)
        case .bool, .number, .state, .post, .reverted: return e
        case .index(let a, let b): return .index(renaming(a, names), renaming(b, names))
        case .arith(let op, let a, let b, let w): return .arith(op, renaming(a, names), renaming(b, names), width: w)
        case .compare(let op, let a, let b): return .compare(op, renaming(a, names), renaming(b, names))
        case .logic(let op, let a, let b): return .logic(op, renaming(a, names), renaming(b, names))
        case .not(let a): return .not(renaming(a, names))
        case .ite(let a, let b, let c): return .ite(renaming(a, names), renaming(b, names), renaming(c, names))
        case .call(let v, let args, let post): return .call(v, args.map { renaming($0, names) }, post: post)
        }
    }

    /// A bare local moved up by `offset` slots (a rule's parameters come before its arguments).
    func renumber(_ e: OExpr, by offset: Int) -> OExpr {
        if case .local(let slot, let name) = e { return .local(slot: slot + offset, name: name) }
        return e
    }

    /// A stateless fact about one or two parameters, in exact arithmetic.
    mutating func candidateLemma() -> OProperty {
        var scope = OGenScope(context: .lemma)
        let shape = rng.weighted([(3, [OSort.uint(8), .uint(8)]), (1, [.uint(16)]), (1, [.uint(8), .bool])])
        var params: [OParam] = []
        for (i, sort) in shape.enumerated() {
            let name = ["a", "b"][i]
            params.append(OParam(name: name, sort: sort))
            _ = scope.declare(name, sort)
        }
        let w = shape[0].width!
        let a = OExpr.local(slot: 0, name: "a")
        let b: OExpr = shape.count > 1 && shape[1].isUint ? .local(slot: 1, name: "b") : .number(1 + rng.below(3))
        let templates: [OExpr] = [
            .compare(.le, .arith(.div, .arith(.mul, a, b, width: w), b, width: w), a),
            .compare(.lt, .arith(.mod, a, .arith(.add, b, .number(1), width: w), width: w), .arith(.add, b, .number(1), width: w)),
            .compare(.eq, .arith(.sub, .arith(.add, a, b, width: w), b, width: w), a),
            .compare(.ge, .arith(.add, a, b, width: w), a),
            .compare(.eq, .arith(.div, .arith(.mul, a, .number(2), width: w), .number(2), width: w), a),
            .compare(.le, .arith(.add, .arith(.div, a, .number(2), width: w), .arith(.div, a, .number(2), width: w), width: w), a),
            .logic(.implies, .compare(.ne, b, .number(0)),
                   .compare(.eq, .arith(.add, .arith(.mul, .arith(.div, a, b, width: w), b, width: w), .arith(.mod, a, b, width: w), width: w), a)),
            .compare(.le, .arith(.sub, a, b, width: w), a),
            .compare(.le, .arith(.mod, a, b, width: w), a),
        ]
        var body: OExpr = rng.chance(0.7) ? rng.pick(templates) : condition(scope, depth: 1)
        if shape.count > 1, shape[1] == .bool, rng.chance(0.6) {
            body = .logic(.implies, .local(slot: 1, name: "b"), body)
        }
        return OProperty(name: "", kind: .lemma, params: params, body: body)
    }

    /// Keeps two to four properties: ones that hold and ones that fail a few steps deep are
    /// preferred to ones that fail at once, and lemmas and rules are kept few. Properties that
    /// read what a checked model writes inside `unchecked` are preferred: there the arithmetic
    /// of the place of use decides the outcome.
    mutating func choose(_ verdicts: [(OProperty, OVerdict)]) -> [(OProperty, OVerdict)] {
        let wrapped = model.checked ? Set(model.actions.flatMap { uncheckedWrites($0.body, inside: false) }) : []
        var pool = verdicts.shuffled(using: &rng)
        var chosen: [(OProperty, OVerdict)] = []
        let count = 2 + rng.below(3)
        func weight(_ c: (OProperty, OVerdict)) -> Int {
            let kindCount = chosen.filter { $0.0.kindName == c.0.kindName }.count
            if c.0.isLemma && kindCount >= 1 { return 0 }
            if c.0.isRule && kindCount >= 2 { return 0 }
            let base = c.1.violation.map { c.0.isLemma ? 4 : $0.depth >= 2 ? 6 : 1 } ?? 6
            return reads(c.0.body).isDisjoint(with: wrapped) ? base : 3 * base
        }
        while chosen.count < count {
            let weights = pool.map(weight)
            guard weights.contains(where: { $0 > 0 }) else { break }
            let i = rng.weighted(weights.enumerated().map { ($0.element, $0.offset) })
            chosen.append(pool.remove(at: i))
        }
        return chosen
    }

    /// State variables assigned inside `unchecked` blocks.
    func uncheckedWrites(_ statements: [OStmt], inside: Bool) -> [Int] {
        statements.flatMap { s -> [Int] in
            switch s {
            case .assign(let v, _, _), .copy(let v, _): return inside ? [v] : []
            case .ifElse(_, let t, let e): return uncheckedWrites(t, inside: inside) + uncheckedWrites(e, inside: inside)
            case .unchecked(let block): return uncheckedWrites(block, inside: true)
            case .require, .bind: return []
            }
        }
    }

    /// State variables an expression reads, through the views it calls as well.
    func reads(_ e: OExpr) -> Set<Int> {
        switch e {
        case .state(let i), .post(let i): return [i]
        case .sum(let i, let key, _): return key.map(reads)?.union([i]) ?? [i]
        case .bool, .number, .local, .reverted: return []
        case .not(let a): return reads(a)
        case .index(let a, let b), .arith(_, let a, let b, _), .compare(_, let a, let b), .logic(_, let a, let b):
            return reads(a).union(reads(b))
        case .ite(let a, let b, let c): return reads(a).union(reads(b)).union(reads(c))
        case .call(let v, let args, _): return args.reduce(reads(model.views[v].body)) { $0.union(reads($1)) }
        }
    }
}

extension Array {
    func randomElement(using rng: inout OracleRandom) -> Element? { isEmpty ? nil : self[rng.below(count)] }
    func shuffled(using rng: inout OracleRandom) -> [Element] {
        var a = self
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, rng.below(i + 1)) }
        return a
    }
}
