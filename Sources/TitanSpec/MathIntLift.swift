import BigInt
import TitanIR

/// Arithmetic in properties is on mathematical integers, so `x * 2 >= x` holds and `a - b`
/// may be negative. The checker types a property's arithmetic as uint first (literals take
/// their sort from the other operand, as in actions), then this pass rewrites every arithmetic
/// operator to operate on `int(w)`, with `w` worked out from its operands so that no operation
/// can overflow: `+` and `-` need one bit more than the wider operand, `*` the sum of both
/// widths, `/` one bit more (the quotient of the most negative value by -1). Both readers then
/// compute exactly, whether they hold an int as a number or in two's complement of its width.
///
/// Where a uint is needed (a map key, a sum's key), an int is taken modulo 2^N, as is an
/// explicit `uintN(e)` conversion: the way to ask for wrapping arithmetic in a property.
enum MathInt {
    /// Wider than any property needs; a deeper product of wide values is refused.
    static let maxWidth = 4096

    /// `ghosts`: the weighted sums' ghost variables by name, with their int widths. The checker
    /// types a weighted sum as a uint `sum` of its ghost; here it becomes the int it is.
    static func lift(_ e: Expr, ghosts: [String: Int] = [:]) -> Expr {
        func lift(_ e: Expr) -> Expr { MathInt.lift(e, ghosts: ghosts) }
        switch e {
        case .sum(let n, nil, let post) where ghosts[n] != nil:
            return post ? .post(n, .int(ghosts[n]!)) : .state(n, .int(ghosts[n]!))
        case .bool, .number, .state, .post, .name, .reverted, .sum(_, nil, _), .toInt:
            return e
        case .sum(let n, let k?, let post):
            return .sum(n, key: asUint(lift(k), k.sort), post: post)
        case .unary(let op, let a):
            return .unary(op, lift(a))
        case .length(let a):
            return .length(lift(a))
        case .sqrt(let a):
            return .sqrt(lift(a))
        case .select(let m, let k):
            return .select(lift(m), asUint(lift(k), k.sort))
        case .widen(let a, let w):
            let x = lift(a)
            return x.sort.isInt ? x : .widen(x, to: w)
        case .narrow(let a, let w, _):
            let x = lift(a)
            return x.sort.isInt ? wrap(x, to: w) : .narrow(x, to: w, arithmetic: .wrapping)
        case .convert(let a, let s, _):
            // `int64(e)` in a property: e wrapped into int64, as uintN(e) takes it modulo 2^N.
            return .convert(lift(a), to: s, arithmetic: .wrapping)
        case .ite(let c, let t, let f):
            let x = lift(t), y = lift(f)
            guard x.sort.isInt || y.sort.isInt || x.sort != y.sort else { return .ite(lift(c), x, y) }
            let (p, q) = common(asInt(x), asInt(y))
            return .ite(lift(c), p, q)
        case .binary(let op, let a, let b, let arithmetic):
            let x = lift(a), y = lift(b)
            if op.isLogical { return .binary(op, x, y, arithmetic: arithmetic) }
            if op.isComparison {
                // A uint beside an intN compares as the integers they are.
                guard x.sort.isInt || y.sort.isInt || x.sort != y.sort else { return .binary(op, x, y, arithmetic: arithmetic) }
                let (p, q) = common(asInt(x), asInt(y))
                return .binary(op, p, q, arithmetic: .wrapping)
            }
            let p = asInt(x), q = asInt(y)
            let wp = p.sort.bitWidth!, wq = q.sort.bitWidth!
            let w: Int
            switch op {
            case .add, .sub, .div: w = max(wp, wq) + 1
            case .mul: w = wp + wq
            default: w = max(wp, wq)  // %: |r| < |divisor|, sign of the dividend
            }
            return .binary(op, extend(p, to: w), extend(q, to: w), arithmetic: .wrapping)
        }
    }

    /// The widest int anywhere in `e`: above `maxWidth`, the property is refused.
    static func widest(_ e: Expr) -> Int {
        let own: Int
        if case .int(let w) = e.sort { own = w } else { own = 0 }
        return e.children.reduce(own) { max($0, widest($1)) }
    }

    /// A uint as an int one bit wider (a literal as narrow as its value allows); an intN as an
    /// int of its width.
    static func asInt(_ x: Expr) -> Expr {
        switch (x, x.sort) {
        case (_, .int): return x
        case (_, .sint(let w)): return .toInt(x, width: w)
        case (.number(let n, _), _): return .number(n, .int(max(2, n.bitWidth + 1)))
        case (_, .uint(let w)): return .toInt(x, width: w + 1)
        default: return x  // the checker admits arithmetic on uints only
        }
    }

    static func extend(_ x: Expr, to w: Int) -> Expr {
        guard case .int(let have) = x.sort, have != w else { return x }
        if case .number(let n, _) = x { return .number(n, .int(w)) }
        if case .toInt(let inner, _) = x { return .toInt(inner, width: w) }
        return .toInt(x, width: w)
    }

    static func common(_ a: Expr, _ b: Expr) -> (Expr, Expr) {
        let w = max(a.sort.bitWidth ?? 0, b.sort.bitWidth ?? 0)
        return (extend(a, to: w), extend(b, to: w))
    }

    /// An int modulo 2^w, as uint(w).
    static func wrap(_ x: Expr, to w: Int) -> Expr {
        let have = x.sort.bitWidth!
        return .narrow(have > w ? x : extend(x, to: w + 1), to: w, arithmetic: .wrapping)
    }

    /// An int where a uint of `sort` is needed is taken modulo 2^N (where an intN is needed,
    /// wrapped into it).
    static func asUint(_ x: Expr, _ sort: Sort) -> Expr {
        guard x.sort.isInt, let w = sort.bitWidth else { return x }
        if sort.isSint { return .convert(x, to: sort, arithmetic: .wrapping) }
        return wrap(x, to: w)
    }
}
