import TitanUInt256

/// A TON cell: at most 1023 data bits and at most 4 references to other cells. Cells are
/// immutable; state changes build new cells.
public final class Cell {
    public static let maxBits = 1023
    public static let maxRefs = 4
    public let bits: [Bool]
    public let refs: [Cell]

    public struct OverflowError: Error, CustomStringConvertible {
        public var bits: Int, refs: Int
        public var description: String { "cell overflow: \(bits) bits, \(refs) refs (limit 1023, 4)" }
    }

    public init(bits: [Bool], refs: [Cell] = []) throws {
        guard bits.count <= Cell.maxBits, refs.count <= Cell.maxRefs else { throw OverflowError(bits: bits.count, refs: refs.count) }
        self.bits = bits; self.refs = refs
    }

    /// The bytes a cell's data holds (its bit count must be a multiple of 8).
    public var bytes: [UInt8] { CellBits.bytes(bits) }
}

/// Bit-level encoding helpers, most significant bit first as TON serializes.
public enum CellBits {
    public static func uint(_ v: Int, width: Int) -> [Bool] { (0..<width).map { (v >> (width - 1 - $0)) & 1 == 1 } }
    public static func readUInt(_ bits: ArraySlice<Bool>) -> Int { bits.reduce(0) { $0 << 1 | ($1 ? 1 : 0) } }
    public static func of(_ bytes: [UInt8]) -> [Bool] { bytes.flatMap { b in (0..<8).map { (b >> (7 - $0)) & 1 == 1 } } }
    public static func bytes(_ bits: [Bool]) -> [UInt8] {
        stride(from: 0, to: bits.count - bits.count % 8, by: 8).map { i in
            (0..<8).reduce(UInt8(0)) { $0 << 1 | (bits[i + $1] ? 1 : 0) }
        }
    }
    /// Bits needed for a length in 0 ... n: ceil(log2(n + 1)).
    public static func lengthWidth(_ n: Int) -> Int { n == 0 ? 0 : Int.bitWidth - n.leadingZeroBitCount }

    /// TON `Coins` (VarUInteger 16): a 4-bit byte length, then that many bytes; so at most 2^120 - 1.
    public static let coinsMax = UInt256.maxOf(bits: 120)
    public static func coins(_ v: UInt256) -> [Bool]? {
        guard v <= coinsMax else { return nil }
        let bytes = Array(v.bigEndianBytes.drop { $0 == 0 })
        return uint(bytes.count, width: 4) + of(bytes)
    }
    /// Reads Coins at the start of `bits`; returns the value and the bits consumed.
    public static func readCoins(_ bits: ArraySlice<Bool>) -> (UInt256, Int) {
        let n = readUInt(bits.prefix(4))
        let body = Array(bits.dropFirst(4).prefix(8 * n))
        return (UInt256(bigEndian: CellBits.bytes(body)), 4 + 8 * n)
    }
}

/// A byte string longer than one cell holds, as a chain of cells through reference 0:
/// 127 bytes (1016 bits) per cell.
public enum CellChain {
    public static let bytesPerCell = 127

    public static func build(_ bytes: [UInt8]) throws -> Cell {
        let head = Array(bytes.prefix(bytesPerCell))
        let rest = Array(bytes.dropFirst(bytesPerCell))
        return try Cell(bits: CellBits.of(head), refs: rest.isEmpty ? [] : [try build(rest)])
    }

    public static func read(_ cell: Cell) -> [UInt8] {
        var out = cell.bytes
        var c = cell
        while let next = c.refs.first { out += next.bytes; c = next }
        return out
    }

    public static func cellCount(_ cell: Cell) -> Int { 1 + (cell.refs.first.map(cellCount) ?? 0) }
}
