import Foundation
import BigInt
import TitanIR

/// A concrete value of any sort.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case bool(Bool)
    /// A uint or address, always reduced modulo 2^width.
    case bits(BigUInt)
    case map(MapValue)

    /// One word per number (its words folded together) instead of one per word: map keys are
    /// hashed on every read and write, and byte-string keys are ten words long.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .bool(let b):
            hasher.combine(0 as UInt8)
            hasher.combine(b)
        case .bits(let n):
            var folded: UInt64 = 0xcbf2_9ce4_8422_2325
            for w in n.words { folded = (folded ^ UInt64(w)) &* 0x0000_0100_0000_01b3 }
            hasher.combine(1 as UInt8)
            hasher.combine(folded)
        case .map(let m):
            hasher.combine(2 as UInt8)
            hasher.combine(m)
        }
    }

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
        case (.bits(let n), .int), (.bits(let n), .sint): return sort.integer(fromPattern: n).description
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

    /// Whether this is a value of `sort`: a bool of bool, a number within a uint's or an
    /// address's width, a byte string's encoding within its length. An argument that is not
    /// never reaches an action (see `Interpreter.step`).
    public func fits(_ sort: Sort) -> Bool {
        switch (self, sort) {
        case (.bool, .bool): return true
        case (.bits(let n), .uint), (.bits(let n), .address): return n.bitWidth <= sort.bitWidth!
        case (.bits, .bytes(let max)):
            let data = byteArray(maxLength: max)
            return data.count <= max && Value.bytes(data, maxLength: max) == self
        case (.bits(let n), .int(let w)), (.bits(let n), .sint(let w)): return n.bitWidth <= w
        case (.map, .map): return true
        default: return false
        }
    }

    /// A byte string as a value of sort `bytes<maxLength>` (see `Sort.bytes`).
    public static func bytes(_ data: [UInt8], maxLength: Int) -> Value {
        precondition(data.count <= maxLength, "a byte string longer than its sort admits")
        // Built word by word: the length sits at bit 8 * maxLength, the content below it.
        let lengthBit = 8 * maxLength
        var words = [UInt](repeating: 0, count: lengthBit / UInt.bitWidth + 2)
        words[lengthBit / UInt.bitWidth] = UInt(data.count) << (lengthBit % UInt.bitWidth)
        if lengthBit % UInt.bitWidth != 0 {
            words[lengthBit / UInt.bitWidth + 1] = UInt(data.count) >> (UInt.bitWidth - lengthBit % UInt.bitWidth)
        }
        addBigEndian(data, to: &words)
        return .bits(BigUInt(words: words))
    }

    /// A number written as big-endian bytes (an address, for instance).
    public static func number(bigEndian bytes: [UInt8]) -> Value {
        var words = [UInt](repeating: 0, count: (bytes.count + 7) / 8 + 1)
        addBigEndian(bytes, to: &words)
        return .bits(BigUInt(words: words))
    }

    /// Ors the big-endian number `data` into little-endian `words`, which must be long enough.
    static func addBigEndian(_ data: [UInt8], to words: inout [UInt]) {
        // The last byte is the least significant: eight bytes at a time from the end of the
        // data, each group read big-endian, then what is left at the front.
        data.withUnsafeBytes { raw in
            var end = raw.count, word = 0
            while end >= 8 {
                words[word] |= UInt(UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self)))
                word += 1; end -= 8
            }
            var accumulated: UInt = 0, shift = 0
            while end > 0 {
                end -= 1
                accumulated |= UInt(raw[end]) << shift
                shift += 8
            }
            words[word] |= accumulated
        }
    }

    /// The byte string a value of sort `bytes<maxLength>` holds.
    public func byteArray(maxLength: Int) -> [UInt8] {
        let words = asBits.words
        let count = words.count
        func word(_ i: Int) -> UInt { i < count ? words[i] : 0 }
        let bits = UInt.bitWidth
        let lengthBit = 8 * maxLength
        var length = Int(truncatingIfNeeded: word(lengthBit / bits) >> (lengthBit % bits))
        if lengthBit % bits != 0 {
            length |= Int(truncatingIfNeeded: word(lengthBit / bits + 1) << (bits - lengthBit % bits))
        }
        length = min(max(length, 0), maxLength)  // a well-formed value never needs this
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            // Whole words from the end, big-endian, then the bytes left at the front.
            var end = length, index = 0
            while end >= 8 {
                UnsafeMutableRawPointer(buffer.baseAddress! + (end - 8)).storeBytes(of: UInt64(word(index)).bigEndian, as: UInt64.self)
                index += 1; end -= 8
            }
            var current = word(index)
            while end > 0 {
                end -= 1
                buffer[end] = UInt8(truncatingIfNeeded: current)
                current >>= 8
            }
            initialized = length
        }
    }

    public static func addressString(_ n: BigUInt) -> String {
        let hex = String(n, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 40 - hex.count)) + hex
    }

    public static func zero(_ sort: Sort) -> Value {
        switch sort {
        case .bool: return .bool(false)
        case .uint, .sint, .address, .bytes, .int: return .bits(0)
        case .map(_, let v): return .map(MapValue(defaultValue: zero(v)))
        }
    }
}

/// A total map: a default value plus the keys that differ from it. Entries equal to the
/// default are never stored, so equal maps are equal values.
///
/// A value type over a shared buffer, copied on write like the standard collections: the
/// interpreter updates a map it holds alone in place, however deeply it is nested.
public struct MapValue: Hashable, Sendable, CustomStringConvertible {
    final class Storage: @unchecked Sendable {  // mutated only while uniquely referenced
        let defaultValue: Value
        var entries: [Value: Value]
        init(defaultValue: Value, entries: [Value: Value]) { self.defaultValue = defaultValue; self.entries = entries }
    }
    private var storage: Storage

    public init(defaultValue: Value, entries: [Value: Value] = [:]) {
        storage = Storage(defaultValue: defaultValue, entries: entries.filter { $0.value != defaultValue })
    }

    public var defaultValue: Value { storage.defaultValue }
    public var entries: [Value: Value] { storage.entries }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(defaultValue: storage.defaultValue, entries: storage.entries)
        }
    }

    public subscript(key: Value) -> Value {
        get { storage.entries[key] ?? storage.defaultValue }
        set {
            makeUnique()
            if newValue == storage.defaultValue {
                storage.entries.removeValue(forKey: key)
            } else {
                storage.entries[key] = newValue
            }
        }
    }

    /// `self[key] = body(self[key])`, changing the entry in place.
    public mutating func modify(_ key: Value, _ body: (inout Value) -> Void) {
        makeUnique()
        let dflt = storage.defaultValue
        if let i = storage.entries.index(forKey: key) {
            body(&storage.entries.values[i])
            if storage.entries.values[i] == dflt { storage.entries.remove(at: i) }
        } else {
            var v = dflt
            body(&v)
            if v != dflt { storage.entries[key] = v }
        }
    }

    public static func == (a: MapValue, b: MapValue) -> Bool {
        a.storage === b.storage || (a.storage.defaultValue == b.storage.defaultValue && a.storage.entries == b.storage.entries)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.defaultValue)
        hasher.combine(storage.entries)
    }

    public var description: String {
        "{" + entries.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ") + "}"
    }
}
