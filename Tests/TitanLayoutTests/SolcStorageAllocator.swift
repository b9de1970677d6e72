import Foundation
import TitanTestSupport
import TitanLayout

/// A Solidity storage type, as declared (test-side; independent of TitanLayout's model).
indirect enum SolType: Hashable, CustomStringConvertible {
    case uint(bits: Int)
    case address
    case bool
    /// `enum C.E` with this many members: 1 byte up to 256 members, 2 bytes beyond.
    case enumeration(members: Int)
    case structure(name: String, fields: [Field])
    case staticArray(SolType, length: Int)
    case dynamicArray(SolType)
    case mapping(key: SolType, value: SolType)

    struct Field: Hashable {
        var label: String
        var type: SolType
    }

    var description: String {
        switch self {
        case .uint(let bits): return "uint\(bits)"
        case .address: return "address"
        case .bool: return "bool"
        case .enumeration(let n): return "enum(\(n))"
        case .structure(let name, _): return "struct \(name)"
        case .staticArray(let t, let n): return "\(t)[\(n)]"
        case .dynamicArray(let t): return "\(t)[]"
        case .mapping(let k, let v): return "mapping(\(k) => \(v))"
        }
    }

    /// Value types under 32 bytes share slots; everything else starts and ends on slot bounds.
    var isPackable: Bool {
        switch self {
        case .uint, .address, .bool, .enumeration: return SolcAllocator.bytes(self) < 32
        default: return false
        }
    }
}

/// A variable placed in storage.
struct PlacedVariable: Hashable {
    var label: String
    var slot: Int
    var offset: Int
    var type: SolType
}

/// Computes slots and offsets the way solc does (docs: "Layout of State Variables in Storage"):
/// variables in declaration order from slot 0; a value under 32 bytes goes at the next free
/// byte of the current slot if it fits, else at the start of the next slot; structs and
/// arrays start a new slot and occupy whole slots, and what follows them starts a new slot;
/// mappings and dynamic arrays take one whole slot. Struct members follow the same rules.
enum SolcAllocator {
    static func bytes(_ t: SolType) -> Int {
        switch t {
        case .uint(let bits): return bits / 8
        case .address: return 20
        case .bool: return 1
        case .enumeration(let n): return n <= 256 ? 1 : 2
        case .structure, .staticArray: return slots(t) * 32
        case .dynamicArray, .mapping: return 32
        }
    }

    static func slots(_ t: SolType) -> Int {
        switch t {
        case .structure(_, let fields): return allocate(fields.map { ($0.label, $0.type) }).slots
        case .staticArray(let e, let n):
            if e.isPackable {
                let perSlot = 32 / bytes(e)
                return (n + perSlot - 1) / perSlot
            }
            return n * slots(e)
        default: return (bytes(t) + 31) / 32
        }
    }

    /// Where element `i` of an array of `e` starts, relative to the array's first slot.
    static func elementPlace(_ e: SolType, _ i: Int) -> (slot: Int, offset: Int) {
        if e.isPackable {
            let perSlot = 32 / bytes(e)
            return (i / perSlot, (i % perSlot) * bytes(e))
        }
        return (i * slots(e), 0)
    }

    static func allocate(_ vars: [(String, SolType)]) -> (placed: [PlacedVariable], slots: Int) {
        var slot = 0, offset = 0
        var placed: [PlacedVariable] = []
        for (label, type) in vars {
            if type.isPackable {
                let size = bytes(type)
                if offset + size > 32 { slot += 1; offset = 0 }
                placed.append(PlacedVariable(label: label, slot: slot, offset: offset, type: type))
                offset += size
            } else {
                if offset > 0 { slot += 1; offset = 0 }
                placed.append(PlacedVariable(label: label, slot: slot, offset: 0, type: type))
                slot += slots(type)
            }
        }
        return (placed, offset > 0 ? slot + 1 : slot)
    }
}

/// Writes placed variables as solc's `storageLayout` JSON: type ids embed AST ids (`astBase`), as
/// solc's do, so two versions of one contract name the same struct differently.
struct SolcLayoutWriter {
    var astBase: Int
    var contract = "contracts/C.sol:C"
    private(set) var types: [String: JSONValue] = [:]

    init(astBase: Int) { self.astBase = astBase }

    mutating func typeId(_ t: SolType) -> String {
        let id: String
        var entry: [String: JSONValue] = ["numberOfBytes": .string("\(SolcAllocator.bytes(t))"), "label": .string(label(t))]
        switch t {
        case .uint(let bits):
            id = "t_uint\(bits)"
            entry["encoding"] = .string("inplace")
        case .address:
            id = "t_address"
            entry["encoding"] = .string("inplace")
        case .bool:
            id = "t_bool"
            entry["encoding"] = .string("inplace")
        case .enumeration(let n):
            // One enum per member count: a layout may hold both a small and a large enum.
            id = "t_enum(E\(n))\(astBase)"
            entry["encoding"] = .string("inplace")
        case .structure(let name, let fields):
            id = "t_struct(\(name))\(astBase + 1)_storage"
            entry["encoding"] = .string("inplace")
            let placed = SolcAllocator.allocate(fields.map { ($0.label, $0.type) }).placed
            entry["members"] = .array(placed.enumerated().map { i, p in variable(p, astId: astBase + 2 + i) })
        case .staticArray(let e, let n):
            let base = typeId(e)
            id = "t_array(\(base))\(n)_storage"
            entry["encoding"] = .string("inplace")
            entry["base"] = .string(base)
        case .dynamicArray(let e):
            let base = typeId(e)
            id = "t_array(\(base))dyn_storage"
            entry["encoding"] = .string("dynamic_array")
            entry["base"] = .string(base)
        case .mapping(let k, let v):
            let key = typeId(k), value = typeId(v)
            id = "t_mapping(\(key),\(value))"
            entry["encoding"] = .string("mapping")
            entry["key"] = .string(key)
            entry["value"] = .string(value)
        }
        types[id] = .object(entry)
        return id
    }

    func label(_ t: SolType) -> String {
        switch t {
        case .enumeration(let n): return "enum C.E\(n)"
        case .structure(let name, _): return "struct C.\(name)"
        case .staticArray(let e, let n): return "\(label(e))[\(n)]"
        case .dynamicArray(let e): return "\(label(e))[]"
        case .mapping(let k, let v): return "mapping(\(label(k)) => \(label(v)))"
        default: return t.description
        }
    }

    mutating func variable(_ p: PlacedVariable, astId: Int) -> JSONValue {
        .object(["astId": .integer(astId), "contract": .string(contract), "label": .string(p.label),
                 "offset": .integer(p.offset), "slot": .string("\(p.slot)"), "type": .string(typeId(p.type))])
    }

    /// `{"storage": [...], "types": {...} or null}`, as solc writes it.
    static func json(_ placed: [PlacedVariable], astBase: Int) -> JSONValue {
        var w = SolcLayoutWriter(astBase: astBase)
        let storage = placed.enumerated().map { i, p in w.variable(p, astId: astBase * 100 + i) }
        return .object(["storage": .array(storage), "types": w.types.isEmpty ? .null : .object(w.types)])
    }

    /// The layout as TitanLayout reads it, through the loader's validation.
    static func layout(_ placed: [PlacedVariable], astBase: Int, source: String = "generated") throws -> StorageLayout {
        try LayoutLoader.parse(json: json(placed, astBase: astBase), source: source)
    }
}

extension JSONValue {
    /// The document as JSON text.
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .integer(let i): return "\(i)"
        case .number(let d): return "\(d)"
        case .string(let s): return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .array(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { JSONValue.string($0).text + ":" + o[$0]!.text }.joined(separator: ",") + "}"
        }
    }
}
