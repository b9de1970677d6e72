import BigInt

/// The sorts of the IR. Every bit-vector-like sort has a fixed width, which both
/// interpretations use: the interpreter wraps modulo 2^width, the encoder uses (_ BitVec width).
public indirect enum Sort: Hashable, Sendable, CustomStringConvertible {
    case bool
    /// Unsigned integer of the given width (uint8 ... uint256; sums over maps are uint512).
    case uint(Int)
    /// Signed integer of the given width (int8 ... int256), in two's complement as Solidity's
    /// `intN`: a literal holds its bit pattern, the interpreter wraps like the EVM, and the
    /// encoder holds the signed number itself (or a bit-vector of the width).
    case sint(Int)
    /// A 20-byte account address; a 160-bit vector that is not an integer in the language.
    case address
    case map(key: Sort, value: Sort)
    /// A byte string of at most `maxLength` bytes. Encoded as one number,
    /// `length * 2^(8*maxLength) + content` (content big-endian, zero beyond the length),
    /// so both interpretations treat it as a scalar and equality is number equality.
    case bytes(Int)
    /// A mathematical integer, the sort of arithmetic inside properties. The width is not a
    /// bound on the language's values but one the type checker works out per expression, wide
    /// enough that no operation on it can overflow: so an interpretation may hold it exactly
    /// (the prover's integers) or in two's complement of that width (the interpreter,
    /// bit-vector queries), and both agree.
    case int(Int)

    /// `bytes` without a bound.
    public static let defaultBytesLength = 32

    public static let uint256 = Sort.uint(256)
    /// Width of the exact sum of a map's uint256 values: 2^160 keys * (2^256 - 1) < 2^416 <= 2^512.
    public static let sumWidth = 512

    public var bitWidth: Int? {
        switch self {
        case .bool, .map: return nil
        case .uint(let w), .sint(let w), .int(let w): return w
        case .address: return 160
        case .bytes(let n): return 8 * n + 11
        }
    }

    public var isMap: Bool { if case .map = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .bool: return "bool"
        case .uint(let w): return "uint\(w)"
        case .sint(let w): return "int\(w)"
        case .int: return "int"
        case .address: return "address"
        case .map(let k, let v): return "map<\(k), \(v)>"
        case .bytes(let n): return n == Sort.defaultBytesLength ? "bytes" : "bytes<\(n)>"
        }
    }
}

extension Sort {
    public var isUint: Bool { if case .uint = self { return true } else { return false } }
    public var isInt: Bool { if case .int = self { return true } else { return false } }
    public var isSint: Bool { if case .sint = self { return true } else { return false } }
    /// Whether values of the sort are read as signed: program `intN` and properties' integers.
    public var isSigned: Bool { isSint || isInt }
    /// The sorts arithmetic and ordering apply to in actions: uintN and intN.
    public var isInteger: Bool { isUint || isSint }

    /// The least and greatest values of a uint or intN sort, as integers.
    public var integerRange: ClosedRange<BigInt>? {
        switch self {
        case .uint(let w): return 0...(BigInt(1) << w) - 1
        case .sint(let w): return -(BigInt(1) << (w - 1))...(BigInt(1) << (w - 1)) - 1
        default: return nil
        }
    }

    /// The integer a bit pattern of this sort stands for (two's complement for signed sorts).
    public func integer(fromPattern n: BigUInt) -> BigInt {
        guard isSigned, let w = bitWidth else { return BigInt(n) }
        return Sort.signedValue(of: n, width: w)
    }

    /// The integer a `w`-bit two's complement pattern stands for; the interpreter reads every
    /// signed value through it.
    @inlinable public static func signedValue(of n: BigUInt, width w: Int) -> BigInt {
        n.bitWidth == w && w > 0 ? BigInt(n) - (BigInt(1) << w) : BigInt(n)
    }

    /// The bit pattern that holds `i` in this sort's width (two's complement when negative).
    public func pattern(of i: BigInt) -> BigUInt {
        let w = bitWidth ?? 256
        let top = BigInt(1) << w
        var r = i % top
        if r.sign == .minus { r += top }
        return r.magnitude
    }

    /// Bits that hold any sum (or count, for bools) over a map from `key` to `value`.
    public static func sumBits(key: Sort, value: Sort) -> Int {
        let keyBits = key == .bool ? 1 : key.bitWidth ?? sumWidth
        return value == .bool ? keyBits + 1 : keyBits + (value.bitWidth ?? sumWidth)
    }
}
