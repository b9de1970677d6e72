import TitanUInt256

/// A storage slot number or a size in bytes: slots are 256-bit words on the EVM (solc's
/// `layout at`, ERC-7201 roots), so they do not fit in `Int`.
public typealias SlotNumber = UInt256

extension UInt256 {
    public init(_ value: Int) {
        precondition(value >= 0, "slot numbers are unsigned")
        self.init(UInt64(value))
    }

    /// The value as an `Int` when it fits.
    public var intValue: Int? {
        guard limbs.1 == 0, limbs.2 == 0, limbs.3 == 0, limbs.0 <= UInt64(Int.max) else { return nil }
        return Int(limbs.0)
    }

    /// Wrapping addition: slot arithmetic on the EVM is modulo 2^256. Spelled `&+`, as Swift
    /// spells wrapping, so amounts (the same type) never wrap by accident.
    public static func &+ (a: UInt256, b: UInt256) -> UInt256 { a.addingReportingOverflow(b).partialValue }

    /// The number of 32-byte slots `bytes` bytes take, rounded up.
    public var slotsRoundedUp: UInt256 {
        let (w0, w1, w2, w3) = limbs
        let r = UInt256(limbs: (w0 >> 5) | (w1 << 59), (w1 >> 5) | (w2 << 59), (w2 >> 5) | (w3 << 59), w3 >> 5)
        return (w0 & 31) != 0 ? r &+ UInt256(1) : r
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
