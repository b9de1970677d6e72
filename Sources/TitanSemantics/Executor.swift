import BigInt
import TitanIR

/// The one definition of what IR means. Running an action, evaluating a property and building
/// the initial state are written once here, over the primitive operations of a `Domain`.
/// The interpreter instantiates it with concrete values, the prover with Z3 terms.
///
/// The IR is compiled once into closures (names resolved to slots, sorts and constants worked
/// out ahead); both domains run the same compiled code, so there is still one semantics, read
/// without walking the tree or looking names up on every step.
public final class Executor<D: Domain> {
    public let domain: D
    public let model: Model
    public let layout: StateLayout
    /// The maps whose sums are kept as ghosts (`Model.summedMaps`, worked out once).
    public let summedMaps: [String]
    @usableFromInline let actions: [String: CompiledAction]
    /// Compiles properties and initial values after the actions; it only reads its state then.
    @usableFromInline let compiler: Compiler

    @inlinable public init(model: Model, domain: D) {
        self.model = model
        self.domain = domain
        let summedMaps = model.summedMaps
        let compiler = Compiler(model: model, domain: domain, summed: Set(summedMaps))
        self.summedMaps = summedMaps
        self.layout = compiler.layout
        var actions: [String: CompiledAction] = [:]
        for a in model.bodies where actions[a.name] == nil { actions[a.name] = compiler.action(a) }
        self.actions = actions
        self.compiler = compiler
    }

    /// The result of one action: the state it would leave and whether it completed.
    /// When `ok` is false the action reverted and the state is the pre-state.
    public struct Outcome {
        public var state: State<D.Value>
        public var ok: D.Value
        /// What the action returned, for an action that declares a return type (zero when it reverted).
        public var result: D.Value?
        @inlinable init(state: State<D.Value>, ok: D.Value, result: D.Value? = nil) { self.state = state; self.ok = ok; self.result = result }
    }

    /// The values that name a property may refer to.
    public struct Frame {
        public var pre: State<D.Value>
        public var post: State<D.Value>?
        public var names: [String: D.Value]
        public var reverted: D.Value?
        public init(pre: State<D.Value>, post: State<D.Value>? = nil, names: [String: D.Value] = [:], reverted: D.Value? = nil) {
            self.pre = pre; self.post = post; self.names = names; self.reverted = reverted
        }
    }

    /// An action ready to run: its body compiled, its parameters in local slots 0..<n.
    public final class CompiledAction {
        public let name: String
        public let params: [Param]
        @usableFromInline let localCount: Int
        @usableFromInline let body: StmtCode
        /// False when nothing in the body can revert (no `require`, no checked arithmetic):
        /// then the pre-state need not be kept, and the state is updated in place.
        @usableFromInline let canRevert: Bool
        /// The local slot holding the returned value, and its sort, for an action that returns one.
        @usableFromInline let result: (slot: Int, sort: Sort)?

        @inlinable init(name: String, params: [Param], localCount: Int, body: @escaping StmtCode, canRevert: Bool,
                        result: (slot: Int, sort: Sort)?) {
            self.name = name; self.params = params; self.localCount = localCount; self.body = body; self.canRevert = canRevert
            self.result = result
        }
    }

    /// What compiled code reads and writes besides the state: locals, the post-state and
    /// revert flag of a rule, and the conditions under which the action faults.
    @usableFromInline struct Scratch {
        @usableFromInline var post: State<D.Value>?
        @usableFromInline var locals: [D.Value]
        @usableFromInline var reverted: D.Value?
        /// Fault conditions of the expression being evaluated (checked arithmetic).
        @usableFromInline var faults: [D.Value]
        /// Under which condition the action has reverted so far.
        @usableFromInline var reverts: D.Value

        @inlinable init(post: State<D.Value>?, locals: [D.Value], reverted: D.Value?, faults: [D.Value], reverts: D.Value) {
            self.post = post; self.locals = locals; self.reverted = reverted; self.faults = faults; self.reverts = reverts
        }
    }

    @usableFromInline typealias ExprCode = (inout State<D.Value>, inout Scratch) -> D.Value
    @usableFromInline typealias StmtCode = (inout State<D.Value>, inout Scratch, D.Value) -> Void

    // MARK: Initial state

    @inlinable public func initialState() -> State<D.Value> {
        let placeholder = domain.bool(false)
        var empty = State(layout: layout, values: Array(repeating: placeholder, count: layout.names.count),
                          ghostSums: Array(repeating: nil, count: layout.names.count))
        var scratch = Scratch(post: nil, locals: [], reverted: nil, faults: [], reverts: placeholder)
        var values: [D.Value] = [], sums: [D.Value?] = []
        for v in model.stateVars {
            // Initial values are closed expressions: they read nothing from the empty state.
            values.append(v.initial.map { compiler.expr($0, [:])(&empty, &scratch) } ?? domain.zero(v.sort))
            sums.append(compiler.summed.contains(v.name) ? Executor.ghostSort(of: v.sort).map { domain.zero($0) } : nil)
        }
        return State(layout: layout, values: values, ghostSums: sums)
    }

    /// The sort of a summed map's ghost: a number for a map of scalars, a map of numbers
    /// (one sum per outer key) for a map of maps.
    /// The ghost's width bounds the sum: at most 2^keyBits entries, each below 2^valueBits, so
    /// the sum is below 2^(keyBits + valueBits); a count is at most 2^keyBits. The type checker
    /// admits sums only where that fits the 512 bits the semantics computes them in.
    public static func ghostSort(of sort: Sort) -> Sort? {
        func bound(_ k: Sort, _ v: Sort) -> Sort { .uint(min(Sort.sumWidth, Sort.sumBits(key: k, value: v))) }
        switch sort {
        case .map(let k, let v) where v == .bool || v.isUint: return bound(k, v)
        case .map(let k, .map(let k2, let v)) where v == .bool || v.isUint: return .map(key: k, value: bound(k2, v))
        default: return nil
        }
    }

    /// What one map entry adds to its map's sum: the number itself, or 1 for a true bool.
    @inlinable public func contribution(_ v: D.Value, _ sort: Sort) -> D.Value {
        Executor.contribution(domain, v, sort)
    }

    @inlinable static func contribution(_ d: D, _ v: D.Value, _ sort: Sort) -> D.Value {
        if sort == .bool { return d.ite(v, d.number(1, width: Sort.sumWidth), d.number(0, width: Sort.sumWidth)) }
        return d.zeroExtend(v, from: sort.bitWidth ?? Sort.sumWidth, to: Sort.sumWidth)
    }

    // MARK: Actions

    /// The compiled form of one of the model's actions, by name.
    @inlinable public func compiled(_ name: String) -> CompiledAction? { actions[name] }

    /// Runs `action` (one of the model's, by name) with `args` (by parameter name) from `pre`.
    @inlinable public func run(_ action: Action, args: [String: D.Value], from pre: State<D.Value>) -> Outcome {
        guard let compiled = actions[action.name] else { preconditionFailure("action \(action.name) is not in model \(model.name)") }
        var state = pre
        var result: D.Value?
        let ok = run(compiled, args: compiled.params.map { args[$0.name]! }, state: &state, result: &result)
        return Outcome(state: state, ok: ok, result: result)
    }

    /// Runs a compiled action with its arguments in parameter order, updating `state` to the
    /// state it leaves (the pre-state when it reverts); returns whether it completed.
    @inlinable public func run(_ action: CompiledAction, args: [D.Value], state: inout State<D.Value>) -> D.Value {
        var ignored: D.Value?
        return run(action, args: args, state: &state, result: &ignored)
    }

    /// The same, also setting `result` to what the action returned (zero when it reverted),
    /// for an action that returns a value.
    @inlinable public func run(_ action: CompiledAction, args: [D.Value], state: inout State<D.Value>, result: inout D.Value?) -> D.Value {
        let d = domain
        var locals = args
        if action.localCount > args.count {
            locals.reserveCapacity(action.localCount)
            for _ in args.count..<action.localCount { locals.append(d.bool(false)) }
        }
        var scratch = Scratch(post: nil, locals: locals, reverted: nil, faults: [], reverts: d.bool(false))
        // An action that cannot revert needs no copy of the pre-state: it changes `state` in place.
        let pre = action.canRevert ? state : nil
        action.body(&state, &scratch, d.bool(true))
        let ok = d.not(scratch.reverts)
        if let r = action.result {
            let value = scratch.locals[r.slot]
            result = d.known(ok) == true ? value : d.ite(ok, value, d.zero(r.sort))
        }
        guard let pre else { return ok }
        // A reverted action leaves the pre-state: merge so both readers see exactly that.
        if let k = d.known(ok) {
            if !k { state = pre }
        } else {
            state = Executor.merge(d, ok, state, pre, slots: layout.slotsByName)
        }
        return ok
    }

    @inlinable static func merge(_ d: D, _ c: D.Value, _ a: State<D.Value>, _ b: State<D.Value>, slots: [Int]) -> State<D.Value> {
        var out = b
        for i in slots {  // by name: the same terms in the same order on every run
            out.values[i] = d.ite(c, a.values[i], b.values[i])
            if let x = a.ghostSums[i], let y = b.ghostSums[i] { out.ghostSums[i] = d.ite(c, x, y) }
        }
        return out
    }

    // MARK: Expressions

    /// Evaluates a property or closed expression. Arithmetic in properties wraps.
    @inlinable public func evaluate(_ e: Expr, in frame: Frame) -> D.Value {
        compile(e, names: Array(frame.names.keys))(frame)
    }

    /// A property compiled once, to evaluate in many frames that each bind exactly `names`
    /// (an invariant assumed for every combination of terms, for instance).
    @inlinable public func compile(_ e: Expr, names: [String]) -> (Frame) -> D.Value {
        let order = names.sorted()
        var scope: [String: Int] = [:]
        for (i, n) in order.enumerated() { scope[n] = i }
        let code = compiler.expr(e, scope)
        let d = domain
        return { frame in
            var pre = frame.pre
            var scratch = Scratch(post: frame.post, locals: order.map { frame.names[$0]! }, reverted: frame.reverted,
                                  faults: [], reverts: d.bool(false))
            return code(&pre, &scratch)
        }
    }
}

extension StateLayout {
    /// Every slot, ordered by variable name.
    @inlinable var slotsByName: [Int] { names.indices.sorted { names[$0] < names[$1] } }
}

extension Executor {
    /// Turns IR into closures over a domain. Each IR construct's meaning is written here once.
    @usableFromInline final class Compiler {
        @usableFromInline let model: Model
        @usableFromInline let d: D
        @usableFromInline let layout: StateLayout
        @usableFromInline let summed: Set<String>
        /// Local slots handed out so far in the action being compiled.
        @usableFromInline var localCount = 0

        @inlinable init(model: Model, domain: D, summed: Set<String>) {
            self.model = model
            self.d = domain
            self.layout = StateLayout(model: model)
            self.summed = summed
        }

        @inlinable func slot(_ name: String) -> Int {
            guard let i = layout.slot(name) else { preconditionFailure("no state variable \(name) in model \(model.name)") }
            return i
        }

        @inlinable func action(_ a: Action) -> CompiledAction {
            localCount = a.params.count
            var scope: [String: Int] = [:]
            for (i, p) in a.params.enumerated() { scope[p.name] = i }
            // The body's own scope is kept, to find the local its final statement returns in.
            let body = sequence(a.body.map { statement($0, &scope) }[...])
            let result = a.returns.flatMap { sort in scope[Action.resultLocal].map { (slot: $0, sort: sort) } }
            return CompiledAction(name: a.name, params: a.params, localCount: localCount, body: body,
                                  canRevert: a.body.contains(where: Compiler.canFault), result: result)
        }

        /// Whether evaluating an expression can fault (checked arithmetic).
        @inlinable static func canFault(_ e: Expr) -> Bool {
            if case .binary(let op, _, _, .checked) = e, op.isArithmetic { return true }
            if case .narrow(_, _, .checked) = e { return true }
            if case .convert(_, _, .checked) = e { return true }
            return e.children.contains(where: canFault)
        }

        /// Whether running a statement can add a revert condition.
        @inlinable static func canFault(_ s: Stmt) -> Bool {
            let visit: (Expr) -> Bool = canFault
            switch s {
            case .require: return true
            case .bind(_, let e), .set(_, let e): return visit(e)
            case .assign(let lv, let e): return lv.indices.contains(where: visit) || visit(e)
            case .ifElse(let c, let t, let f): return visit(c) || t.contains(where: canFault) || f.contains(where: canFault)
            }
        }

        // MARK: Statements

        @inlinable func block(_ stmts: [Stmt], _ outer: [String: Int]) -> StmtCode {
            var scope = outer
            return sequence(stmts.map { statement($0, &scope) }[...])
        }

        /// Statements one after another, as a tree of closures that each call their parts
        /// directly (no array of closures walked on every run).
        @inlinable func sequence(_ codes: ArraySlice<StmtCode>) -> StmtCode {
            switch codes.count {
            case 0: return { _, _, _ in }
            case 1: return codes[codes.startIndex]
            case 2:
                let a = codes[codes.startIndex], b = codes[codes.startIndex + 1]
                return { s, x, path in a(&s, &x, path); b(&s, &x, path) }
            case 3:
                let a = codes[codes.startIndex], b = codes[codes.startIndex + 1], c = codes[codes.startIndex + 2]
                return { s, x, path in a(&s, &x, path); b(&s, &x, path); c(&s, &x, path) }
            default:
                let middle = codes.startIndex + codes.count / 2
                let a = sequence(codes[..<middle]), b = sequence(codes[middle...])
                return { s, x, path in a(&s, &x, path); b(&s, &x, path) }
            }
        }

        /// Folds the fault conditions of a statement's expressions (left in `faults` as they
        /// arose) into the revert condition, on the statement's path.
        @inlinable static func flush(_ d: D, _ x: inout Scratch, _ path: D.Value) {
            guard !x.faults.isEmpty else { return }
            for f in x.faults { x.reverts = d.or(x.reverts, d.and(path, f)) }
            x.faults.removeAll(keepingCapacity: true)
        }

        @inlinable func statement(_ stmt: Stmt, _ scope: inout [String: Int]) -> StmtCode {
            let d = self.d
            switch stmt {
            case .require(let e, _):
                let c = expr(e, scope)
                return { s, x, path in
                    let cond = c(&s, &x)
                    Compiler.flush(d, &x, path)
                    x.reverts = d.or(x.reverts, d.and(path, d.not(cond)))
                }
            case .bind(let n, let e):
                let v = expr(e, scope)
                let i = localCount
                localCount += 1
                scope[n] = i
                return { s, x, path in
                    x.locals[i] = v(&s, &x)
                    Compiler.flush(d, &x, path)
                }
            case .set(let n, let e):
                let v = expr(e, scope)
                guard let i = scope[n] else { preconditionFailure("set of an unbound local \(n)") }
                return { s, x, path in
                    x.locals[i] = v(&s, &x)
                    Compiler.flush(d, &x, path)
                }
            case .assign(let lv, let e):
                return assign(lv, e, scope)
            case .ifElse(let c, let t, let f):
                let cond = expr(c, scope)
                let then = block(t, scope), otherwise = block(f, scope)
                let changed = assigned(t).union(assigned(f)).sorted().map(slot)
                // `var` locals of the enclosing scopes that either branch sets: merged like state.
                let setLocals = Set(setNames(t) + setNames(f)).compactMap { scope[$0] }.sorted()
                return { s, x, path in
                    let cv = cond(&s, &x)
                    Compiler.flush(d, &x, path)
                    if let k = d.known(cv) { return (k ? then : otherwise)(&s, &x, path) }
                    let before = s
                    let localsBefore = setLocals.map { x.locals[$0] }
                    then(&s, &x, d.and(path, cv))
                    let afterThen = s
                    let localsAfterThen = setLocals.map { x.locals[$0] }
                    s = before
                    for (i, v) in zip(setLocals, localsBefore) { x.locals[i] = v }
                    otherwise(&s, &x, d.and(path, d.not(cv)))
                    s = Executor.merge(d, cv, afterThen, s, slots: changed)
                    for (i, v) in zip(setLocals, localsAfterThen) { x.locals[i] = d.ite(cv, v, x.locals[i]) }
                }
            }
        }

        /// The locals a block sets (its own lets among them are not in the enclosing scope).
        @inlinable func setNames(_ stmts: [Stmt]) -> [String] {
            stmts.flatMap { s -> [String] in
                switch s {
                case .set(let n, _): return [n]
                case .ifElse(_, let t, let f): return setNames(t) + setNames(f)
                default: return []
                }
            }
        }

        @inlinable func assigned(_ stmts: [Stmt]) -> Set<String> {
            var out = Set<String>()
            for s in stmts {
                switch s {
                case .assign(let lv, _): out.insert(lv.root)
                case .ifElse(_, let t, let f): out.formUnion(assigned(t)); out.formUnion(assigned(f))
                default: break
                }
            }
            return out
        }

        @inlinable func assign(_ lv: LValue, _ e: Expr, _ scope: [String: Int]) -> StmtCode {
            let d = self.d
            let root = slot(lv.root), rootName = lv.root
            let valueCode = expr(e, scope)
            let indexCodes = lv.indices.map { expr($0, scope) }
            if indexCodes.isEmpty {
                // A whole map copied from another state map brings that map's sum along.
                var source: Int?
                if summed.contains(lv.root), case .state(let src, _) = e { source = slot(src) }
                return { s, x, path in
                    s.values[root] = valueCode(&s, &x)
                    Compiler.flush(d, &x, path)
                    if let source, let sum = s.ghostSums[source] { s.ghostSums[root] = sum }
                }
            }
            // The sort of each level: keySorts[i] is the key sort of indices[i], valueSorts[i]
            // the sort of the map read at that key.
            var keySorts: [Sort] = [], valueSorts: [Sort] = []
            var sort = lv.rootSort
            for _ in lv.indices {
                guard case .map(let ks, let vs) = sort else { break }
                keySorts.append(ks); valueSorts.append(vs)
                sort = vs
            }
            let ghost = sumFollower(lv, root: root)
            // The sum reads the entry being replaced, so it is updated before the write.
            // One and two keys are spelled out: no array of keys per write.
            if indexCodes.count == 1, valueSorts.count == 1 {
                let i0 = indexCodes[0], ks0 = keySorts[0]
                return { s, x, path in
                    let v = valueCode(&s, &x)
                    let k0 = i0(&s, &x)
                    Compiler.flush(d, &x, path)
                    d.observeKey(map: rootName, key: k0)
                    d.observeTerm(k0, sort: ks0)
                    ghost?(&s, k0, k0, v)
                    d.store(into: &s.values[root], k0, v)
                }
            }
            if indexCodes.count == 2, valueSorts.count == 2 {
                let i0 = indexCodes[0], i1 = indexCodes[1], ks0 = keySorts[0], ks1 = keySorts[1], vs0 = valueSorts[0]
                return { s, x, path in
                    let v = valueCode(&s, &x)
                    let k0 = i0(&s, &x), k1 = i1(&s, &x)
                    Compiler.flush(d, &x, path)
                    d.observeKey(map: rootName, key: k0)
                    d.observeTerm(k0, sort: ks0)
                    d.observeTerm(k1, sort: ks1)
                    ghost?(&s, k0, k1, v)
                    d.modify(&s.values[root], at: k0, valueSort: vs0) { inner in d.store(into: &inner, k1, v) }
                }
            }
            let store = storePath(valueSorts)
            return { s, x, path in
                let v = valueCode(&s, &x)
                let keys = indexCodes.map { $0(&s, &x) }
                Compiler.flush(d, &x, path)
                d.observeKey(map: rootName, key: keys[0])
                for (k, ks) in zip(keys, keySorts) { d.observeTerm(k, sort: ks) }
                store(&s.values[root], keys[...], v)
            }
        }

        /// How the ghost sum of a summed map follows a write, read from the value it replaces:
        /// called with the keys (the first twice for a map of scalars) and the value written; nil
        /// when the map is not summed.
        @inlinable func sumFollower(_ lv: LValue, root: Int) -> ((inout State<D.Value>, D.Value, D.Value, D.Value) -> Void)? {
            let d = self.d
            guard summed.contains(lv.root) else { return nil }
            switch (lv.rootSort, lv.indices.count) {
            case (.map(_, let vs), 1) where vs == .bool || vs.isUint:
                return { s, k0, _, v in
                    guard let sum = s.ghostSums[root] else { return }
                    let prev = d.select(s.values[root], k0, valueSort: vs)
                    s.ghostSums[root] = Compiler.adjust(d, sum, old: prev, new: v, vs)
                }
            case (.map(_, .map(let innerKey, let vs)), 2) where vs == .bool || vs.isUint:
                guard case .map(_, let bound)? = Executor.ghostSort(of: lv.rootSort) else { return nil }
                return { s, k0, k1, v in
                    guard let sum = s.ghostSums[root] else { return }
                    let inner = d.select(s.values[root], k0, valueSort: .map(key: innerKey, value: vs))
                    let prev = d.select(inner, k1, valueSort: vs)
                    let old = d.select(sum, k0, valueSort: bound)
                    s.ghostSums[root] = d.store(sum, k0, Compiler.adjust(d, old, old: prev, new: v, vs))
                }
            default:
                return nil
            }
        }

        /// `map[k1]...[kn] = v`, through the domain's in-place updates.
        @inlinable func storePath(_ valueSorts: [Sort]) -> (inout D.Value, ArraySlice<D.Value>, D.Value) -> Void {
            let d = self.d
            func go(_ m: inout D.Value, _ keys: ArraySlice<D.Value>, _ v: D.Value, _ level: Int) {
                guard let k = keys.first, level < valueSorts.count else { m = v; return }
                if keys.count == 1 { d.store(into: &m, k, v); return }
                d.modify(&m, at: k, valueSort: valueSorts[level]) { inner in go(&inner, keys.dropFirst(), v, level + 1) }
            }
            return { m, keys, v in go(&m, keys, v, 0) }
        }

        /// Records a fault condition; one known to be false cannot revert anything and is dropped
        /// (the interpreter then never fills the list on the common, non-faulting path).
        @inlinable static func fault(_ d: D, _ condition: D.Value, _ faults: inout [D.Value]) {
            if d.known(condition) != false { faults.append(condition) }
        }

        /// sum - contribution(old) + contribution(new), exact in 512 bits.
        @inlinable static func adjust(_ d: D, _ sum: D.Value, old: D.Value, new: D.Value, _ sort: Sort) -> D.Value {
            d.add(d.sub(sum, Executor.contribution(d, old, sort), width: Sort.sumWidth), Executor.contribution(d, new, sort), width: Sort.sumWidth)
        }

        // MARK: Expressions

        /// Compiles `e`; running the code appends to `faults` the conditions under which checked
        /// arithmetic faults.
        @inlinable func expr(_ e: Expr, _ scope: [String: Int]) -> ExprCode {
            let d = self.d
            switch e {
            case .bool(let b):
                let v = d.bool(b)
                return { _, _ in v }
            case .number(let n, let s):
                let v = s.isSigned ? d.signedNumber(s.integer(fromPattern: n), width: s.bitWidth!) : d.number(n, width: s.bitWidth ?? 256)
                return { _, _ in v }
            case .state(let n, _):
                let i = slot(n)
                return { s, _ in s.values[i] }
            case .post(let n, _):
                let i = slot(n)
                return { s, x in x.post?.values[i] ?? s.values[i] }
            case .name(let n, _):
                // An unbound name is a caller's error, reported where it is read, as before compiling.
                guard let i = scope[n] else { return { _, _ in preconditionFailure("unbound name \(n)") } }
                return { _, x in x.locals[i] }
            case .reverted:
                let no = d.bool(false)
                return { _, x in x.reverted ?? no }
            case .sum(let n, let key, let post):
                return sum(n, key: key, post: post, scope)
            case .length(let b):
                guard case .bytes(let n) = b.sort else {
                    let zero = d.number(0, width: 256)
                    return { _, _ in zero }
                }
                let w = b.sort.bitWidth!
                let unit = d.number(BigUInt(1) << (8 * n), width: w)
                let bc = expr(b, scope)
                return { s, x in d.udiv(bc(&s, &x), unit, width: w) }
            case .unary(.not, let a):
                let ac = expr(a, scope)
                return { s, x in d.not(ac(&s, &x)) }
            case .widen(let a, let w):
                let ac = expr(a, scope)
                let from = a.sort.bitWidth ?? w
                return { s, x in d.zeroExtend(ac(&s, &x), from: from, to: w) }
            case .sqrt(let a):
                let ac = expr(a, scope)
                let w = a.sort.bitWidth!, signed = a.sort.isSigned
                return { s, x in d.sqrt(ac(&s, &x), width: w, signed: signed) }
            case .toInt(let a, let w):
                let ac = expr(a, scope)
                let from = a.sort.bitWidth ?? w
                if a.sort.isSigned { return { s, x in d.signExtend(ac(&s, &x), from: from, to: w) } }
                return { s, x in d.zeroExtend(ac(&s, &x), from: from, to: w) }
            case .convert(let a, let target, let arithmetic):
                return convert(expr(a, scope), from: a.sort, to: target, checked: arithmetic == .checked)
            case .narrow(let a, let w, let arithmetic):
                return narrow(expr(a, scope), from: a.sort.bitWidth ?? w, to: w, checked: arithmetic == .checked)
            case .ite(let c, let t, let f):
                return ite(expr(c, scope), expr(t, scope), expr(f, scope))
            case .select(let m, let k):
                return select(m, k, valueSort: e.sort, scope)
            case .binary(let op, let l, let r, let arithmetic):
                return binary(op, l, r, arithmetic: arithmetic, scope)
            }
        }

        /// `sum(m)` or `sum(m)[key]`, before or after the step: the ghost the statements keep.
        @inlinable func sum(_ n: String, key: Expr?, post: Bool, _ scope: [String: Int]) -> ExprCode {
            let d = self.d
            let i = slot(n)
            let ghost: ExprCode = { s, x in
                if post, let p = x.post { return p.ghostSums[i]! }
                return s.ghostSums[i]!
            }
            guard let key else { return ghost }
            guard case .map(_, let bound)? = model.stateVar(n).flatMap({ Executor.ghostSort(of: $0.sort) }) else { return ghost }
            let k = expr(key, scope)
            return { s, x in
                let g = ghost(&s, &x)
                return d.select(g, k(&s, &x), valueSort: bound)
            }
        }

        /// `a` in `w` bits: checked, a value that does not fit is a fault; wrapping keeps the low bits.
        @inlinable func narrow(_ ac: @escaping ExprCode, from: Int, to w: Int, checked: Bool) -> ExprCode {
            let d = self.d
            let largest = d.number((BigUInt(1) << w) - 1, width: from)
            return { s, x in
                let v = ac(&s, &x)
                if checked { Compiler.fault(d, d.ult(largest, v), &x.faults) }  // does not fit in w bits
                return d.truncate(v, from: from, to: w)
            }
        }

        /// `c ? t : f`, with each branch's faults guarded by its side of the condition.
        @inlinable func ite(_ cc: @escaping ExprCode, _ tc: @escaping ExprCode, _ fc: @escaping ExprCode) -> ExprCode {
            let d = self.d
            return { s, x in
                let cv = cc(&s, &x)
                // A decided condition: the other branch's value and faults are masked out anyway.
                if let k = d.known(cv) { return k ? tc(&s, &x) : fc(&s, &x) }
                let mark = x.faults.count
                let tv = tc(&s, &x)
                let middle = x.faults.count
                let fv = fc(&s, &x)
                for i in mark..<middle { x.faults[i] = d.and(cv, x.faults[i]) }
                for i in middle..<x.faults.count { x.faults[i] = d.and(d.not(cv), x.faults[i]) }
                return d.ite(cv, tv, fv)
            }
        }

        /// `m[k]`, noting the key read for the symbolic reader's instantiation of parameters.
        @inlinable func select(_ m: Expr, _ k: Expr, valueSort: Sort, _ scope: [String: Int]) -> ExprCode {
            let d = self.d
            let mc = expr(m, scope), kc = expr(k, scope)
            var root: String?
            if case .state(let r, _) = m { root = r }
            if case .post(let r, _) = m { root = r }
            var keySort: Sort?
            if case .map(let ks, _) = m.sort { keySort = ks }
            return { s, x in
                let mv = mc(&s, &x)
                let kv = kc(&s, &x)
                if let root { d.observeKey(map: root, key: kv) }
                if let keySort { d.observeTerm(kv, sort: keySort) }
                return d.select(mv, kv, valueSort: valueSort)
            }
        }

        /// `l op r`: exact on mathematical integers, signed or unsigned on words; &&, || and ==>
        /// decided by a known left side, and the right side's faults guarded by it.
        @inlinable func binary(_ op: BinaryOp, _ l: Expr, _ r: Expr, arithmetic: Arithmetic, _ scope: [String: Int]) -> ExprCode {
            let d = self.d
            let lc = expr(l, scope), rc = expr(r, scope)
            let apply = l.sort.isInt ? integer(op, width: l.sort.bitWidth!)
                : l.sort.isSint ? signed(op, width: l.sort.bitWidth!, arithmetic: arithmetic)
                : binary(op, width: l.sort.bitWidth ?? 0, arithmetic: arithmetic)
            let yes = d.bool(true), no = d.bool(false)
            let logical = op.isLogical
            return { s, x in
                let a = lc(&s, &x)
                // A decided left side settles &&, || and ==> without the right side, whose
                // faults would be masked by it anyway.
                if logical, let k = d.known(a) {
                    switch (op, k) {
                    case (.and, false): return no
                    case (.or, true), (.implies, false): return yes
                    default: break
                    }
                }
                // Short-circuit operators still evaluate both sides: faults on the right are guarded.
                let mark = x.faults.count
                let b = rc(&s, &x)
                if logical, x.faults.count > mark {
                    for i in mark..<x.faults.count {
                        x.faults[i] = d.and(op == .or ? d.not(a) : a, x.faults[i])
                    }
                }
                return apply(a, b, &x.faults)
            }
        }

        /// A binary operator on mathematical integers (properties), exact at `width` bits.
        /// As in the EVM, x / 0 == 0 and x % 0 == 0.
        @inlinable func integer(_ op: BinaryOp, width w: Int) -> (D.Value, D.Value, inout [D.Value]) -> D.Value {
            let d = self.d
            switch op {
            case .add: return { a, b, _ in d.intAdd(a, b, width: w) }
            case .sub: return { a, b, _ in d.intSub(a, b, width: w) }
            case .mul: return { a, b, _ in d.intMul(a, b, width: w) }
            case .div, .mod:
                let zero = d.number(0, width: w), one = d.number(1, width: w)
                return { a, b, _ in
                    let bZero = d.eq(b, zero)
                    let safeB = d.ite(bZero, one, b)
                    return d.ite(bZero, zero, op == .div ? d.intDiv(a, safeB, width: w) : d.intRem(a, safeB, width: w))
                }
            case .lt: return { a, b, _ in d.slt(a, b, width: w) }
            case .le: return { a, b, _ in d.sle(a, b, width: w) }
            case .gt: return { a, b, _ in d.slt(b, a, width: w) }
            case .ge: return { a, b, _ in d.sle(b, a, width: w) }
            case .eq: return { a, b, _ in d.eq(a, b) }
            case .ne: return { a, b, _ in d.not(d.eq(a, b)) }
            case .and, .or, .implies: preconditionFailure("logical operator on ints: the type checker admits none")
            }
        }

        /// Whether an exact int of `width` bits lies outside `range`.
        @inlinable func outside(_ x: D.Value, _ range: ClosedRange<BigInt>, width w: Int) -> D.Value {
            d.or(d.slt(x, d.signedNumber(range.lowerBound, width: w), width: w),
                 d.slt(d.signedNumber(range.upperBound, width: w), x, width: w))
        }

        /// A conversion between integer sorts where one side is signed: the value is taken
        /// exactly, one bit wider than both, then checked against the target's range (checked
        /// arithmetic) and wrapped into it.
        @inlinable func convert(_ ac: @escaping ExprCode, from source: Sort, to target: Sort, checked: Bool) -> ExprCode {
            let d = self.d
            let from = source.bitWidth!, to = target.bitWidth!
            let w = Swift.max(from, to) + 1
            let signedSource = source.isSigned, signedTarget = target.isSigned
            let range = target.integerRange!
            return { s, x in
                let a = ac(&s, &x)
                let exact = signedSource ? d.signExtend(a, from: from, to: w) : d.zeroExtend(a, from: from, to: w)
                if checked { Compiler.fault(d, self.outside(exact, range, width: w), &x.faults) }
                return signedTarget ? d.signedTruncate(exact, from: w, to: to) : d.truncate(exact, from: w, to: to)
            }
        }

        /// A binary operator on `intN` operands of `width` bits, with Solidity's meaning: the
        /// result is computed exactly in a wider int, then reverts (checked arithmetic) or wraps
        /// in two's complement (wrapping) when it does not fit; `/` and `%` truncate toward zero,
        /// and `min / -1` overflows. As for uints, x / 0 reverts when checked and is 0 otherwise.
        @inlinable func signed(_ op: BinaryOp, width w: Int, arithmetic: Arithmetic) -> (D.Value, D.Value, inout [D.Value]) -> D.Value {
            let d = self.d
            let checked = arithmetic == .checked
            let range = Sort.sint(w).integerRange!
            /// `a op b` exactly in `wide` bits, then fitted back into w bits.
            func exact(_ wide: Int, _ op: @escaping (D.Value, D.Value) -> D.Value) -> (D.Value, D.Value, inout [D.Value]) -> D.Value {
                return { a, b, faults in
                    let r = op(d.signExtend(a, from: w, to: wide), d.signExtend(b, from: w, to: wide))
                    if checked { Compiler.fault(d, self.outside(r, range, width: wide), &faults) }
                    return d.signedTruncate(r, from: wide, to: w)
                }
            }
            switch op {
            case .and, .or, .implies: preconditionFailure("logical operator on ints: the type checker admits none")
            case .eq: return { a, b, _ in d.eq(a, b) }
            case .ne: return { a, b, _ in d.not(d.eq(a, b)) }
            case .lt: return { a, b, _ in d.slt(a, b, width: w) }
            case .le: return { a, b, _ in d.sle(a, b, width: w) }
            case .gt: return { a, b, _ in d.slt(b, a, width: w) }
            case .ge: return { a, b, _ in d.sle(b, a, width: w) }
            case .add: return exact(w + 1) { d.intAdd($0, $1, width: w + 1) }
            case .sub: return exact(w + 1) { d.intSub($0, $1, width: w + 1) }
            // The exact product of two w-bit signed integers fits in 2w bits.
            case .mul: return exact(2 * w) { d.intMul($0, $1, width: 2 * w) }
            case .div, .mod:
                let zero = d.number(0, width: w), one = d.number(1, width: w)
                let quotient = exact(w + 1) { d.intDiv($0, $1, width: w + 1) }
                return { a, b, faults in
                    let bZero = d.eq(b, zero)
                    if checked { Compiler.fault(d, bZero, &faults) }
                    let safeB = d.ite(bZero, one, b)
                    // The remainder has the dividend's sign and is smaller than the divisor: it fits.
                    let r = op == .div ? quotient(a, safeB, &faults) : d.intRem(a, safeB, width: w)
                    return d.ite(bZero, zero, r)
                }
            }
        }

        /// A binary operator of operands `width` bits wide; checked arithmetic appends its fault
        /// condition.
        @inlinable func binary(_ op: BinaryOp, width w: Int, arithmetic: Arithmetic) -> (D.Value, D.Value, inout [D.Value]) -> D.Value {
            let d = self.d
            let checked = arithmetic == .checked
            switch op {
            case .and: return { a, b, _ in d.and(a, b) }
            case .or: return { a, b, _ in d.or(a, b) }
            case .implies: return { a, b, _ in d.or(d.not(a), b) }
            case .eq: return { a, b, _ in d.eq(a, b) }
            case .ne: return { a, b, _ in d.not(d.eq(a, b)) }
            case .lt: return { a, b, _ in d.ult(a, b) }
            case .le: return { a, b, _ in d.ule(a, b) }
            case .gt: return { a, b, _ in d.ult(b, a) }
            case .ge: return { a, b, _ in d.ule(b, a) }
            case .add:
                return { a, b, faults in
                    let r = d.add(a, b, width: w)
                    if checked { Compiler.fault(d, d.ult(r, a), &faults) }          // wrapped past 2^w
                    return r
                }
            case .sub:
                return { a, b, faults in
                    if checked { Compiler.fault(d, d.ult(a, b), &faults) }          // would go below zero
                    return d.sub(a, b, width: w)
                }
            case .mul:
                // The exact product needs at most 2w bits: overflow iff it exceeds 2^w - 1.
                let max = d.number((BigUInt(1) << w) - 1, width: 2 * w)
                return { a, b, faults in
                    let r = d.mul(a, b, width: w)
                    if checked {
                        let wide = d.mul(d.zeroExtend(a, from: w, to: 2 * w), d.zeroExtend(b, from: w, to: 2 * w), width: 2 * w)
                        Compiler.fault(d, d.ult(max, wide), &faults)
                    }
                    return r
                }
            case .div, .mod:
                let zero = d.number(0, width: Swift.max(w, 1)), one = d.number(1, width: w)
                return { a, b, faults in
                    let bZero = d.eq(b, zero)
                    if checked { Compiler.fault(d, bZero, &faults) }
                    // EVM: x / 0 == 0 and x % 0 == 0.
                    let safeB = d.ite(bZero, one, b)
                    let q = op == .div ? d.udiv(a, safeB, width: w) : d.urem(a, safeB, width: w)
                    return d.ite(bZero, zero, q)
                }
            }
        }
    }
}
