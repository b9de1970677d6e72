import TitanUInt256

/// One contract's EVM storage: 2^256 slots of 32-byte words, every unset slot reading zero.
/// Storing zero clears the slot, as SSTORE does (there is no "set to zero" state on chain).
public struct EVMStorage {
    public private(set) var slots: [UInt256: UInt256] = [:]
    public init() {}

    public func sload(_ slot: UInt256) -> UInt256 { slots[slot] ?? .zero }
    public mutating func sstore(_ slot: UInt256, _ value: UInt256) { slots[slot] = value.isZero ? nil : value }
    public mutating func clear() { slots.removeAll(keepingCapacity: true) }
}

/// Where the Solidity compiler places mapping entries and dynamic `bytes` data.
public enum SolidityLayout {
    static func keccak(_ bytes: [UInt8]) -> UInt256 { UInt256(bigEndian: Keccak256.hash(bytes)) }

    /// `mapping(K => V)` at `base`, K a value type (address, uint, bytes32):
    /// keccak256(pad32(key) . pad32(base)).
    public static func mappingSlot(valueKey key: UInt256, base: UInt256) -> UInt256 {
        keccak(key.bigEndianBytes + base.bigEndianBytes)
    }

    /// `mapping(bytes => V)` at `base`: the key is not padded, keccak256(key . pad32(base)).
    public static func mappingSlot(bytesKey key: [UInt8], base: UInt256) -> UInt256 {
        keccak(key + base.bigEndianBytes)
    }

    /// `mapping(address => V)` at `base`: the address left-padded to 32 bytes.
    public static func mappingSlot(address: Address, base: UInt256) -> UInt256 {
        mappingSlot(valueKey: UInt256(bigEndian: address.bytes), base: base)
    }

    /// The first data slot of a long `bytes` value stored at `slot`: keccak256(pad32(slot)).
    public static func dataSlot(of slot: UInt256) -> UInt256 { keccak(slot.bigEndianBytes) }

    /// Reads a `bytes` value at `slot`: short form (<= 31 bytes) is the data left-aligned with
    /// 2*len in the low byte; long form is 2*len+1 in the slot and the data from dataSlot(slot).
    public static func readBytes(_ s: EVMStorage, at slot: UInt256) -> [UInt8] {
        let word = s.sload(slot)
        if word.low64 & 1 == 0 {
            let len = Int((word.low64 & 0xff) / 2)
            return Array(word.bigEndianBytes.prefix(len))
        }
        let len = Int((word.low64 - 1) / 2)
        var out = [UInt8]()
        out.reserveCapacity(len)
        var data = dataSlot(of: slot)
        while out.count < len {
            out += s.sload(data).bigEndianBytes.prefix(len - out.count)
            data = data.addingReportingOverflow(UInt256(1)).partialValue
        }
        return out
    }

    /// The length of the `bytes` value at `slot`, from its first word alone.
    public static func bytesLength(_ s: EVMStorage, at slot: UInt256) -> Int {
        let word = s.sload(slot)
        return word.low64 & 1 == 0 ? Int((word.low64 & 0xff) / 2) : Int((word.low64 - 1) / 2)
    }

    /// Writes a `bytes` value at `slot`, clearing data slots the old value used beyond the new
    /// one (the compiler's cleanup), so no stale word survives.
    public static func writeBytes(_ s: inout EVMStorage, at slot: UInt256, _ value: [UInt8]) {
        clearBytes(&s, at: slot)
        if value.count <= 31 {
            var word = value + [UInt8](repeating: 0, count: 32 - value.count)
            word[31] = UInt8(2 * value.count)
            s.sstore(slot, UInt256(bigEndian: word))
            return
        }
        s.sstore(slot, UInt256(UInt64(2 * value.count + 1)))
        var data = dataSlot(of: slot)
        var i = 0
        while i < value.count {
            let chunk = Array(value[i..<min(i + 32, value.count)])
            s.sstore(data, UInt256(bigEndian: chunk + [UInt8](repeating: 0, count: 32 - chunk.count)))
            data = data.addingReportingOverflow(UInt256(1)).partialValue
            i += 32
        }
    }

    /// `delete` of a `bytes` value: the length word and every data word become zero.
    public static func clearBytes(_ s: inout EVMStorage, at slot: UInt256) {
        let word = s.sload(slot)
        if word.low64 & 1 == 1 {
            let len = Int((word.low64 - 1) / 2)
            var data = dataSlot(of: slot)
            for _ in 0..<((len + 31) / 32) {
                s.sstore(data, .zero)
                data = data.addingReportingOverflow(UInt256(1)).partialValue
            }
        }
        s.sstore(slot, .zero)
    }
}
