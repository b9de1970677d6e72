import Foundation

/// The JSON Lines protocol external backends speak (documented in the README): one request
/// object per line on the backend's stdin, one reply per line on its stdout, in order.
public enum ExternalProtocol {
    /// The request line for `op` (no trailing newline). Byte strings are 0x-hex, amounts
    /// decimal strings, addresses 20-byte hex.
    public static func request(id: Int, _ op: TitanCall) -> String {
        var s = "{\"id\":\(id),\"op\":\"\(op.name)\""
        switch op {
        case .reset, .totalSupply: break
        case .storageWrite(let k, let v): s += ",\"key\":\"\(Hex.encode(k))\",\"value\":\"\(Hex.encode(v))\""
        case .storageRead(let k, let n): s += ",\"key\":\"\(Hex.encode(k))\",\"buf_len\":\(n)"
        case .storageDelete(let k): s += ",\"key\":\"\(Hex.encode(k))\""
        case .mint(let to, let a): s += ",\"to\":\"\(to)\",\"amount\":\"\(a)\""
        case .transfer(let f, let t, let a): s += ",\"from\":\"\(f)\",\"to\":\"\(t)\",\"amount\":\"\(a)\""
        case .balance(let a): s += ",\"addr\":\"\(a)\""
        }
        return s + "}"
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses a request object back into an operation (for corpus files).
    public static func operation(from obj: [String: Any]) throws -> TitanCall {
        func bytes(_ f: String) throws -> [UInt8] {
            guard let s = obj[f] as? String, let b = Hex.decode(s) else { throw ParseError(description: "'\(f)' must be 0x-prefixed hex") }
            return b
        }
        func address(_ f: String) throws -> Address {
            let b = try bytes(f)
            guard b.count == 20 else { throw ParseError(description: "'\(f)' must be a 20-byte address") }
            return Address(b)
        }
        func amount() throws -> UInt256 {
            guard let s = obj["amount"] as? String, let a = UInt256(decimal: s) else { throw ParseError(description: "'amount' must be a decimal string") }
            return a
        }
        guard let name = obj["op"] as? String else { throw ParseError(description: "missing 'op'") }
        switch name {
        case "reset": return .reset
        case "storage_write": return .storageWrite(key: try bytes("key"), value: try bytes("value"))
        case "storage_read":
            guard let n = (obj["buf_len"] as? NSNumber)?.intValue, n >= 0 else { throw ParseError(description: "'buf_len' must be a non-negative integer") }
            return .storageRead(key: try bytes("key"), bufLen: n)
        case "storage_delete": return .storageDelete(key: try bytes("key"))
        case "mint": return .mint(to: try address("to"), amount: try amount())
        case "transfer": return .transfer(from: try address("from"), to: try address("to"), amount: try amount())
        case "balance": return .balance(try address("addr"))
        case "total_supply": return .totalSupply
        default: throw ParseError(description: "unknown op '\(name)'")
        }
    }

    /// Reads a reply to `op`: the fields its call has, checked for type.
    public static func result(from obj: [String: Any], for op: TitanCall) throws -> OpResult {
        guard let ret = (obj["ret"] as? NSNumber)?.intValue else { throw ParseError(description: "reply has no integer 'ret'") }
        var r = OpResult(ret: ret)
        switch op {
        case .storageRead:
            if let v = obj["value"] {
                guard let s = v as? String, let b = Hex.decode(s) else { throw ParseError(description: "'value' must be 0x-prefixed hex") }
                r.value = b
            }
            if let n = obj["out_len"] {
                guard let i = (n as? NSNumber)?.intValue else { throw ParseError(description: "'out_len' must be an integer") }
                r.outLen = i
            }
        case .balance, .totalSupply:
            guard let s = obj["amount"] as? String, let a = UInt256(decimal: s) else { throw ParseError(description: "'amount' must be a decimal string") }
            r.amount = a
        default: break
        }
        return r
    }
}
