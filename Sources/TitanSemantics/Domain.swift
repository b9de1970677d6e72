import BigInt
import TitanIR

/// The primitive operations the semantics is built from. The concrete interpreter and the
/// Z3 encoder each supply one domain; everything else about what IR means lives in `Executor`.
///
/// Bit-vector operations receive their width so that a concrete domain can wrap; all of them
/// are modulo 2^width. `udiv`/`urem` are only consulted where the divisor is non-zero (the
/// executor guards them), but must not trap on zero.
public protocol Domain {
    associatedtype Value

    func bool(_ b: Bool) -> Value
    func number(_ n: BigUInt, width: Int) -> Value
    /// A map whose every key reads as `value`.
    func constMap(key: Sort, value: Sort, default value: Value) -> Value

    func not(_ a: Value) -> Value
    func and(_ a: Value, _ b: Value) -> Value
    func or(_ a: Value, _ b: Value) -> Value
    func ite(_ c: Value, _ t: Value, _ e: Value) -> Value
    /// Equality of two values of the same non-map sort, or of two maps.
    func eq(_ a: Value, _ b: Value) -> Value
    func ult(_ a: Value, _ b: Value) -> Value
    func ule(_ a: Value, _ b: Value) -> Value

    func add(_ a: Value, _ b: Value, width: Int) -> Value
    func sub(_ a: Value, _ b: Value, width: Int) -> Value
    func mul(_ a: Value, _ b: Value, width: Int) -> Value
    func udiv(_ a: Value, _ b: Value, width: Int) -> Value
    func urem(_ a: Value, _ b: Value, width: Int) -> Value
    func zeroExtend(_ a: Value, from: Int, to: Int) -> Value
    /// The low `to` bits of a `from`-bit value (`to` < `from`).
    func truncate(_ a: Value, from: Int, to: Int) -> Value

    /// Mathematical integers (sort `int(width)`, in properties). `width` always suffices for the
    /// exact result (see `Sort.int`), so a domain may hold an int as the number itself or in
    /// two's complement of `width` bits. Division and remainder truncate toward zero (the
    /// remainder has the dividend's sign) and, like udiv, are only consulted with a non-zero
    /// divisor.
    func signExtend(_ a: Value, from: Int, to: Int) -> Value
    /// The low `to` bits of an int of `from` bits, read as a signed integer of `to` bits
    /// (`to` <= `from`): how an exact result wraps into a program's `intN`.
    func signedTruncate(_ a: Value, from: Int, to: Int) -> Value
    func intAdd(_ a: Value, _ b: Value, width: Int) -> Value
    func intSub(_ a: Value, _ b: Value, width: Int) -> Value
    func intMul(_ a: Value, _ b: Value, width: Int) -> Value
    func intDiv(_ a: Value, _ b: Value, width: Int) -> Value
    func intRem(_ a: Value, _ b: Value, width: Int) -> Value
    /// The floor square root of a uint, or of an int (`signed`; 0 when negative), of `width` bits.
    func sqrt(_ a: Value, width: Int, signed: Bool) -> Value
    func slt(_ a: Value, _ b: Value, width: Int) -> Value
    func sle(_ a: Value, _ b: Value, width: Int) -> Value

    /// Reads `map[key]`; `valueSort` is the sort of what is read.
    func select(_ map: Value, _ key: Value, valueSort: Sort) -> Value
    func store(_ map: Value, _ key: Value, _ value: Value) -> Value
    /// `map = store(map, key, value)`; a concrete domain updates the map in place.
    func store(into map: inout Value, _ key: Value, _ value: Value)
    /// `map[key] = body(map[key])`; a concrete domain updates the inner value in place.
    func modify(_ map: inout Value, at key: Value, valueSort: Sort, _ body: (inout Value) -> Void)

    /// The truth of a condition when it is known without solving (always, for concrete values).
    /// The executor uses it to take one branch instead of merging both.
    func known(_ condition: Value) -> Bool?

    /// Called with every key read from or written to a top-level map state variable in the
    /// pre-state or during an action. The encoder uses the keys to bound map sums from below.
    func observeKey(map: String, key: Value)

    /// Called with every map key the semantics reads or writes, at any depth, with its sort.
    func observeTerm(_ term: Value, sort: Sort)
}

extension Domain {
    public func store(into map: inout Value, _ key: Value, _ value: Value) { map = store(map, key, value) }
    public func modify(_ map: inout Value, at key: Value, valueSort: Sort, _ body: (inout Value) -> Void) {
        var inner = select(map, key, valueSort: valueSort)
        body(&inner)
        map = store(map, key, inner)
    }
    /// An integer of a signed sort of `width` bits (`.sint` or `.int`), as the domain holds one:
    /// a negative one is built as 0 - |n|, which each domain reads in its own representation.
    public func signedNumber(_ n: BigInt, width: Int) -> Value {
        guard n.sign == .minus else { return number(n.magnitude, width: width) }
        return intSub(number(0, width: width), number(n.magnitude, width: width), width: width)
    }
    public func observeKey(map: String, key: Value) {}
    public func observeTerm(_ term: Value, sort: Sort) {}
    public func zero(_ sort: Sort) -> Value {
        switch sort {
        case .bool: return bool(false)
        case .uint(let w), .sint(let w), .int(let w): return number(0, width: w)
        case .address: return number(0, width: 160)
        case .bytes(let n): return number(0, width: Sort.bytes(n).bitWidth!)
        case .map(let k, let v): return constMap(key: k, value: v, default: zero(v))
        }
    }
}
