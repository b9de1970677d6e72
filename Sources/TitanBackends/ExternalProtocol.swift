import Foundation
import TitanUInt256

/// The JSON Lines protocol external backends speak (documented in Docs/fuzzing.md): one request
/// object per line on the backend's stdin, one reply per line on its stdout, in order.
public enum ExternalProtocol {
    /// The request line for `op` (no trailing newline). Byte strings are 0x-hex, amounts
    /// decimal strings, addresses 20-byte hex.
    public static func request(id: Int, _ op: TitanCall) -> String {
        var bytes: [UInt8] = []
        appendRequest(id: id, op, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the request line for `op` (no trailing newline) as bytes: the fuzzer writes
    /// thousands per second, so no intermediate strings.
    public static func appendRequest(id: Int, _ op: TitanCall, to out: inout [UInt8]) {
        func raw(_ s: StaticString) { s.withUTF8Buffer { out.append(contentsOf: $0) } }
        func text(_ s: String) { out.append(contentsOf: s.utf8) }
        func hex(_ bytes: [UInt8]) {
            out.append(48); out.append(120)
            for b in bytes { out.append(Hex.digits[Int(b >> 4)]); out.append(Hex.digits[Int(b & 15)]) }
        }
        raw("{\"id\":"); text(String(id)); raw(",\"op\":\""); text(op.name); raw("\"")
        switch op {
        case .reset, .totalSupply: break
        case .storageWrite(let k, let v): raw(",\"key\":\""); hex(k); raw("\",\"value\":\""); hex(v); raw("\"")
        case .storageRead(let k, let n): raw(",\"key\":\""); hex(k); raw("\",\"buf_len\":"); text(String(n))
        case .storageDelete(let k): raw(",\"key\":\""); hex(k); raw("\"")
        case .mint(let to, let a): raw(",\"to\":\""); hex(to.bytes); raw("\",\"amount\":\""); text(a.description); raw("\"")
        case .transfer(let f, let t, let a):
            raw(",\"from\":\""); hex(f.bytes); raw("\",\"to\":\""); hex(t.bytes)
            raw("\",\"amount\":\""); text(a.description); raw("\"")
        case .balance(let a): raw(",\"addr\":\""); hex(a.bytes); raw("\"")
        }
        raw("}")
    }

    /// An integer field as JSONSerialization or `flatObject` gives it.
    static func integer(_ v: Any?) -> Int? {
        if let i = v as? Int { return i }
        return (v as? NSNumber)?.intValue
    }

    /// Reads one reply line. Replies are flat objects of integers and plain strings; those are
    /// read directly. Any other line (escapes, nesting, floats, literals, non-ASCII) goes to
    /// JSONSerialization, so it is accepted or refused exactly as before.
    public static func replyObject(_ line: ArraySlice<UInt8>) -> [String: Any]? {
        if let o = flatObject(line) { return o }
        return (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any]
    }

    /// `{"k": 12, "s": "text", ...}` with ASCII strings without escapes and integers that fit
    /// an Int; nil for anything else (including duplicate keys).
    static func flatObject(_ line: ArraySlice<UInt8>) -> [String: Any]? {
        var i = line.startIndex
        let end = line.endIndex
        func skipSpace() { while i < end, line[i] == 32 || line[i] == 9 || line[i] == 13 || line[i] == 10 { i += 1 } }
        func string() -> String? {
            guard i < end, line[i] == 34 else { return nil }
            i += 1
            let start = i
            while i < end, line[i] != 34 {
                guard line[i] != 92, line[i] >= 32, line[i] < 128 else { return nil }
                i += 1
            }
            guard i < end else { return nil }
            defer { i += 1 }
            return String(decoding: line[start..<i], as: UTF8.self)
        }
        func number() -> Int? {
            var negative = false
            if i < end, line[i] == 45 { negative = true; i += 1 }
            let start = i
            var n = 0
            while i < end, line[i] >= 48, line[i] <= 57 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(line[i] - 48))
                guard !o1, !o2 else { return nil }
                n = a; i += 1
            }
            // No digits, a leading zero before more digits, or a fraction or exponent next.
            guard i > start, !(line[start] == 48 && i - start > 1) else { return nil }
            if i < end, line[i] == 46 || line[i] == 101 || line[i] == 69 { return nil }
            return negative ? -n : n
        }
        skipSpace()
        guard i < end, line[i] == 123 else { return nil }
        i += 1
        var out: [String: Any] = [:]
        skipSpace()
        if i < end, line[i] == 125 { i += 1 } else {
            while true {
                skipSpace()
                guard let key = string(), out[key] == nil else { return nil }
                skipSpace()
                guard i < end, line[i] == 58 else { return nil }
                i += 1
                skipSpace()
                guard i < end else { return nil }
                if line[i] == 34 {
                    guard let v = string() else { return nil }
                    out[key] = v
                } else {
                    guard let v = number() else { return nil }
                    out[key] = v
                }
                skipSpace()
                guard i < end else { return nil }
                if line[i] == 44 { i += 1; continue }
                guard line[i] == 125 else { return nil }
                i += 1
                break
            }
        }
        skipSpace()
        return i == end ? out : nil
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
            guard let n = integer(obj["buf_len"]), n >= 0 else { throw ParseError(description: "'buf_len' must be a non-negative integer") }
            return .storageRead(key: try bytes("key"), bufLen: n)
        case "storage_delete": return .storageDelete(key: try bytes("key"))
        case "mint": return .mint(to: try address("to"), amount: try amount())
        case "transfer": return .transfer(from: try address("from"), to: try address("to"), amount: try amount())
        case "balance": return .balance(try address("addr"))
        case "total_supply": return .totalSupply
        default: throw ParseError(description: "unknown op '\(name)'")
        }
    }

    /// The calls a backend takes, from the optional `"supports"` field of its reply to the first
    /// request after it started (always a `reset`): `"storage"`, `"ledger"` or `"storage,ledger"`.
    /// nil when the field is absent: the backend takes every call (the protocol before the field).
    public static func capabilities(from obj: [String: Any]) throws -> (storage: Bool, ledger: Bool)? {
        guard let v = obj["supports"] else { return nil }
        guard let s = v as? String else { throw ParseError(description: "'supports' must be a string") }
        let words = s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !words.isEmpty, words.allSatisfy({ $0 == "storage" || $0 == "ledger" }) else {
            throw ParseError(description: "'supports' must be \"storage\", \"ledger\" or \"storage,ledger\", not \"\(s)\"")
        }
        return (words.contains("storage"), words.contains("ledger"))
    }

    /// Reads a reply to `op`: the fields its call has, checked for type.
    public static func result(from obj: [String: Any], for op: TitanCall) throws -> OpResult {
        guard let ret = integer(obj["ret"]) else { throw ParseError(description: "reply has no integer 'ret'") }
        var r = OpResult(ret: ret)
        switch op {
        case .storageRead:
            if let v = obj["value"] {
                guard let s = v as? String, let b = Hex.decode(s) else { throw ParseError(description: "'value' must be 0x-prefixed hex") }
                r.value = b
            }
            if let n = obj["out_len"] {
                guard let i = integer(n) else { throw ParseError(description: "'out_len' must be an integer") }
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
