import TitanIR

/// `sum(k => term)` in properties: the sum over every key `k` of a term over maps read at `[k]`,
/// such as `sum(k => balances[k] * paid[k])`. It is exact, and kept up to date on every write
/// the way `sum(m)` is: a ghost state variable (see `WeightedSum`) that the statements added
/// after each write to one of the term's maps move by the change of the written key's term.
///
/// What the term may be follows from that: it reads the maps only at `[k]` (so a write at one
/// key changes only that key's term), nothing else of the state and no parameter (which would
/// change every term at once), and it is zero for a key whose entries are all zero (so the sum
/// over every key is finite: only keys that were written count). Scalars can be factored out:
/// `sum(k => s[k] * (rate - paid[k]))` is `rate * sum(s) - sum(k => s[k] * paid[k])`.
extension TypeChecker {
    mutating func checkWeightedSum(_ key: NameSyntax, _ term: ExprSyntax, text: String, at location: SourceLocation,
                                   scope: Scope) -> Expr? {
        guard scope.context.isProperty, scope.weightedSums else {
            report("'sum(\(key.name) => ...)' is only available in properties and scenario expectations", at: location)
            return nil
        }
        if states[key.name] != nil || scope.locals[key.name] != nil {
            report("'\(key.name)' is already declared; name the key of the sum differently", at: key.location)
            return nil
        }
        guard let keySort = weightedSumKeySort(key, term, scope: scope) else { return nil }

        // Checked alone: the property's parameters and lets are out of its reach.
        let inner = Scope(context: scope.context, arithmetic: .wrapping, locals: [key.name: .some(keySort)])
        guard let typed = checkExpr(term, expected: nil, scope: inner) else { return nil }
        guard typed.sort.isUint else {
            report("the term of a weighted sum must be a number, found \(typed.sort)", at: term.location)
            return nil
        }
        var maps: [String] = [], primed: Set<Bool> = []
        guard readsOnlyAtKey(typed, key.name, &maps, &primed) else {
            report("the term of 'sum(\(key.name) => ...)' may read state only as maps of numbers or bools at [\(key.name)]; "
                   + "factor other state out of the sum (s * sum(m) for sum(k => s * m[k]))", at: term.location)
            return nil
        }
        guard primed.count == 1 else {
            report("the term of a weighted sum reads either the pre-state or the post-state (primed), not both", at: term.location)
            return nil
        }
        guard WeightedSumTerm.isZeroAtZero(typed, key: key.name) else {
            report("the term of 'sum(\(key.name) => ...)' must be 0 for a key whose entries are all zero (a product with a map "
                   + "entry, for instance); otherwise the sum over every key is infinite", at: term.location)
            return nil
        }

        // The ghost: exact, wide enough for every key's term at once, and one more bit either way.
        let canonical = "#k"
        let exact = MathInt.asInt(MathInt.lift(WeightedSumTerm.rename(typed, key.name, to: canonical, keySort: keySort)))
        guard let termWidth = exact.sort.bitWidth, let keyBits = keySort == .bool ? 1 : keySort.bitWidth else { return nil }
        let width = termWidth + keyBits + 2
        guard width <= MathInt.maxWidth, MathInt.widest(exact) <= MathInt.maxWidth else {
            report("this weighted sum needs \(width)-bit integers to be exact, more than the \(MathInt.maxWidth) computed", at: location)
            return nil
        }
        let post = primed.first!
        let ghost: String
        if let known = weightedSums.first(where: { $0.term == exact && $0.keySort == keySort }) {
            ghost = known.ghost
        } else {
            ghost = "sum#\(weightedSums.count)"
            weightedSums.append(WeightedSum(ghost: ghost, width: width, key: canonical, keySort: keySort, term: exact,
                                            maps: Array(Set(maps)).sorted(), text: text))
            weightedSumLocations.append(location)
            weightedGhostWidths[ghost] = width
        }
        // A uint stand-in until `MathInt.lift` makes it the ghost's int.
        return .sum(ghost, key: nil, post: post)
    }

    /// The sort of a weighted sum's key: the key sort of the maps its term reads at the key, which
    /// must be one; nil (reported) when the term reads no map at the key or reads a local.
    private mutating func weightedSumKeySort(_ key: NameSyntax, _ term: ExprSyntax, scope: Scope) -> Sort? {
        // The key's sort is the key sort of the maps read at it.
        var keySorts: [Sort] = []
        func scan(_ e: ExprSyntax) {
            if case .index(let m, let k) = e.kind, case .name(key.name) = k.kind {
                var mapName: String?
                if case .name(let n) = m.kind { mapName = n }
                if case .primed(let n) = m.kind { mapName = n }
                if let n = mapName, case .map(let ks, _)?? = states[n] { keySorts.append(ks) }
            }
            e.children.forEach(scan)
        }
        scan(term)
        if let outer = TypeChecker.names(in: term).first(where: { $0 != key.name && scope.locals[$0] != nil }) {
            report("the term of 'sum(\(key.name) => ...)' cannot read '\(outer)': it is the same expression at every key and "
                   + "every step, so it reads only maps at [\(key.name)] and constants", at: term.location)
            return nil
        }
        guard let keySort = keySorts.first else {
            report("the term of 'sum(\(key.name) => ...)' must read a state map at [\(key.name)] (written out: views are not expanded in it)", at: term.location)
            return nil
        }
        guard keySorts.allSatisfy({ $0 == keySort }) else {
            report("the maps read at [\(key.name)] must share one key sort, found \(Set(keySorts.map { "\($0)" }).sorted().joined(separator: " and "))",
                   at: term.location)
            return nil
        }
        return keySort
    }

    /// The plain names an expression mentions.
    static func names(in e: ExprSyntax) -> [String] {
        if case .name(let n) = e.kind { return [n] }
        return e.children.flatMap(names(in:))
    }

    /// Whether every state read is a map of scalars read at the key (recording the maps, and
    /// whether each read is primed) and the key is read nowhere else.
    private func readsOnlyAtKey(_ e: Expr, _ key: String, _ maps: inout [String], _ primed: inout Set<Bool>) -> Bool {
        switch e {
        case .select(.state(let m, .map(_, let v)), .name(key, _)) where !v.isMap:
            maps.append(m); primed.insert(false); return true
        case .select(.post(let m, .map(_, let v)), .name(key, _)) where !v.isMap:
            maps.append(m); primed.insert(true); return true
        case .state, .post, .name, .sum, .reverted:
            return false
        default:
            for c in e.children where !readsOnlyAtKey(c, key, &maps, &primed) { return false }
            return true
        }
    }

    /// Adds, after every write to a map a weighted sum reads, the statements that keep its ghost
    /// in step: the key is bound first (so the term is read at the written key before and after),
    /// the key's old term is kept, and the ghost moves by new minus old. A map assigned whole
    /// cannot be followed this way and is refused.
    mutating func maintainWeightedSums(_ action: Action) -> Action {
        guard !weightedSums.isEmpty else { return action }
        var out = action
        var counter = 0
        func rewrite(_ stmts: [Stmt]) -> [Stmt] {
            var result: [Stmt] = []
            for s in stmts {
                switch s {
                case .ifElse(let c, let t, let f):
                    result.append(.ifElse(c, rewrite(t), rewrite(f)))
                case .assign(let lv, let value):
                    let tracking = weightedSums.indices.filter { weightedSums[$0].maps.contains(lv.root) }
                    guard !tracking.isEmpty else { result.append(s); continue }
                    guard lv.indices.count == 1, case .map(let keySort, _) = lv.rootSort else {
                        for i in tracking {
                            report("action '\(action.name)' assigns map '\(lv.root)' whole, which this weighted sum cannot follow; assign its entries instead",
                                   at: weightedSumLocations[i])
                        }
                        result.append(s)
                        continue
                    }
                    counter += 1
                    let at = "#w\(counter)"
                    let k = Expr.name("\(at).key", keySort)
                    result.append(.bind("\(at).key", lv.indices[0]))
                    var olds: [(Int, Expr)] = []
                    for i in tracking {
                        let old = "\(at).old\(i)"
                        let term = weightedSums[i].term
                        result.append(.bind(old, WeightedSumTerm.rename(term, weightedSums[i].key, to: k)))
                        olds.append((i, .name(old, term.sort)))
                    }
                    result.append(.assign(LValue(root: lv.root, rootSort: lv.rootSort, indices: [k]), value))
                    for (i, old) in olds {
                        let w = weightedSums[i]
                        let sort = Sort.int(w.width)
                        let new = WeightedSumTerm.rename(w.term, w.key, to: k)
                        let moved = Expr.binary(.sub, .binary(.add, .state(w.ghost, sort), MathInt.extend(new, to: w.width), arithmetic: .wrapping),
                                                MathInt.extend(old, to: w.width), arithmetic: .wrapping)
                        result.append(.assign(LValue(root: w.ghost, rootSort: sort, indices: []), moved))
                    }
                default:
                    result.append(s)
                }
            }
            return result
        }
        out.body = rewrite(action.body)
        return out
    }
}

/// Reading a weighted sum's term: renaming its key, and the syntactic test that it vanishes
/// where every map entry it reads is zero.
enum WeightedSumTerm {
    /// The term with the key `from` read as `to`, and primed reads made pre-state reads (the
    /// ghost's term is over the state it is evaluated in).
    static func rename(_ e: Expr, _ from: String, to name: String, keySort: Sort) -> Expr {
        rename(e, from, to: .name(name, keySort))
    }

    static func rename(_ e: Expr, _ from: String, to replacement: Expr) -> Expr {
        func go(_ e: Expr) -> Expr {
            switch e {
            case .name(from, _): return replacement
            case .post(let m, let s): return .state(m, s)
            case .bool, .number, .state, .name, .reverted, .sum: return e
            case .unary(let op, let a): return .unary(op, go(a))
            case .binary(let op, let a, let b, let arith): return .binary(op, go(a), go(b), arithmetic: arith)
            case .select(let m, let k): return .select(go(m), go(k))
            case .ite(let c, let t, let f): return .ite(go(c), go(t), go(f))
            case .length(let a): return .length(go(a))
            case .widen(let a, let w): return .widen(go(a), to: w)
            case .narrow(let a, let w, let arith): return .narrow(go(a), to: w, arithmetic: arith)
            case .convert(let a, let s, let arith): return .convert(go(a), to: s, arithmetic: arith)
            case .toInt(let a, let w): return .toInt(go(a), width: w)
            case .sqrt(let a): return .sqrt(go(a))
            }
        }
        return go(e)
    }

    /// Whether `e` is 0 whenever every map entry read at the key is zero (or false): a sufficient,
    /// syntactic test (a product with a zero factor, sums and differences of such terms, ...).
    static func isZeroAtZero(_ e: Expr, key: String) -> Bool {
        switch e {
        case .select(_, .name(key, _)): return true
        case .number(0, _): return true
        case .binary(.mul, let a, let b, _): return isZeroAtZero(a, key: key) || isZeroAtZero(b, key: key)
        case .binary(.add, let a, let b, _), .binary(.sub, let a, let b, _):
            return isZeroAtZero(a, key: key) && isZeroAtZero(b, key: key)
        case .binary(.div, let a, _, _), .binary(.mod, let a, _, _): return isZeroAtZero(a, key: key)
        case .widen(let a, _), .narrow(let a, _, _), .toInt(let a, _), .sqrt(let a): return isZeroAtZero(a, key: key)
        case .ite(let c, let t, let f):
            let zt = isZeroAtZero(t, key: key), zf = isZeroAtZero(f, key: key)
            return (zt && zf) || (isFalseAtZero(c, key: key) && zf) || (isTrueAtZero(c, key: key) && zt)
        default: return false
        }
    }

    static func isFalseAtZero(_ c: Expr, key: String) -> Bool {
        switch c {
        case .bool(false), .select(_, .name(key, _)): return true
        case .binary(.ne, let a, let b, _), .binary(.lt, let a, let b, _), .binary(.gt, let a, let b, _):
            return isZeroAtZero(a, key: key) && isZeroAtZero(b, key: key)
        case .binary(.and, let a, let b, _): return isFalseAtZero(a, key: key) || isFalseAtZero(b, key: key)
        case .binary(.or, let a, let b, _): return isFalseAtZero(a, key: key) && isFalseAtZero(b, key: key)
        case .unary(.not, let a): return isTrueAtZero(a, key: key)
        default: return false
        }
    }

    static func isTrueAtZero(_ c: Expr, key: String) -> Bool {
        switch c {
        case .bool(true): return true
        case .binary(.eq, let a, let b, _), .binary(.le, let a, let b, _), .binary(.ge, let a, let b, _):
            return isZeroAtZero(a, key: key) && isZeroAtZero(b, key: key)
        case .binary(.and, let a, let b, _): return isTrueAtZero(a, key: key) && isTrueAtZero(b, key: key)
        case .binary(.or, let a, let b, _): return isTrueAtZero(a, key: key) || isTrueAtZero(b, key: key)
        case .unary(.not, let a): return isFalseAtZero(a, key: key)
        default: return false
        }
    }
}
