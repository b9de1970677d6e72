/// Decides whether a new storage layout can replace an old one behind a proxy, and explains why not.
///
/// Variables are matched by label (the k-th `x` in the old layout with the k-th `x` in the new),
/// then each old variable must be at its old place with a type that reads the old bits the same
/// way; types are compared by structure (encoding, size, kind of value, members, key, value,
/// base), never by the AST ids that solc's type ids embed.
public final class LayoutComparator {
    private let old: StorageLayout
    private let new: StorageLayout
    /// Type pairs being compared, so recursive structs (through mappings) terminate.
    private var inProgress: Set<String> = []

    private init(old: StorageLayout, new: StorageLayout) {
        self.old = old
        self.new = new
    }

    public static func compare(_ old: StorageLayout, _ new: StorageLayout) -> LayoutReport {
        let c = LayoutComparator(old: old, new: new)
        var errors = c.compareVariables(old.storage, new.storage, prefix: "")
        var count = old.storage.count
        for ns in old.namespaces {
            count += ns.storage.count
            if let updated = new.namespaces.first(where: { $0.id == ns.id }) {
                errors += c.compareVariables(ns.storage, updated.storage, prefix: "\(ns.id):")
            } else if !ns.storage.isEmpty {
                errors.append(LayoutIncompatibility(
                    category: .namespaceDeleted, path: ns.id, old: nil, new: nil,
                    message: "namespace with \(ns.storage.count) variable\(ns.storage.count == 1 ? "" : "s") is missing from the new layout"))
            }
        }
        return LayoutReport(oldSource: old.source, newSource: new.source, errors: errors, oldVariableCount: count)
    }

    // MARK: - Variable lists (a contract, a namespace, a struct's members)

    private enum Context: String {
        /// Stored in place among other variables: growing is fine only if it moves nothing.
        case inline
        /// A mapping's value: each lives at its own hashed slot, so it may grow.
        case mappingValue
        /// An array element: elements are contiguous, so a size change moves the later ones.
        case element
    }

    /// The errors about one old variable (or one insertion), sorted by `key`.
    private struct Item {
        var key: StoragePosition
        var errors: [LayoutIncompatibility]
    }

    /// A list of variables with their types resolved once.
    private struct Resolved {
        var vars: [StorageVariable]
        var types: [StorageType]
        var ends: [StoragePosition]
        var gap: [Bool]

        init(_ vars: [StorageVariable], _ layout: StorageLayout) {
            self.vars = vars
            types = []
            ends = []
            gap = []
            types.reserveCapacity(vars.count)
            for v in vars {
                let t = layout.type(v.type)
                types.append(t)
                ends.append(t.end(from: v.position))
                gap.append(StorageVariable.isGap(label: v.label, type: t))
            }
        }
    }

    private func compareVariables(_ oldVars: [StorageVariable], _ newVars: [StorageVariable], prefix: String) -> [LayoutIncompatibility] {
        let o = Resolved(stableSorted(oldVars), old), n = Resolved(stableSorted(newVars), new)

        let match = matchByLabel(o, n)
        var matchedNew = [Bool](repeating: false, count: n.vars.count)
        for j in match { if let j { matchedNew[j] = true } }
        let keptOrder = inOrder(o.vars.indices.filter { !o.gap[$0] && match[$0] != nil }, newPosition: { n.vars[match[$0]!].position })

        var items: [Item] = []
        var replacing = [Bool](repeating: false, count: n.vars.count)
        for i in o.vars.indices where !o.gap[i] {
            let ov = o.vars[i]
            let path = prefix + ov.label
            var next: StorageVariable?
            for k in (i + 1)..<o.vars.count where !o.gap[k] {
                next = o.vars[k]
                break
            }
            var errs: [LayoutIncompatibility] = []
            if let j = match[i] {
                let nv = n.vars[j]
                if nv.position == ov.position {
                    errs = compareInline(ov, o.types[i], nv, n.types[j], n.ends[j], path: path, next: next)
                } else if !keptOrder.contains(i) {
                    errs = [error(.reordered, path, o, i, n, j, "now at another place, out of its old order")]
                } else if nv.slot == ov.slot {
                    errs = [error(.offsetShifted, path, o, i, n, j, "moved within its slot from offset \(ov.offset) to \(nv.offset)")]
                } else {
                    errs = [error(.shifted, path, o, i, n, j, "moved from slot \(ov.slot) to slot \(nv.slot) because something before it changed")]
                }
            } else if let j = n.vars.indices.first(where: { n.vars[$0].position == ov.position && !matchedNew[$0] && !n.gap[$0] }) {
                let nv = n.vars[j]
                replacing[j] = true
                if compareInline(ov, o.types[i], nv, n.types[j], n.ends[j], path: path, next: next).isEmpty {
                    errs = [error(.renamed, path, o, i, n, j, "renamed to \(nv.label); same place and an assignable type")]
                } else {
                    errs = [error(.replaced, path, o, i, n, j, "replaced by \(nv.label) of type \(n.types[j].label)")]
                }
            } else {
                errs = [error(.deleted, path, o, i, n, nil, "no variable \(ov.label) in the new layout; keep it even if unused")]
            }
            items.append(Item(key: ov.position, errors: errs))
        }

        // New variables that take space old (non-gap) variables held.
        for j in n.vars.indices where !matchedNew[j] && !replacing[j] {
            let nv = n.vars[j]
            let start = nv.position, end = n.ends[j]
            if let k = o.vars.indices.first(where: { k in !o.gap[k] && o.vars[k].position < end && start < o.ends[k] }) {
                let ov = o.vars[k]
                items.append(Item(key: ov.position, errors: [error(.inserted, prefix + nv.label, o, k, n, j,
                    "new variable takes the place of \(ov.label); declare new variables after all existing ones")]))
            }
        }

        items += gapItems(o, n, match, prefix: prefix)
        return ordered(items)
    }

    /// For each old variable, the new one it is: the k-th old variable labelled x matches the
    /// k-th new one (labels repeat across inherited contracts, `__gap` above all).
    /// Plain scans: layouts are at most a few hundred variables, and hashing labels costs more.
    private func matchByLabel(_ o: Resolved, _ n: Resolved) -> [Int?] {
        var match = [Int?](repeating: nil, count: o.vars.count)
        for i in o.vars.indices {
            let label = o.vars[i].label
            var k = 0
            for p in 0..<i where o.vars[p].label == label { k += 1 }
            for j in n.vars.indices where n.vars[j].label == label {
                if k == 0 {
                    match[i] = j
                    break
                }
                k -= 1
            }
        }
        return match
    }

    /// Gaps: what was added before a gap's end must come out of the gap, so its end stays put.
    private func gapItems(_ o: Resolved, _ n: Resolved, _ match: [Int?], prefix: String) -> [Item] {
        var items: [Item] = []
        for i in o.vars.indices where o.gap[i] {
            let g = o.vars[i], gEnd = o.ends[i]
            if let j = match[i] {
                let hEnd = n.ends[j]
                if hEnd != gEnd {
                    items.append(Item(key: g.position, errors: [error(.gapResized, prefix + g.label, o, i, n, j,
                        "the gap must end at slot \(gEnd.slot) (shrink by exactly the slots taken before it); it ends at slot \(hEnd.slot)")]))
                }
            } else {
                let inside = n.vars.indices.filter { g.position <= n.vars[$0].position && n.vars[$0].position < gEnd }
                if let last = inside.max(by: { n.ends[$0] < n.ends[$1] }) {
                    if n.ends[last] != gEnd {
                        items.append(Item(key: g.position, errors: [error(.gapResized, prefix + g.label, o, i, n, last,
                            "gap removed, but the variables in its place end at slot \(n.ends[last].slot), not at its end slot \(gEnd.slot)")]))
                    }
                } else {
                    items.append(Item(key: g.position, errors: [error(.deleted, prefix + g.label, o, i, n, nil,
                        "gap removed; it reserves slots up to slot \(gEnd.slot) for variables declared after it")]))
                }
            }
        }
        return items
    }

    /// The errors of every item by old position; at one position the cause (an insertion)
    /// before its consequence (a shift). Insertion sort: the items are few and nearly in order.
    private func ordered(_ items: [Item]) -> [LayoutIncompatibility] {
        var items = items
        func before(_ a: Item, _ b: Item) -> Bool {
            if a.key != b.key { return a.key < b.key }
            return isConsequence(b.errors) && !isConsequence(a.errors)
        }
        var i = 1
        while i < items.count {
            var k = i
            while k > 0 && before(items[k], items[k - 1]) {
                items.swapAt(k, k - 1)
                k -= 1
            }
            i += 1
        }
        var result: [LayoutIncompatibility] = []
        for item in items { result += item.errors }
        return result
    }

    private func isConsequence(_ errs: [LayoutIncompatibility]) -> Bool {
        for e in errs where e.category == .shifted || e.category == .offsetShifted { return true }
        return false
    }

    /// An old variable and the new one at the same place: the type must read the old bits, and
    /// any growth must stop before the next old variable.
    private func compareInline(_ ov: StorageVariable, _ ot: StorageType, _ nv: StorageVariable, _ nt: StorageType,
                               _ newEnd: StoragePosition, path: String, next: StorageVariable?) -> [LayoutIncompatibility] {
        let errs = compareTypes(ot, nt, path: path, oldPlace: place(ov, ot), newPlace: place(nv, nt), context: .inline)
        guard errs.isEmpty, let next, newEnd > next.position else { return errs }
        let category: LayoutErrorCategory
        switch nt.shape {
        case .structure: category = .structGrown
        case .staticArray: category = .arrayLengthChanged
        default: category = .retyped
        }
        return [LayoutIncompatibility(category: category, path: path, old: place(ov, ot), new: place(nv, nt), message: "grew from \(ot.slots) to \(nt.slots) slots and moves \(next.label), which started at slot \(next.slot) offset \(next.offset)")]
    }

    // MARK: - Types

    private func compareTypes(_ ot: StorageType, _ nt: StorageType, path: String,
                              oldPlace: LayoutPlace, newPlace: LayoutPlace, context: Context) -> [LayoutIncompatibility] {
        // Only structs can contain themselves (through a mapping or dynamic array). A struct pair
        // compared within itself is assumed compatible; any difference is reported where it
        // first appears.
        var key: String?
        if case .structure = ot.shape, case .structure = nt.shape {
            let k = "\(ot.id)|\(nt.id)|\(context.rawValue)"
            guard !inProgress.contains(k) else { return [] }
            inProgress.insert(k)
            key = k
        }
        defer { if let key { inProgress.remove(key) } }

        func fail(_ category: LayoutErrorCategory, _ message: String) -> [LayoutIncompatibility] {
            [LayoutIncompatibility(category: category, path: path, old: oldPlace, new: newPlace, message: message)]
        }
        func inner(_ id: String, _ layout: StorageLayout, _ place: LayoutPlace) -> LayoutPlace {
            var p = place
            p.type = layout.type(id).label
            return p
        }
        switch (ot.shape, nt.shape) {
        case (.value, .value):
            if ot.valueClass == nt.valueClass && ot.numberOfBytes == nt.numberOfBytes { return [] }
            if ot.isEnum && nt.isEnum {
                return fail(.enumResized, "enum storage size changed from \(ot.numberOfBytes) to \(nt.numberOfBytes) bytes (more than 256 members need 2 bytes)")
            }
            return fail(.retyped, "type changed from \(ot.label) to \(nt.label)")

        case (.bytes, .bytes):
            return ot.label == nt.label ? [] : fail(.retyped, "type changed from \(ot.label) to \(nt.label)")

        case (.mapping(let ok, let ov), .mapping(let nk, let nv)):
            let okt = old.type(ok), nkt = new.type(nk)
            let keySame: Bool
            switch (okt.shape, nkt.shape) {
            case (.value, .value): keySame = okt.valueClass == nkt.valueClass && okt.numberOfBytes == nkt.numberOfBytes
            case (.bytes, .bytes): keySame = okt.label == nkt.label
            default: keySame = false
            }
            if !keySame {
                return fail(.mappingKeyChanged, "mapping key changed from \(okt.label) to \(nkt.label); every entry moves")
            }
            let errs = compareTypes(old.type(ov), new.type(nv), path: path + "[]",
                                    oldPlace: inner(ov, old, oldPlace), newPlace: inner(nv, new, newPlace), context: .mappingValue)
            return lift(errs, from: path + "[]", as: .mappingValueChanged, to: path, oldPlace, newPlace,
                        "mapping value changed from \(old.type(ov).label) to \(new.type(nv).label)")

        case (.staticArray(let ob, let ol), .staticArray(let nb, let nl)):
            if nl < ol {
                return fail(.arrayLengthChanged, "static array shrank from \(ol) to \(nl) elements")
            }
            if nl > ol && context == .element {
                return fail(.arrayLengthChanged, "static array grew from \(ol) to \(nl) elements inside an array, which moves the later elements")
            }
            return compareElements(ob, nb, path: path, oldPlace: oldPlace, newPlace: newPlace)

        case (.dynamicArray(let ob), .dynamicArray(let nb)):
            return compareElements(ob, nb, path: path, oldPlace: oldPlace, newPlace: newPlace)

        case (.structure(let om), .structure(let nm)):
            let errs = compareVariables(om, nm, prefix: path + ".")
            if errs.isEmpty && ot.numberOfBytes != nt.numberOfBytes && context == .element {
                return fail(.structGrown, "struct size changed from \(ot.slots) to \(nt.slots) slots in an array element, which moves every later element")
            }
            return errs

        case (.staticArray, .dynamicArray), (.dynamicArray, .staticArray):
            return fail(.retyped, "type changed from \(ot.label) to \(nt.label) (fixed-size and dynamic arrays are stored differently)")

        default:
            return fail(.retyped, "type changed from \(ot.label) to \(nt.label)")
        }
    }

    /// Array elements are contiguous: the element type must keep its size and layout.
    private func compareElements(_ ob: String, _ nb: String, path: String, oldPlace: LayoutPlace, newPlace: LayoutPlace) -> [LayoutIncompatibility] {
        let obt = old.type(ob), nbt = new.type(nb)
        var op = oldPlace, np = newPlace
        op.type = obt.label
        np.type = nbt.label
        let errs = compareTypes(obt, nbt, path: path + "[]", oldPlace: op, newPlace: np, context: .element)
        return lift(errs, from: path + "[]", as: .arrayBaseChanged, to: path, oldPlace, newPlace,
                    "array element type changed from \(obt.label) to \(nbt.label)")
    }

    /// A plain type change of a mapping value or array element is reported on the container,
    /// in the container's own category; deeper findings (struct members) keep their paths.
    private func lift(_ errs: [LayoutIncompatibility], from innerPath: String, as category: LayoutErrorCategory,
                      to path: String, _ oldPlace: LayoutPlace, _ newPlace: LayoutPlace, _ message: String) -> [LayoutIncompatibility] {
        errs.map { e in
            guard e.path == innerPath, e.category == .retyped else { return e }
            return LayoutIncompatibility(category: category, path: path, old: oldPlace, new: newPlace, message: message)
        }
    }

    // MARK: - Helpers

    private func place(_ v: StorageVariable, _ t: StorageType) -> LayoutPlace {
        LayoutPlace(label: v.label, slot: v.slot, offset: v.offset, type: t.label)
    }

    /// An error about old variable `i` and new variable `j` (if any) of two resolved lists.
    private func error(_ category: LayoutErrorCategory, _ path: String, _ o: Resolved, _ i: Int, _ n: Resolved, _ j: Int?, _ message: String) -> LayoutIncompatibility {
        LayoutIncompatibility(category: category, path: path, old: place(o.vars[i], o.types[i]),
                              new: j.map { place(n.vars[$0], n.types[$0]) }, message: message)
    }

    private func stableSorted(_ vars: [StorageVariable]) -> [StorageVariable] {
        // solc lists variables in storage order already.
        var sorted = true
        for i in vars.indices.dropFirst() where vars[i].position < vars[i - 1].position {
            sorted = false
            break
        }
        if sorted { return vars }
        return vars.enumerated().sorted { a, b in
            a.element.position != b.element.position ? a.element.position < b.element.position : a.offset < b.offset
        }.map(\.element)
    }

    /// The old indices (in old order) that keep their relative order in the new layout: a longest
    /// increasing run of new positions. The others were reordered.
    private func inOrder(_ indices: [Int], newPosition: (Int) -> StoragePosition) -> Set<Int> {
        guard !indices.isEmpty else { return [] }
        let positions = indices.map(newPosition)
        var length = [Int](repeating: 1, count: indices.count)
        var previous = [Int](repeating: -1, count: indices.count)
        for a in indices.indices {
            for b in 0..<a where positions[b] < positions[a] && length[b] + 1 > length[a] {
                length[a] = length[b] + 1
                previous[a] = b
            }
        }
        var k = length.indices.max { length[$0] < length[$1] || (length[$0] == length[$1] && $0 > $1) }!
        var kept: Set<Int> = []
        while k >= 0 {
            kept.insert(indices[k])
            k = previous[k]
        }
        return kept
    }
}
