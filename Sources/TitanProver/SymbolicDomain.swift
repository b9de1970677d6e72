import BigInt
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// The semantics read symbolically: every value is a Z3 term over the query's unknowns.
///
/// A uint or address of width w is an integer in [0, 2^w): wrapping is explicit
/// (`a + b - 2^w` past the top), so linear specs stay in linear integer arithmetic, which
/// Z3 and cvc5 decide fast, and exact sums over maps need no bit-blasting.
public final class SymbolicDomain: Domain {
    public typealias Value = Term
    public let z3: Z3Context
    /// Values as bit-vectors of their width instead of bounded integers: the retry for narrow
    /// non-linear queries, which bit-blasting decides where integer arithmetic gives up.
    /// Only for models without byte strings or sums (see `Query.admitsBitVectors`).
    public let bitVectors: Bool
    /// Keys read or written per top-level map, in first-seen order (terms are hash-consed by Z3).
    public private(set) var observedKeys: [String: [Term]] = [:]
    /// Facts every well-formed value satisfies (range bounds of values read from maps), to be
    /// asserted with the query.
    public private(set) var rangeFacts: [Term] = []
    /// Square roots made so far, to name each one's unknown apart.
    var sqrtCount = 0
    /// Every map key the semantics touched, by sort: the terms quantified invariants are
    /// instantiated with.
    public private(set) var pool: [Sort: [Term]] = [:]
    var seenRangeFacts = Set<Term>()

    public init(context: Z3Context, bitVectors: Bool = false) { self.z3 = context; self.bitVectors = bitVectors }

    public func sort(_ s: Sort) -> SMTSort {
        switch s {
        case .bool: return z3.boolSort()
        case .uint, .sint, .address, .bytes, .int: return bitVectors ? z3.bitVectorSort(s.bitWidth!) : z3.intSort()
        case .map(let k, let v): return z3.arraySort(sort(k), sort(v))
        }
    }

    /// 2^w, made once per query: the numerals of wide byte strings are long to print and parse.
    var powers: [Int: Term] = [:]
    func power(_ w: Int) -> Term {
        if let t = powers[w] { return t }
        let t = z3.integer(BigUInt(1) << w)
        powers[w] = t
        return t
    }

    /// 0 <= t < 2^width.
    public func inRange(_ t: Term, width: Int) -> Term {
        z3.and([z3.le(z3.integer(0), t), z3.lt(t, power(width))])
    }

    /// Records the range of a value of `sort` (nothing for bools and maps).
    ///
    /// For a byte string the range is its length bound; `canonical` adds that no content lies
    /// beyond the length (one encoding per byte string). That costs one implication per
    /// possible length, so it is asked for only where counterexample values come from (action
    /// arguments and property parameters): every other byte string in a query is built from
    /// those, and a proof over non-canonical values as well is still a proof.
    public func noteRange(_ t: Term, _ sort: Sort, canonical: Bool = false) {
        guard !bitVectors, !sort.isInt else { return }  // a bit-vector is always in range; an int has none
        guard let w = sort.bitWidth, seenRangeFacts.insert(t).inserted else { return }
        if sort.isSint {
            let half = power(w - 1)
            rangeFacts.append(z3.and([z3.le(z3.sub(z3.integer(0), half), t), z3.lt(t, half)]))
            return
        }
        guard case .bytes(let n) = sort else {
            rangeFacts.append(inRange(t, width: w))
            return
        }
        let unit = power(8 * n)
        let length = z3.div(t, unit), content = z3.mod(t, unit)
        var facts = [z3.le(z3.integer(0), t), z3.le(length, z3.integer(n))]
        if canonical {
            for l in 0..<n { facts.append(z3.implies(z3.eq(length, z3.integer(l)), z3.lt(content, power(8 * l)))) }
        }
        rangeFacts.append(z3.and(facts))
    }

    /// The range fact of `t`, returned instead of recorded (nil when there is none, or it was
    /// recorded or returned before).
    public func takeRangeFact(_ t: Term, _ sort: Sort) -> Term? {
        let before = rangeFacts.count
        noteRange(t, sort)
        guard rangeFacts.count > before else { return nil }
        return rangeFacts.removeLast()
    }

    public func observeTerm(_ term: Term, sort: Sort) { addToPool(term, sort) }

    public func addToPool(_ term: Term, _ sort: Sort) {
        var terms = pool[sort, default: []]
        if !terms.contains(where: { $0 == term }) { terms.append(term) }
        pool[sort] = terms
    }

    public func bool(_ b: Bool) -> Term { z3.bool(b) }
    public func number(_ n: BigUInt, width: Int) -> Term {
        let masked = n & ((BigUInt(1) << width) - 1)
        return bitVectors ? z3.bitVector(masked, width: width) : z3.integer(masked)
    }
    public func constMap(key: Sort, value: Sort, default v: Term) -> Term { z3.constArray(key: sort(key), value: v) }
    public func not(_ a: Term) -> Term {
        if z3.isTrue(a) { return z3.bool(false) }
        if z3.isFalse(a) { return z3.bool(true) }
        return z3.not(a)
    }
    public func and(_ a: Term, _ b: Term) -> Term {
        if z3.isTrue(a) { return b }
        if z3.isTrue(b) { return a }
        return z3.and([a, b])
    }
    public func or(_ a: Term, _ b: Term) -> Term {
        if z3.isFalse(a) { return b }
        if z3.isFalse(b) { return a }
        return z3.or([a, b])
    }
    public func ite(_ c: Term, _ t: Term, _ e: Term) -> Term { z3.ite(c, t, e) }
    public func eq(_ a: Term, _ b: Term) -> Term { z3.eq(a, b) }
    public func ult(_ a: Term, _ b: Term) -> Term { bitVectors ? z3.bvult(a, b) : z3.lt(a, b) }
    public func ule(_ a: Term, _ b: Term) -> Term { bitVectors ? z3.bvule(a, b) : z3.le(a, b) }
    public func add(_ a: Term, _ b: Term, width: Int) -> Term {
        if bitVectors { return z3.bvadd(a, b) }
        let s = z3.add(a, b), top = power(width)
        return z3.ite(z3.lt(s, top), s, z3.sub(s, top))
    }
    public func sub(_ a: Term, _ b: Term, width: Int) -> Term {
        if bitVectors { return z3.bvsub(a, b) }
        let d = z3.sub(a, b)
        return z3.ite(z3.le(b, a), d, z3.add(d, power(width)))
    }
    public func mul(_ a: Term, _ b: Term, width: Int) -> Term {
        if bitVectors { return z3.bvmul(a, b) }
        let p = z3.mul(a, b), top = power(width)
        return z3.ite(z3.lt(p, top), p, z3.mod(p, top))
    }
    /// Only reached with a non-zero divisor (the executor guards it); both operands are non-negative.
    public func udiv(_ a: Term, _ b: Term, width: Int) -> Term { bitVectors ? z3.bvudiv(a, b) : z3.div(a, b) }
    public func urem(_ a: Term, _ b: Term, width: Int) -> Term { bitVectors ? z3.bvurem(a, b) : z3.mod(a, b) }
    public func zeroExtend(_ a: Term, from: Int, to: Int) -> Term { bitVectors ? z3.zeroExtend(a, by: to - from) : a }
    public func truncate(_ a: Term, from: Int, to: Int) -> Term { bitVectors ? z3.lowBits(a, to) : z3.mod(a, power(to)) }
    // Ints are exact integers, or two's complement bit-vectors of their width.
    public func signExtend(_ a: Term, from: Int, to: Int) -> Term { bitVectors ? z3.signExtend(a, by: to - from) : a }
    /// Over integers the wrap is `((a + 2^(to-1)) mod 2^to) - 2^(to-1)`, taken only when `a` is
    /// out of range, so results that fit (every one, in checked arithmetic) stay linear.
    public func signedTruncate(_ a: Term, from: Int, to: Int) -> Term {
        if bitVectors { return from == to ? a : z3.lowBits(a, to) }
        let half = power(to - 1)
        let fits = z3.and([z3.le(z3.sub(z3.integer(0), half), a), z3.lt(a, half)])
        return z3.ite(fits, a, z3.sub(z3.mod(z3.add(a, half), power(to)), half))
    }
    public func intAdd(_ a: Term, _ b: Term, width: Int) -> Term { bitVectors ? z3.bvadd(a, b) : z3.add(a, b) }
    public func intSub(_ a: Term, _ b: Term, width: Int) -> Term { bitVectors ? z3.bvsub(a, b) : z3.sub(a, b) }
    public func intMul(_ a: Term, _ b: Term, width: Int) -> Term { bitVectors ? z3.bvmul(a, b) : z3.mul(a, b) }
    /// Z3's integer div and mod are Euclidean: truncation toward zero is built from them on
    /// magnitudes, so that all three readings divide alike.
    public func intDiv(_ a: Term, _ b: Term, width: Int) -> Term {
        if bitVectors { return z3.bvsdiv(a, b) }
        let q = z3.div(magnitude(a), magnitude(b))
        return z3.ite(z3.eq(negative(a), negative(b)), q, z3.sub(z3.integer(0), q))
    }
    public func intRem(_ a: Term, _ b: Term, width: Int) -> Term {
        if bitVectors { return z3.bvsrem(a, b) }
        let r = z3.mod(magnitude(a), magnitude(b))
        return z3.ite(negative(a), z3.sub(z3.integer(0), r), r)
    }
    func negative(_ a: Term) -> Term { z3.lt(a, z3.integer(0)) }
    func magnitude(_ a: Term) -> Term { z3.ite(negative(a), z3.sub(z3.integer(0), a), a) }
    /// A fresh unknown `r`, defined by facts: `r * r <= a < (r + 1) * (r + 1)` (in twice the
    /// width plus two bits, over bit-vectors, so that no square overflows), and 0 for a
    /// negative int. The facts pin `r` to one value, so asserting them is sound on every path.
    public func sqrt(_ a: Term, width: Int, signed: Bool) -> Term {
        sqrtCount += 1
        let r = z3.constant("#sqrt\(sqrtCount)", bitVectors ? z3.bitVectorSort(width) : z3.intSort())
        let defined: Term
        if bitVectors {
            let wide = 2 * width + 2
            let x = z3.zeroExtend(a, by: wide - width), y = z3.zeroExtend(r, by: wide - width)
            let next = z3.bvadd(y, z3.bitVector(1, width: wide))
            defined = z3.and([z3.bvule(z3.bvmul(y, y), x), z3.bvult(x, z3.bvmul(next, next))])
            guard signed else { rangeFacts.append(defined); return r }
            let zero = z3.bitVector(0, width: width)
            rangeFacts.append(z3.ite(z3.bvslt(a, zero), z3.eq(r, zero), defined))
        } else {
            let next = z3.add(r, z3.integer(1))
            defined = z3.and([z3.le(z3.integer(0), r), z3.le(z3.mul(r, r), a), z3.lt(a, z3.mul(next, next))])
            guard signed else { rangeFacts.append(defined); return r }
            rangeFacts.append(z3.ite(z3.lt(a, z3.integer(0)), z3.eq(r, z3.integer(0)), defined))
        }
        return r
    }

    public func slt(_ a: Term, _ b: Term, width: Int) -> Term { bitVectors ? z3.bvslt(a, b) : z3.lt(a, b) }
    public func sle(_ a: Term, _ b: Term, width: Int) -> Term { bitVectors ? z3.bvsle(a, b) : z3.le(a, b) }

    public func select(_ map: Term, _ key: Term, valueSort: Sort) -> Term {
        let t = z3.select(map, key)
        noteRange(t, valueSort)
        return t
    }
    public func store(_ map: Term, _ key: Term, _ value: Term) -> Term { z3.store(map, key, value) }
    public func known(_ c: Term) -> Bool? { z3.isTrue(c) ? true : (z3.isFalse(c) ? false : nil) }

    public func observeKey(map: String, key: Term) {
        var keys = observedKeys[map, default: []]
        if !keys.contains(where: { $0 == key }) { keys.append(key) }
        observedKeys[map] = keys
    }

    /// A concrete value as a closed term (maps as stores over a constant array).
    public func lift(_ v: TitanInterp.Value, _ s: Sort) -> Term {
        switch (v, s) {
        case (.bool(let b), _): return z3.bool(b)
        case (.bits(let n), _) where s.isSigned: return z3.integer(s.integer(fromPattern: n))
        case (.bits(let n), _): return z3.integer(n)
        case (.map(let m), .map(let k, let vs)):
            var t = z3.constArray(key: sort(k), value: lift(m.defaultValue, vs))
            for (key, val) in m.entries { t = z3.store(t, lift(key, k), lift(val, vs)) }
            return t
        case (.map, _): return z3.bool(false)
        }
    }
}
