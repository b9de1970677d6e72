import BigInt
import TitanIR
import TitanSemantics
import TitanSMT

/// Unbounded proofs by PDR: the model's transition relation, read from the one semantics by
/// the symbolic executor, as constrained Horn clauses over the integer encoding (maps as
/// arrays), solved by Z3's Spacer engine.
///
///     deployed(s)                               => Inv(s)
///     Inv(s) and ranges(s, args) and ok_a(s, args, s') => Inv(s')     for each action a
///     Inv(s) and ranges(s) and not P(s)         => false
///
/// The invariant Spacer finds is translated back into spec syntax, one conjunct at a time.
/// Nothing here proves the property: the conjuncts are candidates that the ordinary induction
/// query checks again with the property (`titan verify` does that), so a proof never rests on
/// the translation. That also lets the search run on an abstraction: Spacer rarely finds
/// anything through wrap-around arithmetic, so a model that wraps is searched as if its
/// arithmetic were checked (an overflow reverts), and the candidates are checked on the model
/// as it is.
public struct PDRSearch {
    public let model: Model
    public let timeoutMilliseconds: Int

    public init(model: Model, timeoutMilliseconds: Int) {
        self.model = PDRSearch.checked(model); self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The model with every wrapping operation made checked.
    static func checked(_ model: Model) -> Model {
        func e(_ x: Expr) -> Expr {
            switch x {
            case .binary(let op, let a, let b, _): return .binary(op, e(a), e(b), arithmetic: .checked)
            case .narrow(let a, let w, _): return .narrow(e(a), to: w, arithmetic: .checked)
            case .convert(let a, let s, _): return .convert(e(a), to: s, arithmetic: .checked)
            case .unary(let op, let a): return .unary(op, e(a))
            case .select(let a, let b): return .select(e(a), e(b))
            case .ite(let a, let b, let c): return .ite(e(a), e(b), e(c))
            case .sum(let m, let k, let post): return .sum(m, key: k.map(e), post: post)
            case .length(let a): return .length(e(a))
            case .widen(let a, let w): return .widen(e(a), to: w)
            case .toInt(let a, let w): return .toInt(e(a), width: w)
            case .sqrt(let a): return .sqrt(e(a))
            case .bool, .number, .state, .post, .name, .reverted: return x
            }
        }
        func s(_ st: Stmt) -> Stmt {
            switch st {
            case .require(let c, let at): return .require(e(c), at)
            case .assign(var l, let v):
                l.indices = l.indices.map(e)
                return .assign(l, e(v))
            case .bind(let n, let v): return .bind(n, e(v))
            case .set(let n, let v): return .set(n, e(v))
            case .ifElse(let c, let t, let f): return .ifElse(e(c), t.map(s), f.map(s))
            }
        }
        var out = model
        out.actions = model.actions.map { a in var a = a; a.body = a.body.map(s); return a }
        out.constructor = model.constructor.map { a in var a = a; a.body = a.body.map(s); return a }
        return out
    }

    public enum Outcome: Equatable {
        /// Spacer's inductive invariant, as spec expressions (its conjuncts that translate).
        case invariant([String])
        /// A bad state is reachable: the property is violated (a search finds the trace).
        case reachable
        case unknown(String)
    }

    /// Runs Spacer on `property`, an invariant. Invariants with parameters get them as unknowns
    /// of the bad-state clause (a bad state exists for some value).
    public func run(_ property: Property) -> Outcome {
        guard property.kind == .invariant else { return .unknown("PDR checks invariants only") }
        let q = Query(model: model, timeoutMilliseconds: timeoutMilliseconds)
        let z3 = q.z3
        let summed = q.exec.summedMaps
        let variables = model.stateVars.map { ($0.name, $0.sort) }
        var sorts = variables.map { q.domain.sort($0.1) }
        for m in summed {
            guard let ghost = Executor<SymbolicDomain>.ghostSort(of: model.stateVar(m)!.sort) else { return .unknown("a summed map of maps") }
            sorts.append(q.domain.sort(ghost))
        }
        let inv = z3.relation("Inv", sorts)
        func holds(_ s: State<Term>) -> Term { z3.apply(inv, variables.map { s[$0.0] } + summed.map { s.sum($0)! }) }
        let horn = HornSolver(context: z3, timeoutMilliseconds: timeoutMilliseconds)

        // The facts each clause's values carry (ranges of what it read and of its own unknowns).
        var mark = 0
        func facts() -> [Term] {
            let out = Array(q.domain.rangeFacts[mark...]) + q.ownFacts.map(\.fact)
            mark = q.domain.rangeFacts.count
            q.ownFacts = []
            return out
        }

        let s0 = q.exec.initialState()
        if let constructor = model.constructor {
            let run = q.exec.run(constructor, args: q.freshArgs(constructor, tag: Query.deploymentTag), from: s0)
            horn.rule(z3.and(facts() + [run.ok]), implies: holds(run.state))
        } else {
            horn.rule(z3.and(facts()), implies: holds(s0))
        }
        for action in model.actions {
            let s = q.freshState("pre")
            let out = q.exec.run(action, args: q.freshArgs(action, tag: "0"), from: s)
            horn.rule(z3.and([holds(s)] + facts() + [out.ok]), implies: holds(out.state))
        }
        let bad = q.freshState("bad")
        let names = q.freshParams(property.params, prefix: "\(property.name).")
        let body = q.exec.compile(property.body, names: property.params.map(\.name))(.init(pre: bad, names: names))
        horn.rule(z3.and([holds(bad)] + facts() + [z3.not(body)]), implies: z3.bool(false))

        do {
            let answer = try horn.solve(for: inv)
            switch answer {
            case .reachable: return .reachable
            case .unknown(let why): return .unknown(why)
            case .invariant(let e):
                let names = variables.map(\.0) + summed.map { "sum(\($0))" }
                let reader = SpecText(names: names)
                return .invariant(e.conjuncts.compactMap(reader.text))
            }
        } catch {
            return .unknown("\(error)")
        }
    }
}

/// Spacer's formulas in spec syntax. A linear comparison is written with every coefficient
/// positive (`b <= a + 3`, not `(+ b (* -1 a)) <= 3`); what has no spec form (`ite`, a
/// quantifier, an array written as a whole) gives nil, and that conjunct is left out.
struct SpecText {
    /// The relation's arguments by position: a state variable's name, or `sum(m)`.
    let names: [String]

    func text(_ e: SMTExpr) -> String? {
        switch e {
        case .bool(let b): return b ? "true" : "false"
        case .variable(let i): return i < names.count ? names[i] : nil
        case .number(let n): return n.sign == .minus ? nil : n.description
        case .app("not", let a) where a.count == 1:
            if case .app("=", let b) = a[0], b.count == 2, !isBoolean(b[0]), !isBoolean(b[1]), let eq = comparison("=", b[0], b[1]) {
                return eq.replacingOccurrences(of: " == ", with: " != ")
            }
            if case .app(let op, let b) = a[0], b.count == 2, let flipped = ["<=": ">", "<": ">=", ">=": "<", ">": "<="][op] {
                return comparison(flipped, b[0], b[1])
            }
            return text(a[0]).map { "!" + SpecText.grouped($0) }
        case .app("and", let a): return joined(a, " && ")
        case .app("or", let a): return joined(a, " || ")
        case .app("=>", let a) where a.count == 2:
            guard let l = text(a[0]), let r = text(a[1]) else { return nil }
            return "!\(SpecText.grouped(l)) || \(SpecText.grouped(r))"
        case .app(let op, let a) where a.count == 2 && ["<=", ">=", "<", ">", "="].contains(op):
            if op == "=", let l = text(a[0]), let r = text(a[1]), isBoolean(a[0]) || isBoolean(a[1]) {
                return "\(SpecText.grouped(l)) == \(SpecText.grouped(r))"
            }
            return comparison(op, a[0], a[1])
        case .app("select", let a) where a.count == 2:
            guard let m = text(a[0]), let k = text(a[1]) else { return nil }
            return "\(m)[\(k)]"
        case .app("mod", let a) where a.count == 2:
            guard let l = text(a[0]), let r = text(a[1]) else { return nil }
            return "\(SpecText.grouped(l)) % \(SpecText.grouped(r))"
        case .app("div", let a) where a.count == 2:
            guard let l = text(a[0]), let r = text(a[1]) else { return nil }
            return "\(SpecText.grouped(l)) / \(SpecText.grouped(r))"
        case .app("+", _), .app("-", _), .app("*", _):
            guard let sum = linear(e) else { return nil }
            let (pos, neg) = sides(sum)
            return neg == "0" ? pos : nil
        default: return nil
        }
    }

    func joined(_ a: [SMTExpr], _ sep: String) -> String? {
        let parts = a.compactMap(text)
        return parts.count == a.count ? parts.map(SpecText.grouped).joined(separator: sep) : nil
    }

    /// `text` in parentheses unless it is one name, number, map entry or negation of one.
    static func grouped(_ text: String) -> String {
        text.contains(" ") ? "(\(text))" : text
    }

    func isBoolean(_ e: SMTExpr) -> Bool {
        switch e {
        case .bool: return true
        case .app(let op, _): return ["and", "or", "not", "=>", "<=", ">=", "<", ">"].contains(op)
        default: return false
        }
    }

    /// `l op r` with both sides' terms moved to where their coefficients are positive.
    func comparison(_ op: String, _ l: SMTExpr, _ r: SMTExpr) -> String? {
        guard var diff = linear(l), let right = linear(r) else { return nil }
        for (atom, c) in right { diff[atom, default: 0] -= c }
        let (pos, neg) = sides(diff)
        return "\(pos) \(op == "=" ? "==" : op) \(neg)"
    }

    /// A linear term as coefficient per atom ("" for the constant); nil when it is not linear
    /// or an atom has no spec form.
    func linear(_ e: SMTExpr) -> [String: BigInt]? {
        switch e {
        case .number(let n): return ["": n]
        case .app("+", let a):
            var out: [String: BigInt] = [:]
            for x in a { guard let l = linear(x) else { return nil }; for (k, c) in l { out[k, default: 0] += c } }
            return out
        case .app("-", let a) where a.count == 1:
            return linear(a[0]).map { $0.mapValues { -$0 } }
        case .app("-", let a) where a.count >= 2:
            guard var out = linear(a[0]) else { return nil }
            for x in a.dropFirst() { guard let l = linear(x) else { return nil }; for (k, c) in l { out[k, default: 0] -= c } }
            return out
        case .app("*", let a) where a.count == 2:
            if let c = constant(a[0]), let l = linear(a[1]) { return l.mapValues { $0 * c } }
            if let c = constant(a[1]), let l = linear(a[0]) { return l.mapValues { $0 * c } }
            return nil
        default:
            return text(e).map { [$0: 1] }
        }
    }

    func constant(_ e: SMTExpr) -> BigInt? {
        if case .number(let n) = e { return n }
        if case .app("-", let a) = e, a.count == 1, case .number(let n) = a[0] { return -n }
        return nil
    }

    /// The terms with positive and with negative coefficients, each side written as a sum.
    func sides(_ terms: [String: BigInt]) -> (String, String) {
        var pos: [String] = [], neg: [String] = []
        for (atom, c) in terms.sorted(by: { $0.key < $1.key }) where c != 0 && !atom.isEmpty {
            let text = c.magnitude == 1 ? atom : "\(c.magnitude) * \(atom)"
            if c.sign == .minus { neg.append(text) } else { pos.append(text) }
        }
        if let k = terms[""], k != 0 {
            if k.sign == .minus { neg.append(k.magnitude.description) } else { pos.append(k.description) }
        }
        return (pos.isEmpty ? "0" : pos.joined(separator: " + "), neg.isEmpty ? "0" : neg.joined(separator: " + "))
    }
}
