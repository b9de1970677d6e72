import Foundation

/// A parsed JSON document that keeps the distinctions a strict reader needs (a string is not a
/// number, `true` is not `1`), which `JSONSerialization`'s `NSNumber`s blur.
public indirect enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// How the value is described in an error message.
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .integer(let i): return "number \(i)"
        case .number(let d): return "number \(d)"
        case .string(let s): return "string \"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON value with the path that leads to it (`storage[2].slot`), so every input error can say
/// exactly where it is.
struct JSONNode {
    let value: JSONValue
    let path: String

    func child(_ key: String) -> JSONNode? {
        guard case .object(let o) = value, let v = o[key] else { return nil }
        return JSONNode(value: v, path: JSONNode.join(path, key))
    }

    static func join(_ path: String, _ key: String) -> String {
        let plain = key.first.map { $0.isLetter || $0 == "_" } == true
            && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        if plain { return path.isEmpty ? key : "\(path).\(key)" }
        return "\(path)[\"\(key)\"]"
    }

    func fail(_ message: String) -> LayoutInputError {
        LayoutInputError(path: path, message: message)
    }

    func required(_ key: String) throws -> JSONNode {
        guard case .object = value else { throw fail("expected an object, found \(value.kindDescription)") }
        guard let c = child(key) else {
            throw LayoutInputError(path: path, message: "missing field \"\(key)\"")
        }
        return c
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw fail("expected a string, found \(value.kindDescription)") }
        return s
    }

    func int() throws -> Int {
        guard case .integer(let i) = value else { throw fail("expected an integer, found \(value.kindDescription)") }
        return i
    }

    /// A decimal string such as solc's `"slot": "3"` (slots may exceed 64 bits).
    func decimal() throws -> SlotNumber {
        guard case .string(let s) = value else {
            throw fail("expected a decimal string, found \(value.kindDescription)")
        }
        guard let n = SlotNumber(decimal: s) else {
            throw fail("expected a decimal string below 2^256, found \"\(s)\"")
        }
        return n
    }

    func array() throws -> [JSONNode] {
        guard case .array(let a) = value else { throw fail("expected an array, found \(value.kindDescription)") }
        return a.enumerated().map { JSONNode(value: $1, path: "\(path)[\($0)]") }
    }

    /// The object's entries, sorted by key so that reports do not depend on hash order.
    func entries() throws -> [(key: String, node: JSONNode)] {
        guard case .object(let o) = value else { throw fail("expected an object, found \(value.kindDescription)") }
        return o.keys.sorted().map { ($0, JSONNode(value: o[$0]!, path: JSONNode.join(path, $0))) }
    }

    var isNull: Bool {
        if case .null = value { return true }
        return false
    }
}
