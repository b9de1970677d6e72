import BigInt
import TitanIR
import TitanSemantics

/// The semantics read concretely: every value is known, so every branch is decided.
public struct ConcreteDomain: Domain {
    public typealias Value = TitanInterp.Value
    public init() {}

    @inline(__always) func mask(_ n: BigUInt, _ w: Int) -> BigUInt {
        n.bitWidth <= w ? n : n & ((BigUInt(1) << w) - 1)
    }

    public func bool(_ b: Bool) -> Value { .bool(b) }
    public func number(_ n: BigUInt, width: Int) -> Value { .bits(mask(n, width)) }
    public func constMap(key: Sort, value: Sort, default v: Value) -> Value { .map(MapValue(defaultValue: v)) }
    public func not(_ a: Value) -> Value { .bool(!a.asBool) }
    public func and(_ a: Value, _ b: Value) -> Value { .bool(a.asBool && b.asBool) }
    public func or(_ a: Value, _ b: Value) -> Value { .bool(a.asBool || b.asBool) }
    public func ite(_ c: Value, _ t: Value, _ e: Value) -> Value { c.asBool ? t : e }
    public func eq(_ a: Value, _ b: Value) -> Value { .bool(a == b) }
    public func ult(_ a: Value, _ b: Value) -> Value { .bool(a.asBits < b.asBits) }
    public func ule(_ a: Value, _ b: Value) -> Value { .bool(a.asBits <= b.asBits) }
    public func add(_ a: Value, _ b: Value, width: Int) -> Value { .bits(mask(a.asBits + b.asBits, width)) }
    public func sub(_ a: Value, _ b: Value, width: Int) -> Value {
        let x = a.asBits, y = b.asBits
        return .bits(x >= y ? x - y : (BigUInt(1) << width) - (y - x))
    }
    public func mul(_ a: Value, _ b: Value, width: Int) -> Value { .bits(mask(a.asBits * b.asBits, width)) }
    public func udiv(_ a: Value, _ b: Value, width: Int) -> Value {
        let d = b.asBits
        if d == 0 { return .bits(0) }
        // Byte-string lengths divide by 2^(8n): a shift, not a long division.
        if let shift = ConcreteDomain.powerOfTwo(d) { return .bits(a.asBits >> shift) }
        return .bits(a.asBits / d)
    }
    public func urem(_ a: Value, _ b: Value, width: Int) -> Value {
        let d = b.asBits
        if d == 0 { return .bits(0) }
        if ConcreteDomain.powerOfTwo(d) != nil { return .bits(a.asBits & (d - 1)) }
        return .bits(a.asBits % d)
    }

    /// k when n == 2^k.
    static func powerOfTwo(_ n: BigUInt) -> Int? {
        let words = n.words
        let count = words.count
        guard count > 0 else { return nil }
        let top = words[count - 1]
        guard top != 0, top & (top &- 1) == 0 else { return nil }
        for i in 0..<(count - 1) where words[i] != 0 { return nil }
        return (count - 1) * UInt.bitWidth + top.trailingZeroBitCount
    }
    public func zeroExtend(_ a: Value, from: Int, to: Int) -> Value { a }
    public func truncate(_ a: Value, from: Int, to: Int) -> Value { .bits(mask(a.asBits, to)) }
    /// An int held in two's complement of `w` bits, as the integer it stands for.
    public static func signed(_ n: BigUInt, _ w: Int) -> BigInt { Sort.signedValue(of: n, width: w) }
    /// An integer of sort `int(w)` as this domain holds it: in two's complement of `w` bits.
    public static func integer(_ i: BigInt, width w: Int) -> Value? {
        guard i.magnitude.bitWidth < w || (i.sign == .minus && i == -(BigInt(1) << (w - 1))) else { return nil }
        return .bits(i.sign == .minus ? BigUInt(i + (BigInt(1) << w)) : i.magnitude)
    }
    /// An integer in two's complement of `w` bits.
    func bits(_ i: BigInt, _ w: Int) -> Value {
        .bits(i.sign == .minus ? BigUInt(i + (BigInt(1) << w)) : mask(i.magnitude, w))
    }
    public func signExtend(_ a: Value, from: Int, to: Int) -> Value { bits(ConcreteDomain.signed(a.asBits, from), to) }
    public func signedTruncate(_ a: Value, from: Int, to: Int) -> Value { truncate(a, from: from, to: to) }
    public func intAdd(_ a: Value, _ b: Value, width: Int) -> Value { add(a, b, width: width) }
    public func intSub(_ a: Value, _ b: Value, width: Int) -> Value { sub(a, b, width: width) }
    public func intMul(_ a: Value, _ b: Value, width: Int) -> Value { mul(a, b, width: width) }
    public func intDiv(_ a: Value, _ b: Value, width: Int) -> Value {
        let d = ConcreteDomain.signed(b.asBits, width)
        return d == 0 ? .bits(0) : bits(ConcreteDomain.signed(a.asBits, width) / d, width)  // BigInt: truncates toward zero
    }
    public func intRem(_ a: Value, _ b: Value, width: Int) -> Value {
        let d = ConcreteDomain.signed(b.asBits, width)
        return d == 0 ? .bits(0) : bits(ConcreteDomain.signed(a.asBits, width) % d, width)
    }
    public func sqrt(_ a: Value, width: Int, signed: Bool) -> Value {
        if signed {
            let v = ConcreteDomain.signed(a.asBits, width)
            return v.sign == .minus ? .bits(0) : .bits(v.magnitude.squareRoot())
        }
        return .bits(a.asBits.squareRoot())
    }
    public func slt(_ a: Value, _ b: Value, width: Int) -> Value {
        .bool(ConcreteDomain.signed(a.asBits, width) < ConcreteDomain.signed(b.asBits, width))
    }
    public func sle(_ a: Value, _ b: Value, width: Int) -> Value {
        .bool(ConcreteDomain.signed(a.asBits, width) <= ConcreteDomain.signed(b.asBits, width))
    }
    public func select(_ map: Value, _ key: Value, valueSort: Sort) -> Value { map.asMap[key] }
    public func store(_ map: Value, _ key: Value, _ value: Value) -> Value {
        var m = map.asMap
        m[key] = value
        return .map(m)
    }
    public func store(into map: inout Value, _ key: Value, _ value: Value) { update(&map) { $0[key] = value } }
    public func modify(_ map: inout Value, at key: Value, valueSort: Sort, _ body: (inout Value) -> Void) {
        update(&map) { $0.modify(key, body) }
    }

    /// Changes the map inside `map`, in place when nothing else holds it.
    func update(_ map: inout Value, _ change: (inout MapValue) -> Void) {
        guard case .map(var m) = map else { return }
        map = .bool(false)  // drop this reference so that `m` may be the only one: no copy
        change(&m)
        map = .map(m)
    }
    public func known(_ condition: Value) -> Bool? { condition.asBool }
}
