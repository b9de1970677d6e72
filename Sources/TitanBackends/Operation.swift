import TitanUInt256

/// A 20-byte account address, as titan.h and the reference ledger use.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 20, "an address is 20 bytes")
        self.bytes = bytes
    }
    /// An address whose last byte is `n` (the rest zero): a small, readable account.
    public init(index n: UInt8) { self.init([UInt8](repeating: 0, count: 19) + [n]) }
    public static func < (a: Address, b: Address) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
    public var description: String { Hex.encode(bytes) }
}

/// One call of the titan.h subset the backends implement.
public enum TitanCall: Hashable, Sendable, CustomStringConvertible {
    case reset
    case storageWrite(key: [UInt8], value: [UInt8])
    case storageRead(key: [UInt8], bufLen: Int)
    case storageDelete(key: [UInt8])
    case mint(to: Address, amount: UInt256)
    case transfer(from: Address, to: Address, amount: UInt256)
    case balance(Address)
    case totalSupply

    /// The protocol name of the call.
    public var name: String {
        switch self {
        case .reset: return "reset"
        case .storageWrite: return "storage_write"
        case .storageRead: return "storage_read"
        case .storageDelete: return "storage_delete"
        case .mint: return "mint"
        case .transfer: return "transfer"
        case .balance: return "balance"
        case .totalSupply: return "total_supply"
        }
    }

    /// Whether the call is one of the ledger's (mint, transfer, balance, total supply).
    public var isLedgerCall: Bool {
        switch self {
        case .mint, .transfer, .balance, .totalSupply: return true
        case .reset, .storageWrite, .storageRead, .storageDelete: return false
        }
    }

    /// The storage key the call addresses, if it is a storage call.
    public var storageKey: [UInt8]? {
        switch self {
        case .storageWrite(let k, _), .storageRead(let k, _), .storageDelete(let k): return k
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .reset: return "reset()"
        case .storageWrite(let k, let v): return "storage_write(key: \(Hex.encode(k)), value: \(Hex.encode(v)) [\(v.count) bytes])"
        case .storageRead(let k, let n): return "storage_read(key: \(Hex.encode(k)), buf_len: \(n))"
        case .storageDelete(let k): return "storage_delete(key: \(Hex.encode(k)))"
        case .mint(let to, let a): return "mint(to: \(to), amount: \(a))"
        case .transfer(let f, let t, let a): return "transfer(from: \(f), to: \(t), amount: \(a))"
        case .balance(let a): return "balance(addr: \(a))"
        case .totalSupply: return "total_supply()"
        }
    }
}

/// What one call returned: `ret`, and the results the call has (`value` and `out_len` for
/// reads, `amount` for balance and total supply).
public struct OpResult: Hashable, Sendable, CustomStringConvertible {
    public var ret: Int
    public var value: [UInt8]?
    public var outLen: Int?
    public var amount: UInt256?
    public init(ret: Int, value: [UInt8]? = nil, outLen: Int? = nil, amount: UInt256? = nil) {
        self.ret = ret; self.value = value; self.outLen = outLen; self.amount = amount
    }

    public var description: String {
        var parts = ["ret \(ret)"]
        if let value { parts.append("value \(Hex.encode(value))") }
        if let outLen { parts.append("out_len \(outLen)") }
        if let amount { parts.append("amount \(amount)") }
        return parts.joined(separator: ", ")
    }
}

/// The three outcomes of `titan_storage_read`.
public enum StorageReadResult: Hashable, Sendable {
    case ok(value: [UInt8])
    case absent
    case tooSmall(needed: Int)
    /// A chain-specific failure code (e.g. the caller's buffer could not be allocated).
    case failed(code: Int)

    public var opResult: OpResult {
        switch self {
        case .ok(let v): return OpResult(ret: 0, value: v, outLen: v.count)
        case .absent: return OpResult(ret: -1)
        case .tooSmall(let n): return OpResult(ret: -2, outLen: n)
        case .failed(let c): return OpResult(ret: c)
        }
    }
}

public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: 2 + 2 * bytes.count)
        out[0] = 48; out[1] = 120
        for (i, b) in bytes.enumerated() {
            out[2 + 2 * i] = digits[Int(b >> 4)]
            out[3 + 2 * i] = digits[Int(b & 15)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `0x`-prefixed hex (either case); nil when malformed.
    public static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count >= 2, u[0] == 48, u[1] == 120 || u[1] == 88, u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2 - 1)
        var i = 2
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}
