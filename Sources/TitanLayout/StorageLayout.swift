/// One contract's storage layout, as the Solidity compiler's `storageLayout` output describes it,
/// plus Titan's ERC-7201 namespaces.
public struct StorageLayout: Sendable {
    /// Where the layout was read from, for messages.
    public var source: String
    /// Variables in storage order, slots counted from slot 0.
    public var storage: [StorageVariable]
    /// ERC-7201 namespaces, each its own layout whose slots count from the namespace's root.
    public var namespaces: [Namespace]
    /// Type ids (solc's `t_...` strings) to types. Ids embed AST ids, so they are only
    /// meaningful within one layout; comparisons go by structure.
    public var types: [String: StorageType]

    public init(source: String, storage: [StorageVariable], namespaces: [Namespace] = [], types: [String: StorageType]) {
        self.source = source
        self.storage = storage
        self.namespaces = namespaces
        self.types = types
    }

    public func type(_ id: String) -> StorageType {
        // The loader rejects layouts that name an unknown type id, so a miss is a programming error.
        guard let t = types[id] else { preconditionFailure("unknown type id \(id) in a validated layout") }
        return t
    }
}

/// An ERC-7201 namespace: `id` is the namespace id, e.g. `erc7201:titan.storage.Vault`.
public struct Namespace: Sendable {
    public var id: String
    public var storage: [StorageVariable]

    public init(id: String, storage: [StorageVariable]) {
        self.id = id
        self.storage = storage
    }
}

/// A state variable or a struct member (members' slots count from the struct's first slot).
public struct StorageVariable: Sendable {
    public var label: String
    public var contract: String?
    public var slot: SlotNumber
    public var offset: Int
    /// A key of the layout's `types`.
    public var type: String

    public init(label: String, contract: String? = nil, slot: SlotNumber, offset: Int, type: String) {
        self.label = label
        self.contract = contract
        self.slot = slot
        self.offset = offset
        self.type = type
    }

    public var position: StoragePosition { StoragePosition(slot: slot, offset: offset) }

    /// OpenZeppelin's convention for space reserved for later variables: `uint256[N] __gap`.
    public static func isGap(label: String, type: StorageType) -> Bool {
        guard label.hasPrefix("__gap") else { return false }
        if case .staticArray = type.shape { return true }
        return false
    }
}

public struct StorageType: Sendable {
    public enum Shape: Sendable {
        /// An in-place value: integers, address, bool, fixed bytes, enums, contracts, functions,
        /// user-defined value types.
        case value
        case structure(members: [StorageVariable])
        case staticArray(base: String, length: SlotNumber)
        case dynamicArray(base: String)
        case mapping(key: String, value: String)
        /// `string` and `bytes`.
        case bytes
    }

    public var id: String
    public var label: String
    public var numberOfBytes: SlotNumber
    public var shape: Shape

    public init(id: String, label: String, numberOfBytes: SlotNumber, shape: Shape) {
        self.id = id
        self.label = label
        self.numberOfBytes = numberOfBytes
        self.shape = shape
    }

    /// Whole slots, for types of 32 bytes or more (structs and static arrays occupy whole slots).
    public var slots: SlotNumber { numberOfBytes.slotsRoundedUp }

    public var isStruct: Bool {
        if case .structure = shape { return true }
        return false
    }

    public var isEnum: Bool { label.hasPrefix("enum ") }

    /// What a value's bits mean, ignoring AST ids and declaring contracts: two in-place values can
    /// be read for each other when their classes and sizes agree. A contract is stored as its
    /// address; enums are compared by size (appending members keeps the old values' meaning).
    public var valueClass: String {
        if label == "address" || label == "address payable" || label.hasPrefix("contract ") { return "address" }
        if isEnum { return "enum" }
        if id.hasPrefix("t_userDefinedValueType") { return "user-defined value type" }
        return label
    }

    /// Where a value of this type placed at `start` ends (exclusive): values under 32 bytes end
    /// inside their slot; everything else occupies whole slots.
    public func end(from start: StoragePosition) -> StoragePosition {
        if let n = numberOfBytes.intValue, n < 32, case .value = shape {
            return StoragePosition(slot: start.slot, offset: start.offset + n)
        }
        return StoragePosition(slot: start.slot &+ max(slots, SlotNumber(1)), offset: 0)
    }
}
