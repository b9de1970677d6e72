/// An unsigned 256-bit number: storage slots and sizes.
///
/// Slots are 256-bit words on the EVM (solc's `layout at`, ERC-7201 roots), so they do not fit
/// in `Int`; this keeps the library free of a big-integer dependency.
public struct SlotNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Little-endian 64-bit limbs.
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = SlotNumber(0)

    public init(_ value: Int) {
        precondition(value >= 0, "slot numbers are unsigned")
        w0 = UInt64(value); w1 = 0; w2 = 0; w3 = 0
    }

    private init(limbs: [UInt64]) {
        w0 = limbs[0]; w1 = limbs[1]; w2 = limbs[2]; w3 = limbs[3]
    }

    private var limbs: [UInt64] { [w0, w1, w2, w3] }

    /// Parses a decimal string such as solc's `"slot": "42"`; nil if not decimal or above 2^256-1.
    public init?(decimal: String) {
        guard !decimal.isEmpty, decimal.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        var result = [UInt64](repeating: 0, count: 4)
        for digit in decimal.utf8 {
            var carry = UInt64(digit - 48)
            for i in 0..<4 {
                let (high, low) = result[i].multipliedFullWidth(by: 10)
                let (sum, overflow) = low.addingReportingOverflow(carry)
                result[i] = sum
                carry = high + (overflow ? 1 : 0)
            }
            if carry != 0 { return nil }
        }
        self.init(limbs: result)
    }

    /// The value as an `Int` when it fits.
    public var intValue: Int? {
        guard w1 == 0, w2 == 0, w3 == 0, w0 <= UInt64(Int.max) else { return nil }
        return Int(w0)
    }

    /// Wrapping addition: slot arithmetic on the EVM is modulo 2^256.
    public static func + (a: SlotNumber, b: SlotNumber) -> SlotNumber {
        var r = a
        var carry: Bool
        (r.w0, carry) = a.w0.addingReportingOverflow(b.w0)
        (r.w1, carry) = add(a.w1, b.w1, carry)
        (r.w2, carry) = add(a.w2, b.w2, carry)
        (r.w3, _) = add(a.w3, b.w3, carry)
        return r
    }

    private static func add(_ x: UInt64, _ y: UInt64, _ carryIn: Bool) -> (UInt64, Bool) {
        let (s1, o1) = x.addingReportingOverflow(y)
        let (s2, o2) = s1.addingReportingOverflow(carryIn ? 1 : 0)
        return (s2, o1 || o2)
    }

    public static func + (a: SlotNumber, b: Int) -> SlotNumber { a + SlotNumber(b) }

    /// The number of 32-byte slots `bytes` bytes take, rounded up.
    public var slotsRoundedUp: SlotNumber {
        var r = self
        r.w0 = (w0 >> 5) | (w1 << 59)
        r.w1 = (w1 >> 5) | (w2 << 59)
        r.w2 = (w2 >> 5) | (w3 << 59)
        r.w3 = w3 >> 5
        return (w0 & 31) != 0 ? r + SlotNumber(1) : r
    }

    public static func < (a: SlotNumber, b: SlotNumber) -> Bool {
        if a.w3 != b.w3 { return a.w3 < b.w3 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        return a.w0 < b.w0
    }

    public var description: String {
        if w1 == 0 && w2 == 0 && w3 == 0 { return String(w0) }
        var x = limbs
        if x.allSatisfy({ $0 == 0 }) { return "0" }
        var digits: [UInt8] = []
        while !x.allSatisfy({ $0 == 0 }) {
            var remainder: UInt64 = 0
            for i in stride(from: 3, through: 0, by: -1) {
                let (q, r) = UInt64(10).dividingFullWidth((remainder, x[i]))
                x[i] = q
                remainder = r
            }
            digits.append(UInt8(remainder) + 48)
        }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}

/// A byte position in storage: a slot and a byte offset (0...31) inside it, ordered by slot first.
public struct StoragePosition: Hashable, Comparable, Sendable {
    public var slot: SlotNumber
    public var offset: Int

    public init(slot: SlotNumber, offset: Int) {
        self.slot = slot
        self.offset = offset
    }

    public static func < (a: StoragePosition, b: StoragePosition) -> Bool {
        a.slot != b.slot ? a.slot < b.slot : a.offset < b.offset
    }
}
