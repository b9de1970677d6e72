import Foundation
import TitanTestSupport
import Testing
import TitanLayout

/// Proof by exhaustion over a bounded domain: for every pair of layouts built from a small
/// alphabet of types (slots and offsets computed by `SolcAllocator`), whenever the checker says
/// *compatible*, `LayoutSpecification` holds.
@Suite("storage-layout compatibility, proved by exhaustion on bounded layouts", .watched)
struct LayoutBoundedProofTests {
    /// One entry of a layout: a type, and whether the variable is a `__gap`.
    struct Entry {
        var type: SolType
        var gap = false
    }

    static let s = SolType.structure(name: "S", fields: [.init(label: "x", type: .uint(bits: 128)), .init(label: "y", type: .address)])
    /// `S` with a member appended: the upgrade OpenZeppelin allows inside mapping values.
    static let sGrown = SolType.structure(name: "SGrown", fields: [.init(label: "x", type: .uint(bits: 128)), .init(label: "y", type: .address), .init(label: "z", type: .uint(bits: 256))])
    /// `S` with its members swapped.
    static let sSwapped = SolType.structure(name: "SSwapped", fields: [.init(label: "y", type: .address), .init(label: "x", type: .uint(bits: 128))])

    static let gaps: [Entry] = [
        Entry(type: .staticArray(.uint(bits: 256), length: 1), gap: true),
        Entry(type: .staticArray(.uint(bits: 256), length: 2), gap: true),
    ]

    /// Values of 1, 16, 20 and 32 bytes (all packing cases) and gaps, up to three variables.
    static let scalars: [Entry] = [
        Entry(type: .uint(bits: 8)), Entry(type: .uint(bits: 128)), Entry(type: .uint(bits: 256)), Entry(type: .address),
    ] + gaps

    /// Enums, structs, mappings and arrays, each with the upgrades the rules are about, up to two
    /// variables.
    static let composites: [Entry] = [
        Entry(type: .uint(bits: 128)), Entry(type: .address),
        Entry(type: .enumeration(members: 3)), Entry(type: .enumeration(members: 257)),
        Entry(type: s), Entry(type: sGrown), Entry(type: sSwapped),
        Entry(type: .mapping(key: .address, value: .uint(bits: 256))),
        Entry(type: .mapping(key: .uint(bits: 256), value: .uint(bits: 256))),
        Entry(type: .mapping(key: .address, value: s)), Entry(type: .mapping(key: .address, value: sGrown)),
        Entry(type: .dynamicArray(s)), Entry(type: .dynamicArray(sGrown)),
        Entry(type: .staticArray(.uint(bits: 256), length: 2)), Entry(type: .staticArray(.uint(bits: 256), length: 3)),
    ] + gaps

    struct Tally {
        var pairs = 0
        var accepted = 0
        var specHolds = 0
        /// The checker said compatible but the specification fails: must stay empty.
        var unsound: [String] = []
        /// The specification holds but the checker rejected, by why:
        /// names only (another labelling of the same new layout is accepted),
        var byNaming = 0
        /// the gap rule (the gap's end protects variables declared after it, outside this layout),
        var byGapRule = 0
        /// or a different type whose leaves happen to read the same bits (`uint128` -> a struct
        /// whose first member is `uint128`).
        var byOverlay = 0
        /// Counts by the set of categories reported, and one example of each.
        var byCategories: [String: Int] = [:]
        var examples: [String: String] = [:]
        var conservative: Int { byNaming + byGapRule + byOverlay }
    }

    static func sequences(_ alphabet: [Entry], upTo length: Int) -> [[Entry]] {
        var all: [[Entry]] = [[]]
        var frontier: [[Entry]] = [[]]
        for _ in 0..<length {
            frontier = frontier.flatMap { seq in alphabet.map { seq + [$0] } }
            all += frontier
        }
        return all
    }

    /// Every way to label `count` variables of a new layout: each takes a distinct old label
    /// (kept, or moved) or a fresh one.
    static func labelings(count: Int, oldLabels: [String]) -> [[String]] {
        var result: [[String]] = []
        func extend(_ prefix: [String]) {
            if prefix.count == count { result.append(prefix); return }
            for l in oldLabels where !prefix.contains(l) { extend(prefix + [l]) }
            extend(prefix + ["n\(prefix.count)"])
        }
        extend([])
        return result
    }

    static func place(_ seq: [Entry], labels: [String]) -> [PlacedVariable] {
        var next = labels.makeIterator()
        return SolcAllocator.allocate(seq.map { ($0.gap ? "__gap" : next.next()!, $0.type) }).placed
    }

    static func check(_ alphabet: [Entry], upTo length: Int) throws -> Tally {
        let seqs = sequences(alphabet, upTo: length)
        let oldLabelSets = (0...length).map { k in (0..<k).map { "v\($0)" } }
        // Old layouts: non-gap variables labelled v0, v1, ... in order (any other labelling is
        // the same up to renaming both sides). AST ids differ between old and new (10 vs 20).
        var oldSide: [(placed: [PlacedVariable], model: StorageLayout, labels: [String])] = []
        for seq in seqs {
            let labels = oldLabelSets[seq.filter { !$0.gap }.count]
            let placed = place(seq, labels: labels)
            oldSide.append((placed, try SolcLayoutWriter.layout(placed, astBase: 10), labels))
        }
        // New layouts, per number of old labels available. Labels only change `storage[].label`,
        // so each type sequence is read through the loader once and relabelled.
        var newSide: [[[(placed: [PlacedVariable], model: StorageLayout)]]] = []
        for seq in seqs {
            let m = seq.filter { !$0.gap }.count
            let base = try SolcLayoutWriter.layout(place(seq, labels: (0..<m).map { "n\($0)" }), astBase: 20)
            var perK: [[(placed: [PlacedVariable], model: StorageLayout)]] = []
            for k in 0...length {
                perK.append(labelings(count: m, oldLabels: oldLabelSets[k]).map { labels in
                    let placed = place(seq, labels: labels)
                    var model = base
                    for i in model.storage.indices { model.storage[i].label = placed[i].label }
                    return (placed, model)
                })
            }
            newSide.append(perK)
        }
        var tally = Tally()
        for old in oldSide {
            for variants in newSide {
                let candidates = variants[old.labels.count]
                // The specification ignores labels, so one evaluation serves every labelling.
                let spec = LayoutSpecification.holds(old: old.placed, new: candidates[0].placed)
                let reports = candidates.map { LayoutComparator.compare(old.model, $0.model) }
                let someLabellingAccepted = reports.contains { $0.compatible }
                for (new, report) in zip(candidates, reports) {
                    tally.pairs += 1
                    if spec { tally.specHolds += 1 }
                    if report.compatible {
                        tally.accepted += 1
                        if !spec && tally.unsound.count < 5 {
                            tally.unsound.append("\(describe(old.placed)) -> \(describe(new.placed))")
                        }
                    } else if spec {
                        if someLabellingAccepted {
                            tally.byNaming += 1
                        } else if report.errors.contains(where: { $0.category == .gapResized || $0.category == .deleted && $0.path.hasPrefix("__gap") }) {
                            tally.byGapRule += 1
                        } else {
                            tally.byOverlay += 1
                        }
                        let categories = Set(report.errors.map(\.category.rawValue)).sorted().joined(separator: "+")
                        tally.byCategories[categories, default: 0] += 1
                        if tally.examples[categories] == nil {
                            tally.examples[categories] = "\(describe(old.placed)) -> \(describe(new.placed))"
                        }
                    }
                }
            }
        }
        return tally
    }

    static func describe(_ placed: [PlacedVariable]) -> String {
        "[" + placed.map { "\($0.type) \($0.label) @\($0.slot)/\($0.offset)" }.joined(separator: ", ") + "]"
    }

    static func summary(_ name: String, _ t: Tally, seconds: Double) -> String {
        "\(name): \(t.pairs) pairs in \(String(format: "%.1f", seconds)) s; checker accepts \(t.accepted), specification holds for \(t.specHolds); "
            + "unsound \(t.unsound.count) (0 required); conservative rejections \(t.conservative): naming \(t.byNaming), gap rule \(t.byGapRule), overlay \(t.byOverlay)"
            // TITAN_LAYOUT_EXAMPLES=1 lists one pair per set of categories reported.
            + (ProcessInfo.processInfo.environment["TITAN_LAYOUT_EXAMPLES"] == nil ? ""
                : "\n" + t.examples.sorted { $0.key < $1.key }.map { "  \($0.key) (\(t.byCategories[$0.key]!)): \($0.value)" }.joined(separator: "\n"))
    }

    @Test("values, packing and gaps: every pair of layouts of up to 3 variables")
    func scalarLayouts() throws {
        let start = Date()
        let t = try Self.check(Self.scalars, upTo: 3)
        print(Self.summary("scalars", t, seconds: Date().timeIntervalSince(start)))
        #expect(t.unsound.isEmpty, "checker accepted layouts the specification rejects: \(t.unsound)")
        // The domain is not vacuous: both verdicts occur, and appends are accepted.
        #expect(t.accepted > 0 && t.accepted < t.pairs)
        #expect(t.specHolds > t.accepted)
    }

    @Test("enums, structs, mappings and arrays: every pair of layouts of up to 2 variables")
    func compositeLayouts() throws {
        let start = Date()
        let t = try Self.check(Self.composites, upTo: 2)
        print(Self.summary("composites", t, seconds: Date().timeIntervalSince(start)))
        #expect(t.unsound.isEmpty, "checker accepted layouts the specification rejects: \(t.unsound)")
        #expect(t.accepted > 0 && t.accepted < t.pairs)
        #expect(t.specHolds > t.accepted)
    }
}

/// The pieces the proof rests on: the allocator must place variables as solc does, and the
/// specification must say what it means.
@Suite("the bounded proof's allocator and specification", .watched)
struct LayoutProofFoundationTests {
    static let u256 = SolType.uint(bits: 256), u128 = SolType.uint(bits: 128)

    @Test("the allocator reproduces the storageLayout example of the Solidity documentation")
    func documentedExample() {
        // contract A { struct S { uint128 a; uint128 b; uint[2] staticArray; uint[] dynArray; }
        //   uint x; uint y; S s; address addr; mapping(uint => mapping(address => bool)) map; uint[] array; }
        let s = SolType.structure(name: "S", fields: [
            .init(label: "a", type: Self.u128), .init(label: "b", type: Self.u128),
            .init(label: "staticArray", type: .staticArray(Self.u256, length: 2)),
            .init(label: "dynArray", type: .dynamicArray(Self.u256)),
        ])
        let placed = SolcAllocator.allocate([
            ("x", Self.u256), ("y", Self.u256), ("s", s), ("addr", .address),
            ("map", .mapping(key: Self.u256, value: .mapping(key: .address, value: .bool))), ("array", .dynamicArray(Self.u256)),
        ]).placed
        #expect(placed.map(\.slot) == [0, 1, 2, 6, 7, 8])
        #expect(placed.allSatisfy { $0.offset == 0 })
        #expect(SolcAllocator.bytes(s) == 128)
        guard case .structure(_, let fields) = s else { return }
        let members = SolcAllocator.allocate(fields.map { ($0.label, $0.type) }).placed
        #expect(members.map { "\($0.slot)/\($0.offset)" } == ["0/0", "0/16", "1/0", "3/0"])
    }

    @Test("packing as the documentation describes it")
    func packing() {
        // "uint128, uint128, uint256" takes two slots, "uint128, uint256, uint128" three.
        #expect(SolcAllocator.allocate([("a", Self.u128), ("b", Self.u128), ("c", Self.u256)]).slots == 2)
        #expect(SolcAllocator.allocate([("a", Self.u128), ("b", Self.u256), ("c", Self.u128)]).slots == 3)
        // uint128 a; uint64 b; bool c share slot 0; an address after them does not fit (25 + 20 > 32).
        let placed = SolcAllocator.allocate([("a", Self.u128), ("b", .uint(bits: 64)), ("c", .bool), ("d", .address)]).placed
        #expect(placed.map { "\($0.slot)/\($0.offset)" } == ["0/0", "0/16", "0/24", "1/0"])
        // uint8[4] takes one slot; what follows a static array or struct starts a new slot.
        #expect(SolcAllocator.slots(.staticArray(.uint(bits: 8), length: 4)) == 1)
        #expect(SolcAllocator.slots(.staticArray(Self.u128, length: 3)) == 2)
        #expect(SolcAllocator.allocate([("a", .staticArray(.uint(bits: 8), length: 4)), ("b", .uint(bits: 8))]).placed[1].slot == 1)
        #expect(SolcAllocator.bytes(.enumeration(members: 256)) == 1 && SolcAllocator.bytes(.enumeration(members: 257)) == 2)
    }

    func holds(_ old: [(String, SolType)], _ new: [(String, SolType)]) -> Bool {
        LayoutSpecification.holds(old: SolcAllocator.allocate(old).placed, new: SolcAllocator.allocate(new).placed)
    }

    @Test("the specification accepts what keeps every old slot readable and nothing else")
    func specification() {
        let s = LayoutBoundedProofTests.s, grown = LayoutBoundedProofTests.sGrown
        #expect(holds([("a", Self.u256)], [("a", Self.u256), ("b", .address)]))
        #expect(holds([("a", Self.u256)], [("renamed", Self.u256)]))
        #expect(!holds([("a", Self.u256)], [("a", Self.u128)]))
        #expect(!holds([("a", Self.u256), ("b", .address)], [("x", .bool), ("a", Self.u256), ("b", .address)]))
        #expect(holds([("m", .mapping(key: .address, value: s))], [("m", .mapping(key: .address, value: grown))]))
        #expect(!holds([("m", .mapping(key: .address, value: grown))], [("m", .mapping(key: .address, value: s))]))
        #expect(!holds([("m", .mapping(key: .address, value: Self.u256))], [("m", .mapping(key: Self.u256, value: Self.u256))]))
        #expect(!holds([("l", .dynamicArray(s))], [("l", .dynamicArray(grown))]))
        #expect(!holds([("e", .enumeration(members: 3))], [("e", .enumeration(members: 257))]))
        // Nothing reads a gap: an old gap needs no counterpart, a new gap reads nothing.
        #expect(holds([("a", Self.u256), ("__gap", .staticArray(Self.u256, length: 2))], [("a", Self.u256)]))
        #expect(!holds([("a", Self.u256)], [("__gap", .staticArray(Self.u256, length: 1))]))
    }

    @Test("generated layouts read the same through JSON text as in memory")
    func jsonRoundTrip() throws {
        for entry in LayoutBoundedProofTests.composites + LayoutBoundedProofTests.scalars {
            let placed = SolcAllocator.allocate([(entry.gap ? "__gap" : "v0", entry.type), ("after", .uint(bits: 8))]).placed
            let json = SolcLayoutWriter.json(placed, astBase: 10)
            let fromText = try LayoutLoader.parse(data: Data(json.text.utf8), source: "text")
            let inMemory = try LayoutLoader.parse(json: json, source: "memory")
            #expect(fromText.storage.map(\.type) == inMemory.storage.map(\.type))
            #expect(fromText.types.count == inMemory.types.count)
            #expect(LayoutComparator.compare(fromText, inMemory).compatible, "\(entry.type)")
            #expect(LayoutComparator.compare(inMemory, fromText).compatible, "\(entry.type)")
        }
    }
}
