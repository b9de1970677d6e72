import Foundation

/// Why an upgrade's storage layout is incompatible with the deployed one.
public enum LayoutErrorCategory: String, CaseIterable, Sendable {
    /// An old variable is gone and nothing takes its place.
    case deleted
    /// Same place and an assignable type, new name (possibly deliberate, still reported).
    case renamed
    /// Same place, new name and an incompatible type.
    case replaced
    /// Same place and name, incompatible type.
    case retyped
    /// An old variable now sits elsewhere, out of its old order.
    case reordered
    /// An old variable moved to another slot, in order (something before it changed).
    case shifted
    /// A packed variable stayed in its slot but moved within it.
    case offsetShifted = "offset-shifted"
    /// A new variable takes (part of) an old variable's place.
    case inserted
    /// A `__gap` did not shrink by exactly the space taken by what was added before its end.
    case gapResized = "gap-resized"
    /// A struct grew where its growth moves other data (a later variable, array elements).
    case structGrown = "struct-grown"
    /// An enum's storage size changed (more than 256 members need 2 bytes).
    case enumResized = "enum-resized"
    case mappingKeyChanged = "mapping-key-changed"
    case mappingValueChanged = "mapping-value-changed"
    /// A static array shrank, or grew where that moves other data.
    case arrayLengthChanged = "array-length-changed"
    case arrayBaseChanged = "array-base-changed"
    /// An ERC-7201 namespace with variables is missing from the new layout.
    case namespaceDeleted = "namespace-deleted"
}

/// A variable's place in one of the two layouts. Struct members' slots count from the struct's
/// first slot; namespaced variables' from the namespace root.
public struct LayoutPlace: Sendable, Equatable {
    public var label: String
    public var slot: SlotNumber
    public var offset: Int
    /// The type's label, e.g. `uint256`, `struct Vault.Pool`, `mapping(address => uint256)`.
    public var type: String
}

public struct LayoutIncompatibility: Sendable {
    public var category: LayoutErrorCategory
    /// `balances`, `pools[].fee` (`[]` a mapping value or array element, `.x` a struct member),
    /// prefixed by `namespace-id:` inside an ERC-7201 namespace.
    public var path: String
    public var old: LayoutPlace?
    public var new: LayoutPlace?
    public var message: String
}

public struct LayoutReport: Sendable {
    public var oldSource: String
    public var newSource: String
    public var errors: [LayoutIncompatibility]
    /// Old variables (top level and namespaced) the comparison covered.
    public var oldVariableCount: Int

    public var compatible: Bool { errors.isEmpty }

    public func text() -> String {
        var lines = errors.map { e in
            "\(e.category.rawValue): \(e.path): old \(LayoutReport.describe(e.old)) -> new \(LayoutReport.describe(e.new)) (\(e.message))"
        }
        if compatible {
            lines.append("compatible: all \(oldVariableCount) old variables are read at the same place with an assignable type (\(oldSource) -> \(newSource))")
        } else {
            let counts = Dictionary(grouping: errors, by: \.category).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
            lines.append("incompatible: \(errors.count) error\(errors.count == 1 ? "" : "s") (\(counts.joined(separator: ", "))) (\(oldSource) -> \(newSource))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func describe(_ p: LayoutPlace?) -> String {
        guard let p else { return "(none)" }
        return "slot \(p.slot) offset \(p.offset) type \(p.type)"
    }

    public func json() throws -> Data {
        func place(_ p: LayoutPlace?) -> Any {
            guard let p else { return NSNull() }
            return ["label": p.label, "slot": p.slot.description, "offset": p.offset, "type": p.type] as [String: Any]
        }
        let object: [String: Any] = [
            "compatible": compatible,
            "old": oldSource,
            "new": newSource,
            "errors": errors.map { e in
                ["category": e.category.rawValue, "path": e.path, "old": place(e.old), "new": place(e.new),
                 "message": e.message] as [String: Any]
            },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
