import Foundation
import TitanTestSupport
import Testing
import TitanLayout

/// A layout declared like Solidity source: variables in order, placed by `SolcAllocator`.
func declaredLayout(_ vars: [(String, SolType)], astBase: Int = 10) throws -> StorageLayout {
    try SolcLayoutWriter.layout(SolcAllocator.allocate(vars).placed, astBase: astBase)
}

func errorList(_ old: [(String, SolType)], _ new: [(String, SolType)]) throws -> [String] {
    LayoutComparator.compare(try declaredLayout(old), try declaredLayout(new, astBase: 20)).errors.map { "\($0.category.rawValue) \($0.path)" }
}

/// The rules one at a time, on small declared layouts.
@Suite("storage-layout compatibility rules", .watched)
struct LayoutRuleTests {
    static let u256 = SolType.uint(bits: 256), u128 = SolType.uint(bits: 128)
    static func gap(_ n: Int) -> SolType { .staticArray(.uint(bits: 256), length: n) }

    @Test("a new name and an incompatible type at an old variable's place: replaced")
    func replaced() throws {
        #expect(try errorList([("a", Self.u256)], [("b", .address)]) == ["replaced a"])
        #expect(try errorList([("a", Self.u256)], [("b", Self.u256)]) == ["renamed a"])
    }

    @Test("values of the same size but another kind are retyped: bool and uint8, address and uint160")
    func valueKinds() throws {
        #expect(try errorList([("flag", .bool)], [("flag", .uint(bits: 8))]) == ["retyped flag"])
        #expect(try errorList([("owner", .address)], [("owner", .uint(bits: 160))]) == ["retyped owner"])
        #expect(try errorList([("e", .enumeration(members: 3))], [("e", .uint(bits: 8))]) == ["retyped e"])
        #expect(try errorList([("owner", .address), ("flag", .bool)], [("owner", .address), ("flag", .bool)]) == [])
    }

    @Test("a gap replaced by variables that end exactly where it ended is compatible; otherwise not")
    func gapConsumed() throws {
        #expect(try errorList([("a", Self.u256), ("__gap", Self.gap(2)), ("z", .address)],
                              [("a", Self.u256), ("b", Self.u256), ("c", Self.u256), ("z", .address)]) == [])
        #expect(try errorList([("a", Self.u256), ("__gap", Self.gap(2)), ("z", .address)],
                              [("a", Self.u256), ("b", Self.u256), ("z", .address)]) == ["gap-resized __gap", "shifted z"])
        #expect(try errorList([("a", Self.u256), ("__gap", Self.gap(2))], [("a", Self.u256)]) == ["deleted __gap"])
        // A gap that shrinks by exactly the slots added before it keeps later variables in place.
        #expect(try errorList([("a", Self.u256), ("__gap", Self.gap(3)), ("z", .address)],
                              [("a", Self.u256), ("b", Self.u128), ("c", Self.u128), ("d", Self.u256), ("__gap", Self.gap(1)), ("z", .address)]) == [])
    }

    @Test("a struct growing inline is fine at the end, not before other variables, and always in array elements")
    func structGrowth() throws {
        let s = SolType.structure(name: "S", fields: [.init(label: "x", type: Self.u256)])
        let grown = SolType.structure(name: "S", fields: [.init(label: "x", type: Self.u256), .init(label: "y", type: .bool)])
        #expect(try errorList([("a", .address), ("s", s)], [("a", .address), ("s", grown)]) == [])
        #expect(try errorList([("s", s), ("a", .address)], [("s", grown), ("a", .address)]) == ["struct-grown s", "shifted a"])
        #expect(try errorList([("m", .mapping(key: .address, value: s))], [("m", .mapping(key: .address, value: grown))]) == [])
        #expect(try errorList([("l", .dynamicArray(s))], [("l", .dynamicArray(grown))]) == ["struct-grown l[]"])
        #expect(try errorList([("l", .staticArray(s, length: 2))], [("l", .staticArray(grown, length: 2))]) == ["struct-grown l[]"])
        // A grown struct may use the space of a gap that shrinks to match.
        #expect(try errorList([("s", s), ("__gap", Self.gap(2))], [("s", grown), ("__gap", Self.gap(1))]) == [])
    }

    @Test("struct members: inserted, removed, renamed and swapped members are reported with member paths")
    func structMembers() throws {
        let s = SolType.structure(name: "S", fields: [.init(label: "x", type: Self.u128), .init(label: "y", type: .address)])
        func inMapping(_ t: SolType) -> [(String, SolType)] { [("m", .mapping(key: .address, value: t))] }
        let inserted = SolType.structure(name: "S", fields: [.init(label: "w", type: Self.u256), .init(label: "x", type: Self.u128), .init(label: "y", type: .address)])
        let swapped = SolType.structure(name: "S", fields: [.init(label: "y", type: .address), .init(label: "x", type: Self.u128)])
        let renamed = SolType.structure(name: "S", fields: [.init(label: "x", type: Self.u128), .init(label: "owner", type: .address)])
        #expect(try errorList(inMapping(s), inMapping(inserted)) == ["inserted m[].w", "shifted m[].x", "shifted m[].y"])
        #expect(try errorList(inMapping(s), inMapping(swapped)) == ["shifted m[].x", "reordered m[].y"])
        #expect(try errorList(inMapping(s), inMapping(renamed)) == ["renamed m[].y"])
    }

    @Test("nested mappings: a key change inside a mapping value is reported on the inner path")
    func nestedMappingKey() throws {
        let old = SolType.mapping(key: .address, value: .mapping(key: .address, value: Self.u256))
        let new = SolType.mapping(key: .address, value: .mapping(key: Self.u256, value: Self.u256))
        #expect(try errorList([("allowances", old)], [("allowances", new)]) == ["mapping-key-changed allowances[]"])
    }

    @Test("static arrays: shrinking is an error, growing at the end is not")
    func staticArrays() throws {
        #expect(try errorList([("a", Self.gap(3))], [("a", Self.gap(2))]) == ["array-length-changed a"])
        #expect(try errorList([("a", Self.gap(2))], [("a", Self.gap(3))]) == [])
        #expect(try errorList([("a", Self.gap(2))], [("a", .dynamicArray(Self.u256))]) == ["retyped a"])
        #expect(try errorList([("a", .staticArray(Self.u128, length: 4))], [("a", .staticArray(.uint(bits: 64), length: 4))]) == ["array-base-changed a"])
    }

    @Test("enums: growing within 256 members is compatible, past 256 is not, also as a mapping value")
    func enums() throws {
        #expect(try errorList([("e", .enumeration(members: 3))], [("e", .enumeration(members: 256))]) == [])
        #expect(try errorList([("e", .enumeration(members: 256))], [("e", .enumeration(members: 257))]) == ["enum-resized e"])
        #expect(try errorList([("m", .mapping(key: .address, value: .enumeration(members: 3)))],
                              [("m", .mapping(key: .address, value: .enumeration(members: 300)))]) == ["enum-resized m[]"])
    }

    @Test("every error category is exercised by a fixture or rule test")
    func categoriesCovered() throws {
        var seen = Set(LayoutFixtureTests.incompatible.flatMap { $0.errors.map(\.0) })
        seen.insert(.replaced)  // replaced(), above
        #expect(Set(LayoutErrorCategory.allCases).subtracting(seen).isEmpty, "untested: \(Set(LayoutErrorCategory.allCases).subtracting(seen))")
    }

    @Test("a struct that contains itself through a mapping is compared without looping")
    func recursiveStruct() throws {
        func node(_ ast: Int, extra: Bool) -> String {
            let id = "t_struct(Node)\(ast)_storage", map = "t_mapping(t_uint256,\(id))"
            let members = [#"{"astId": 1, "contract": "C.sol:C", "label": "value", "offset": 0, "slot": "0", "type": "t_uint256"}"#,
                           #"{"astId": 2, "contract": "C.sol:C", "label": "children", "offset": 0, "slot": "1", "type": "\#(map)"}"#]
                + (extra ? [#"{"astId": 3, "contract": "C.sol:C", "label": "depth", "offset": 0, "slot": "2", "type": "t_uint256"}"#] : [])
            return """
            {"storage": [{"astId": 9, "contract": "C.sol:C", "label": "root", "offset": 0, "slot": "0", "type": "\(map)"}],
             "types": {"t_uint256": {"encoding": "inplace", "label": "uint256", "numberOfBytes": "32"},
                       "\(map)": {"encoding": "mapping", "key": "t_uint256", "label": "mapping(uint256 => struct C.Node)", "numberOfBytes": "32", "value": "\(id)"},
                       "\(id)": {"encoding": "inplace", "label": "struct C.Node", "members": [\(members.joined(separator: ","))], "numberOfBytes": "\(extra ? 96 : 64)"}}}
            """
        }
        let old = try LayoutLoader.parse(data: Data(node(5, extra: false).utf8), source: "old")
        let grown = try LayoutLoader.parse(data: Data(node(8, extra: true).utf8), source: "new")
        #expect(LayoutComparator.compare(old, grown).compatible)
        #expect(LayoutComparator.compare(grown, old).errors.map(\.path) == ["root[].depth"])
    }

    @Test("a mapping that contains itself without a struct in between is bad input, not a hang")
    func selfContainedMapping() throws {
        let json = """
        {"storage": [{"label": "m", "offset": 0, "slot": "0", "type": "t_m"}],
         "types": {"t_uint256": {"encoding": "inplace", "label": "uint256", "numberOfBytes": "32"},
                   "t_m": {"encoding": "mapping", "key": "t_uint256", "label": "mapping(uint256 => ?)", "numberOfBytes": "32", "value": "t_a"},
                   "t_a": {"encoding": "dynamic_array", "base": "t_m", "label": "?[]", "numberOfBytes": "32"}}}
        """
        let error = #expect(throws: LayoutInputError.self) { try LayoutLoader.parse(data: Data(json.utf8), source: "loop.json") }
        #expect(error?.description == "loop.json: types.t_a: the type contains itself without a struct in between: t_a -> t_m -> t_a")
    }

    @Test("slots beyond 64 bits (solc's layout at, ERC-7201 roots) are read and compared exactly")
    func bigSlots() throws {
        let base = "57896044618658097711785492504343953926634992332820282019728792003956564819968" // 2^255
        func layout(_ secondSlot: String, _ label: String) throws -> StorageLayout {
            let json = """
            {"storage": [{"label": "a", "offset": 0, "slot": "\(base)", "type": "t_uint256"},
                         {"label": "\(label)", "offset": 0, "slot": "\(secondSlot)", "type": "t_uint256"}],
             "types": {"t_uint256": {"encoding": "inplace", "label": "uint256", "numberOfBytes": "32"}}}
            """
            return try LayoutLoader.parse(data: Data(json.utf8), source: label)
        }
        let next = "57896044618658097711785492504343953926634992332820282019728792003956564819969"
        let old = try layout(next, "b")
        #expect(LayoutComparator.compare(old, try layout(next, "b")).compatible)
        let report = LayoutComparator.compare(old, try layout(next, "c"))
        #expect(report.errors.map(\.category) == [.renamed])
        #expect(report.errors.first?.old?.slot.description == next)
    }
}
