/// A TON `HashmapE n X` with fixed n-bit keys: a binary Patricia trie of cells. Each node
/// starts with its label in the `hml_long` form ('10', the length in ceil(log2(m + 1)) bits,
/// the label bits; m is the key length left at that node). A node whose label uses up the key
/// is a leaf holding the value cell as reference 0; otherwise it is a fork whose references
/// 0 and 1 are the subtrees for the next key bit.
public struct TONDictionary {
    public let keyBits: Int
    public private(set) var root: Cell?

    public init(keyBits: Int, root: Cell? = nil) { self.keyBits = keyBits; self.root = root }

    struct Node { var label: [Bool]; var refs: [Cell] }

    static func decode(_ c: Cell, remaining m: Int) -> Node {
        let w = CellBits.lengthWidth(m)
        let n = CellBits.readUInt(c.bits[2..<(2 + w)])
        return Node(label: Array(c.bits[(2 + w)..<(2 + w + n)]), refs: c.refs)
    }

    static func encode(_ node: Node, remaining m: Int) throws -> Cell {
        try Cell(bits: [true, false] + CellBits.uint(node.label.count, width: CellBits.lengthWidth(m)) + node.label, refs: node.refs)
    }

    public func get(_ key: [Bool]) -> Cell? {
        precondition(key.count == keyBits)
        var cell = root
        var k = key[...]
        while let c = cell {
            let node = TONDictionary.decode(c, remaining: k.count)
            guard k.starts(with: node.label) else { return nil }
            k = k.dropFirst(node.label.count)
            if k.isEmpty { return node.refs[0] }
            cell = node.refs[k.first! ? 1 : 0]
            k = k.dropFirst()
        }
        return nil
    }

    public mutating func set(_ key: [Bool], _ value: Cell) throws {
        precondition(key.count == keyBits)
        root = try TONDictionary.set(root, key[...], value)
    }

    static func set(_ cell: Cell?, _ k: ArraySlice<Bool>, _ value: Cell) throws -> Cell {
        guard let cell else { return try encode(Node(label: Array(k), refs: [value]), remaining: k.count) }
        var node = decode(cell, remaining: k.count)
        let common = zip(node.label, k).prefix { $0 == $1 }.count
        if common == node.label.count {
            let rest = k.dropFirst(common)
            if rest.isEmpty { node.refs = [value]; return try encode(node, remaining: k.count) }
            let bit = rest.first! ? 1 : 0
            node.refs[bit] = try set(node.refs[bit], rest.dropFirst(), value)
            return try encode(node, remaining: k.count)
        }
        // The key leaves the label at bit `common`: split into a fork there.
        let m = k.count - common - 1
        let old = try encode(Node(label: Array(node.label[(common + 1)...]), refs: node.refs), remaining: m)
        let new = try encode(Node(label: Array(k.dropFirst(common + 1)), refs: [value]), remaining: m)
        let refs = k[k.startIndex + common] ? [old, new] : [new, old]
        return try encode(Node(label: Array(node.label[..<common]), refs: refs), remaining: k.count)
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    public mutating func remove(_ key: [Bool]) throws -> Bool {
        precondition(key.count == keyBits)
        guard let r = root else { return false }
        let (newRoot, found) = try TONDictionary.remove(r, key[...])
        if found { root = newRoot }
        return found
    }

    static func remove(_ cell: Cell, _ k: ArraySlice<Bool>) throws -> (Cell?, Bool) {
        let node = decode(cell, remaining: k.count)
        guard k.starts(with: node.label) else { return (cell, false) }
        let rest = k.dropFirst(node.label.count)
        if rest.isEmpty { return (nil, true) }
        let bit = rest.first! ? 1 : 0
        let (child, found) = try remove(node.refs[bit], rest.dropFirst())
        guard found else { return (cell, false) }
        if let child {
            var n = node
            n.refs[bit] = child
            return (try encode(n, remaining: k.count), true)
        }
        // One child left: the fork collapses into it, its label absorbing the fork's bit.
        let sibling = node.refs[1 - bit]
        let s = decode(sibling, remaining: rest.count - 1)
        let merged = Node(label: node.label + [bit == 0] + s.label, refs: s.refs)
        return (try encode(merged, remaining: k.count), true)
    }

    /// Every cell of the trie and its values, for checking the limits hold everywhere.
    public var allCells: [Cell] {
        var out: [Cell] = []
        func walk(_ c: Cell) { out.append(c); c.refs.forEach(walk) }
        if let root { walk(root) }
        return out
    }
}
