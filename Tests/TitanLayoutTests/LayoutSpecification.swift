import TitanTestSupport
/// The whitepaper's `storage_layout_compatibility`, stated directly and independently of the
/// checker's rules: every slot of the old layout is read at the same place with an assignable
/// type in the new one.
///
/// Each variable is flattened into the leaves it stores in place (struct members and static
/// array elements expanded to their own slots and offsets); a leaf is a value, or a mapping or
/// dynamic array whose contents live at hashed slots. The old layout is compatible with the new
/// one when every old leaf (outside a `__gap`, whose slots hold nothing yet) has a new leaf at
/// the same slot and offset (outside a new `__gap`, which nothing reads) that reads it: the
/// same kind of value of the same size, or a
/// container with the same key type whose contents satisfy this same statement relative to
/// their own root. Labels play no part: a rename keeps the data readable.
enum LayoutSpecification {
    struct Leaf {
        var slot: Int
        var offset: Int
        var type: SolType
    }

    static func holds(old: [PlacedVariable], new: [PlacedVariable]) -> Bool {
        let oldLeaves = old.filter { !isGap($0) }.flatMap { leaves(of: $0.type, slot: $0.slot, offset: $0.offset) }
        let newLeaves = new.filter { !isGap($0) }.flatMap { leaves(of: $0.type, slot: $0.slot, offset: $0.offset) }
        return covered(oldLeaves, by: newLeaves)
    }

    static func isGap(_ v: PlacedVariable) -> Bool {
        if case .staticArray = v.type { return v.label.hasPrefix("__gap") }
        return false
    }

    static func covered(_ oldLeaves: [Leaf], by newLeaves: [Leaf]) -> Bool {
        oldLeaves.allSatisfy { o in
            newLeaves.contains { n in n.slot == o.slot && n.offset == o.offset && readable(o.type, as: n.type) }
        }
    }

    static func leaves(of type: SolType, slot: Int, offset: Int) -> [Leaf] {
        switch type {
        case .structure(_, let fields):
            return SolcAllocator.allocate(fields.map { ($0.label, $0.type) }).placed.flatMap {
                leaves(of: $0.type, slot: slot + $0.slot, offset: $0.offset)
            }
        case .staticArray(let e, let n):
            return (0..<n).flatMap { i -> [Leaf] in
                let p = SolcAllocator.elementPlace(e, i)
                return leaves(of: e, slot: slot + p.slot, offset: p.offset)
            }
        default:
            return [Leaf(slot: slot, offset: offset, type: type)]
        }
    }

    /// Whether bits stored as `old` read the same as `new`.
    static func readable(_ old: SolType, as new: SolType) -> Bool {
        switch (old, new) {
        case (.uint(let a), .uint(let b)): return a == b
        case (.address, .address), (.bool, .bool): return true
        case (.enumeration, .enumeration): return SolcAllocator.bytes(old) == SolcAllocator.bytes(new)
        case (.mapping(let k1, let v1), .mapping(let k2, let v2)):
            // A value's slot is keccak(key . slot): same key encoding, then the value's own
            // leaves, relative to that slot, must be readable.
            return k1 == k2 && covered(leaves(of: v1, slot: 0, offset: 0), by: leaves(of: v2, slot: 0, offset: 0))
        case (.dynamicArray(let e1), .dynamicArray(let e2)):
            // Element i sits at keccak(slot) + place(i): the places of all elements must agree,
            // which for contiguous elements means the same element size, and each element's
            // leaves must be readable.
            return SolcAllocator.bytes(e1) == SolcAllocator.bytes(e2)
                && covered(leaves(of: e1, slot: 0, offset: 0), by: leaves(of: e2, slot: 0, offset: 0))
        default:
            return false
        }
    }
}
