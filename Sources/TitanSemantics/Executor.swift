import BigInt
import TitanIR

/// The one definition of what IR means. Running an action, evaluating a property and building
/// the initial state are written once here, over the primitive operations of a `Domain`.
/// The interpreter instantiates it with concrete values, the prover with Z3 terms.
public struct Executor<D: Domain> {
    public let domain: D
    public let model: Model
    let summed: Set<String>

    public init(model: Model, domain: D) {
        self.model = model
        self.domain = domain
        self.summed = Set(model.summedMaps)
    }

    /// The result of one action: the state it would leave and whether it completed.
    /// When `ok` is false the action reverted and the state is the pre-state.
    public struct Outcome {
        public var state: State<D.Value>
        public var ok: D.Value
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

    // MARK: Initial state

    public func initialState() -> State<D.Value> {
        var vars: [String: D.Value] = [:]
        for v in model.stateVars {
            if let e = v.initial {
                vars[v.name] = evaluate(e, in: Frame(pre: State(vars: [:], sums: [:])))
            } else {
                vars[v.name] = domain.zero(v.sort)
            }
        }
        var sums: [String: D.Value] = [:]
        for v in model.stateVars where summed.contains(v.name) {
            if let s = Executor.ghostSort(of: v.sort) { sums[v.name] = domain.zero(s) }
        }
        return State(vars: vars, sums: sums)
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
    public func contribution(_ v: D.Value, _ sort: Sort) -> D.Value {
        if sort == .bool { return domain.ite(v, domain.number(1, width: Sort.sumWidth), domain.number(0, width: Sort.sumWidth)) }
        return domain.zeroExtend(v, from: sort.bitWidth ?? Sort.sumWidth, to: Sort.sumWidth)
    }

    /// sum - contribution(old) + contribution(new), exact in 512 bits.
    func adjust(_ sum: D.Value, old: D.Value, new: D.Value, _ sort: Sort) -> D.Value {
        domain.add(domain.sub(sum, contribution(old, sort), width: Sort.sumWidth), contribution(new, sort), width: Sort.sumWidth)
    }

    // MARK: Actions

    /// Runs `action` with `args` (by parameter name) from `pre`.
    public func run(_ action: Action, args: [String: D.Value], from pre: State<D.Value>) -> Outcome {
        var run = Run(exec: self, state: pre, names: args)
        run.block(action.body, path: domain.bool(true))
        let ok = domain.not(run.reverts)
        // A reverted action leaves the pre-state: merge so both readers see exactly that.
        let state: State<D.Value>
        if let k = domain.known(ok) {
            state = k ? run.state : pre
        } else {
            state = merge(ok, run.state, pre, changed: Set(model.stateVars.map(\.name)))
        }
        return Outcome(state: state, ok: ok)
    }

    func merge(_ c: D.Value, _ a: State<D.Value>, _ b: State<D.Value>, changed: Set<String>) -> State<D.Value> {
        var out = b
        for name in changed.sorted() {  // sorted: the same terms in the same order on every run
            if let x = a.vars[name], let y = b.vars[name] { out.vars[name] = domain.ite(c, x, y) }
            if let x = a.sums[name], let y = b.sums[name] { out.sums[name] = domain.ite(c, x, y) }
        }
        return out
    }

    /// The mutable walk through one action body.
    struct Run {
        let exec: Executor
        var state: State<D.Value>
        var names: [String: D.Value]
        /// Under which condition the action has reverted so far.
        var reverts: D.Value
        var d: D { exec.domain }

        init(exec: Executor, state: State<D.Value>, names: [String: D.Value]) {
            self.exec = exec; self.state = state; self.names = names
            self.reverts = exec.domain.bool(false)
        }

        mutating func fault(_ cond: D.Value, path: D.Value) {
            reverts = d.or(reverts, d.and(path, cond))
        }

        mutating func block(_ stmts: [Stmt], path: D.Value) {
            let scope = names
            for s in stmts { statement(s, path: path) }
            names = scope
        }

        mutating func statement(_ s: Stmt, path: D.Value) {
            switch s {
            case .require(let e, _):
                let c = value(e, path: path)
                fault(d.not(c), path: path)
            case .bind(let n, let e):
                names[n] = value(e, path: path)
            case .assign(let lv, let e):
                let v = value(e, path: path)
                assign(lv, v, path: path, source: e)
            case .ifElse(let c, let t, let f):
                let cond = value(c, path: path)
                if let k = d.known(cond) {
                    block(k ? t : f, path: path)
                    return
                }
                let before = state
                block(t, path: d.and(path, cond))
                let afterThen = state
                state = before
                block(f, path: d.and(path, d.not(cond)))
                let changed = assigned(t).union(assigned(f))
                state = exec.merge(cond, afterThen, state, changed: changed)
            }
        }

        func assigned(_ stmts: [Stmt]) -> Set<String> {
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

        mutating func assign(_ lv: LValue, _ v: D.Value, path: D.Value, source: Expr) {
            let indices = lv.indices.map { value($0, path: path) }
            guard let old = state.vars[lv.root] else { return }
            if indices.isEmpty {
                state.vars[lv.root] = v
                // A whole map copied from another state map brings that map's sum along.
                if exec.summed.contains(lv.root), case .state(let src, _) = source, let s = state.sums[src] {
                    state.sums[lv.root] = s
                }
                return
            }
            d.observeKey(map: lv.root, key: indices[0])
            var sort = lv.rootSort
            for k in indices {
                guard case .map(let ks, let vs) = sort else { break }
                d.observeTerm(k, sort: ks)
                sort = vs
            }
            state.vars[lv.root] = exec.storePath(old, indices[...], v, sort: lv.rootSort)
            guard exec.summed.contains(lv.root), let sum = state.sums[lv.root] else { return }
            switch (lv.rootSort, indices.count) {
            case (.map(_, let vs), 1) where vs == .bool || vs.isUint:
                let prev = d.select(old, indices[0], valueSort: vs)
                state.sums[lv.root] = exec.adjust(sum, old: prev, new: v, vs)
            case (.map(_, .map(_, let vs)), 2) where vs == .bool || vs.isUint:
                let inner = d.select(old, indices[0], valueSort: .map(key: .bool, value: vs))
                let prev = d.select(inner, indices[1], valueSort: vs)
                guard case .map(_, let bound)? = Executor.ghostSort(of: lv.rootSort) else { return }
                let s = d.select(sum, indices[0], valueSort: bound)
                state.sums[lv.root] = d.store(sum, indices[0], exec.adjust(s, old: prev, new: v, vs))
            default:
                break
            }
        }

        mutating func value(_ e: Expr, path: D.Value) -> D.Value {
            var faults: [D.Value] = []
            let frame = Frame(pre: state, names: names)
            let v = exec.evaluate(e, in: frame, faults: &faults)
            for f in faults { fault(f, path: path) }
            return v
        }
    }

    func storePath(_ m: D.Value, _ keys: ArraySlice<D.Value>, _ v: D.Value, sort: Sort) -> D.Value {
        guard let k = keys.first, case .map(_, let valueSort) = sort else { return v }
        if keys.count == 1 { return domain.store(m, k, v) }
        let inner = domain.select(m, k, valueSort: valueSort)
        return domain.store(m, k, storePath(inner, keys.dropFirst(), v, sort: valueSort))
    }

    // MARK: Expressions

    /// Evaluates a property or closed expression. Arithmetic in properties wraps.
    public func evaluate(_ e: Expr, in frame: Frame) -> D.Value {
        var faults: [D.Value] = []
        return evaluate(e, in: frame, faults: &faults)
    }

    /// Evaluates `e`; conditions under which checked arithmetic faults are appended to `faults`.
    func evaluate(_ e: Expr, in f: Frame, faults: inout [D.Value]) -> D.Value {
        let d = domain
        switch e {
        case .bool(let b): return d.bool(b)
        case .number(let n, let s): return d.number(n, width: s.bitWidth ?? 256)
        case .state(let n, _): return f.pre.vars[n]!
        case .post(let n, _): return (f.post ?? f.pre).vars[n]!
        case .name(let n, _): return f.names[n]!
        case .reverted: return f.reverted ?? d.bool(false)
        case .sum(let n, let key, let post):
            let ghost = (post ? (f.post ?? f.pre) : f.pre).sums[n]!
            guard let key else { return ghost }
            guard case .map(_, let bound)? = model.stateVar(n).flatMap({ Executor.ghostSort(of: $0.sort) }) else { return ghost }
            return d.select(ghost, evaluate(key, in: f, faults: &faults), valueSort: bound)
        case .length(let b):
            guard case .bytes(let n) = b.sort else { return d.number(0, width: 256) }
            let w = b.sort.bitWidth!
            return d.udiv(evaluate(b, in: f, faults: &faults), d.number(BigUInt(1) << (8 * n), width: w), width: w)
        case .unary(.not, let a): return d.not(evaluate(a, in: f, faults: &faults))
        case .widen(let a, let w):
            return d.zeroExtend(evaluate(a, in: f, faults: &faults), from: a.sort.bitWidth ?? w, to: w)
        case .ite(let c, let t, let x):
            let cv = evaluate(c, in: f, faults: &faults)
            // A decided condition: the other branch's value and faults are masked out anyway.
            if let k = d.known(cv) { return evaluate(k ? t : x, in: f, faults: &faults) }
            var tf: [D.Value] = [], xf: [D.Value] = []
            let tv = evaluate(t, in: f, faults: &tf), xv = evaluate(x, in: f, faults: &xf)
            faults += tf.map { d.and(cv, $0) } + xf.map { d.and(d.not(cv), $0) }
            return d.ite(cv, tv, xv)
        case .select(let m, let k):
            let mv = evaluate(m, in: f, faults: &faults)
            let kv = evaluate(k, in: f, faults: &faults)
            if case .state(let root, _) = m { d.observeKey(map: root, key: kv) }
            if case .post(let root, _) = m { d.observeKey(map: root, key: kv) }
            if case .map(let ks, _) = m.sort { d.observeTerm(kv, sort: ks) }
            return d.select(mv, kv, valueSort: e.sort)
        case .binary(let op, let l, let r, let arith):
            let a = evaluate(l, in: f, faults: &faults)
            // A decided left side settles &&, || and ==> without the right side, whose faults
            // would be masked by it anyway.
            if op.isLogical, let k = d.known(a) {
                switch (op, k) {
                case (.and, false): return d.bool(false)
                case (.or, true), (.implies, false): return d.bool(true)
                default: break
                }
            }
            // Short-circuit operators still evaluate both sides: faults on the right are guarded.
            var rf: [D.Value] = []
            let b = evaluate(r, in: f, faults: &rf)
            switch op {
            case .and: faults += rf.map { d.and(a, $0) }
            case .or, .implies: faults += rf.map { d.and(op == .or ? d.not(a) : a, $0) }
            default: faults += rf
            }
            return binary(op, a, b, width: l.sort.bitWidth ?? 0, arithmetic: arith, faults: &faults)
        }
    }

    func binary(_ op: BinaryOp, _ a: D.Value, _ b: D.Value, width w: Int, arithmetic: Arithmetic,
                faults: inout [D.Value]) -> D.Value {
        let d = domain
        let checked = arithmetic == .checked
        let zero = d.number(0, width: max(w, 1))
        switch op {
        case .and: return d.and(a, b)
        case .or: return d.or(a, b)
        case .implies: return d.or(d.not(a), b)
        case .eq: return d.eq(a, b)
        case .ne: return d.not(d.eq(a, b))
        case .lt: return d.ult(a, b)
        case .le: return d.ule(a, b)
        case .gt: return d.ult(b, a)
        case .ge: return d.ule(b, a)
        case .add:
            let r = d.add(a, b, width: w)
            if checked { faults.append(d.ult(r, a)) }          // wrapped past 2^w
            return r
        case .sub:
            if checked { faults.append(d.ult(a, b)) }          // would go below zero
            return d.sub(a, b, width: w)
        case .mul:
            let r = d.mul(a, b, width: w)
            if checked {
                // The exact product needs at most 2w bits: overflow iff it exceeds 2^w - 1.
                let wide = d.mul(d.zeroExtend(a, from: w, to: 2 * w), d.zeroExtend(b, from: w, to: 2 * w), width: 2 * w)
                faults.append(d.ult(d.number((BigUInt(1) << w) - 1, width: 2 * w), wide))
            }
            return r
        case .div, .mod:
            let bZero = d.eq(b, zero)
            if checked { faults.append(bZero) }
            // EVM: x / 0 == 0 and x % 0 == 0.
            let safeB = d.ite(bZero, d.number(1, width: w), b)
            let q = op == .div ? d.udiv(a, safeB, width: w) : d.urem(a, safeB, width: w)
            return d.ite(bZero, zero, q)
        }
    }
}
