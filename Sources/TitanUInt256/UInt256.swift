/// An unsigned 256-bit integer: the EVM word, the width of titan.h amounts in the reference, and
/// a storage slot number in a solc layout. Fixed width (four 64-bit limbs, least significant
/// first) so that backends do word arithmetic the way their chains do, without an
/// arbitrary-precision library.
public struct UInt256: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Limbs, least significant first.
    public var limbs: (UInt64, UInt64, UInt64, UInt64)

    public init(_ v: UInt64) { limbs = (v, 0, 0, 0) }
    public init(limbs l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) { limbs = (l0, l1, l2, l3) }

    public static let zero = UInt256(0)
    public static let max = UInt256(limbs: .max, .max, .max, .max)

    /// 2^bits - 1, for chains whose amounts are narrower than 256 bits.
    public static func maxOf(bits: Int) -> UInt256 {
        precondition(bits > 0 && bits <= 256)
        var out = [UInt64](repeating: 0, count: 4)
        for i in 0..<4 {
            let lo = i * 64
            if bits >= lo + 64 { out[i] = .max } else if bits > lo { out[i] = (UInt64(1) << UInt64(bits - lo)) - 1 }
        }
        return UInt256(limbs: out[0], out[1], out[2], out[3])
    }

    var array: [UInt64] { [limbs.0, limbs.1, limbs.2, limbs.3] }
    init(array a: [UInt64]) { limbs = (a[0], a[1], a[2], a[3]) }

    public static func == (a: UInt256, b: UInt256) -> Bool {
        a.limbs.0 == b.limbs.0 && a.limbs.1 == b.limbs.1 && a.limbs.2 == b.limbs.2 && a.limbs.3 == b.limbs.3
    }
    public func hash(into h: inout Hasher) { h.combine(limbs.0); h.combine(limbs.1); h.combine(limbs.2); h.combine(limbs.3) }

    public static func < (a: UInt256, b: UInt256) -> Bool {
        if a.limbs.3 != b.limbs.3 { return a.limbs.3 < b.limbs.3 }
        if a.limbs.2 != b.limbs.2 { return a.limbs.2 < b.limbs.2 }
        if a.limbs.1 != b.limbs.1 { return a.limbs.1 < b.limbs.1 }
        return a.limbs.0 < b.limbs.0
    }

    public var isZero: Bool { self == .zero }

    public func addingReportingOverflow(_ b: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let x = array, y = b.array
        var out = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, o1) = x[i].addingReportingOverflow(y[i])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            out[i] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        return (UInt256(array: out), carry != 0)
    }

    public func subtractingReportingOverflow(_ b: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let x = array, y = b.array
        var out = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, o1) = x[i].subtractingReportingOverflow(y[i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            out[i] = d2
            borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        return (UInt256(array: out), borrow != 0)
    }

    /// The sum, or nil when it does not fit in `bits` bits.
    public func adding(_ b: UInt256, bits: Int = 256) -> UInt256? {
        let (s, o) = addingReportingOverflow(b)
        return o || s > UInt256.maxOf(bits: bits) ? nil : s
    }

    /// Division by a small divisor: quotient and remainder.
    public func quotientAndRemainder(dividingBy d: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        precondition(d != 0)
        var out = [UInt64](repeating: 0, count: 4)
        var rem: UInt64 = 0
        let x = array
        for i in stride(from: 3, through: 0, by: -1) {
            let (q, r) = d.dividingFullWidth((high: rem, low: x[i]))
            out[i] = q; rem = r
        }
        return (UInt256(array: out), rem)
    }

    /// Big-endian 32-byte encoding (the EVM's word layout).
    public var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let x = array
        for i in 0..<4 {
            for j in 0..<8 { out[31 - (i * 8 + j)] = UInt8(truncatingIfNeeded: x[i] >> UInt64(8 * j)) }
        }
        return out
    }

    /// From up to 32 big-endian bytes.
    public init(bigEndian bytes: [UInt8]) {
        precondition(bytes.count <= 32)
        var a = [UInt64](repeating: 0, count: 4)
        for (k, b) in bytes.reversed().enumerated() { a[k / 8] |= UInt64(b) << UInt64(8 * (k % 8)) }
        self.init(array: a)
    }

    /// The number of significant bits (0 for zero).
    public var bitWidth: Int {
        let x = array
        for i in stride(from: 3, through: 0, by: -1) where x[i] != 0 { return i * 64 + (64 - x[i].leadingZeroBitCount) }
        return 0
    }

    /// Parses a decimal string; nil when it is not a number in 0 ... 2^256 - 1.
    public init?(decimal s: String) {
        guard !s.isEmpty else { return nil }
        var v = UInt256.zero
        for c in s.utf8 {
            guard c >= 48 && c <= 57 else { return nil }
            // v * 10 + digit, with overflow detection: v*10 = v*8 + v*2.
            let x = v.array
            var out = [UInt64](repeating: 0, count: 4)
            var carry = UInt64(c - 48)
            for i in 0..<4 {
                let (hi, lo) = x[i].multipliedFullWidth(by: 10)
                let (s, o) = lo.addingReportingOverflow(carry)
                out[i] = s
                carry = hi + (o ? 1 : 0)
            }
            guard carry == 0 else { return nil }
            v = UInt256(array: out)
        }
        self = v
    }

    public var description: String {
        if isZero { return "0" }
        var digits: [String] = []
        var v = self
        while !v.isZero {
            let (q, r) = v.quotientAndRemainder(dividingBy: 10_000_000_000_000_000_000)
            digits.append(String(r))
            v = q
        }
        var s = digits.removeLast()
        for d in digits.reversed() { s += String(repeating: "0", count: 19 - d.count) + d }
        return s
    }

    /// The low 64 bits.
    public var low64: UInt64 { limbs.0 }
}
