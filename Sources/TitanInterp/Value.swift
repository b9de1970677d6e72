import Foundation
import BigInt
import TitanIR

/// A concrete value of any sort.
public indirect enum Value: Hashable, Sendable, CustomStringConvertible {
    case bool(Bool)
    /// A uint or address, always reduced modulo 2^width.
    case bits(BigUInt)
    case map(MapValue)

    public var asBool: Bool { if case .bool(let b) = self { return b }; return false }
    public var asBits: BigUInt { if case .bits(let n) = self { return n }; return 0 }
    public var asMap: MapValue { if case .map(let m) = self { return m }; return MapValue(defaultValue: .bits(0)) }

    public var description: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .bits(let n): return n.description
        case .map(let m): return m.description
        }
    }

    /// Renders a value of `sort` the way a person reads it: addresses in hex, numbers in decimal.
    public func rendered(as sort: Sort) -> String {
        switch (self, sort) {
        case (.bits(let n), .address): return Value.addressString(n)
        case (.bits, .bytes(let max)):
            return "0x" + byteArray(maxLength: max).map { String(format: "%02x", $0) }.joined()
        case (.map(let m), .map(let k, let v)):
            let items = m.entries.sorted { $0.key.asBits < $1.key.asBits || ($0.key.asBits == $1.key.asBits && !$0.key.asBool) }
                .map { "\($0.key.rendered(as: k)): \($0.value.rendered(as: v))" }
            let dflt = m.defaultValue == Value.zero(v) ? [] : ["default: \(m.defaultValue.rendered(as: v))"]
            return "{" + (items + dflt).joined(separator: ", ") + "}"
        default: return description
        }
    }

    /// A byte string as a value of sort `bytes<maxLength>` (see `Sort.bytes`).
    public static func bytes(_ data: [UInt8], maxLength: Int) -> Value {
        let content = BigUInt(Data(data))
        return .bits((BigUInt(data.count) << (8 * maxLength)) | content)
    }

    /// The byte string a value of sort `bytes<maxLength>` holds.
    public func byteArray(maxLength: Int) -> [UInt8] {
        let n = asBits
        let length = Int(n >> (8 * maxLength))
        let content = n & ((BigUInt(1) << (8 * maxLength)) - 1)
        let raw = [UInt8](content.serialize())
        if raw.count >= length { return Array(raw.suffix(length)) }
        return [UInt8](repeating: 0, count: length - raw.count) + raw
    }

    public static func addressString(_ n: BigUInt) -> String {
        let hex = String(n, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 40 - hex.count)) + hex
    }

    public static func zero(_ sort: Sort) -> Value {
        switch sort {
        case .bool: return .bool(false)
        case .uint, .address, .bytes: return .bits(0)
        case .map(_, let v): return .map(MapValue(defaultValue: zero(v)))
        }
    }
}

/// A total map: a default value plus the keys that differ from it. Entries equal to the
/// default are never stored, so equal maps are equal values.
public struct MapValue: Hashable, Sendable, CustomStringConvertible {
    public var defaultValue: Value
    public private(set) var entries: [Value: Value]

    public init(defaultValue: Value, entries: [Value: Value] = [:]) {
        self.defaultValue = defaultValue
        self.entries = entries.filter { $0.value != defaultValue }
    }

    public subscript(key: Value) -> Value {
        get { entries[key] ?? defaultValue }
        set { entries[key] = newValue == defaultValue ? nil : newValue }
    }

    public var description: String {
        "{" + entries.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ") + "}"
    }
}
