import Foundation
import TitanTestSupport
import Testing
import TitanLayout

func layoutFixture(_ name: String) -> String { specPath("Tests/TitanLayoutTests/Fixtures/layout/\(name).json") }

func compareFixtures(_ old: String, _ new: String, contract: String? = nil) throws -> LayoutReport {
    LayoutComparator.compare(try LayoutLoader.load(path: layoutFixture(old), contract: contract),
                             try LayoutLoader.load(path: layoutFixture(new), contract: contract))
}

/// An upgrade between two fixture layouts and the errors it must produce, in order.
struct LayoutCase: CustomTestStringConvertible, Sendable {
    var old: String
    var new: String
    var errors: [(LayoutErrorCategory, String)]

    init(_ old: String, _ new: String, _ errors: [(LayoutErrorCategory, String)]) {
        self.old = old
        self.new = new
        self.errors = errors
    }

    var testDescription: String { "\(old) -> \(new)" }
}

/// Real-looking solc output (hand-written from the documented format) for each category.
@Suite("storage-layout compatibility of solc storageLayout fixtures", .watched)
struct LayoutFixtureTests {
    static let incompatible: [LayoutCase] = [
        LayoutCase("erc20_v1", "erc20_v2_inserted", [(.inserted, "_owner"), (.shifted, "_balances"), (.shifted, "_allowances"),
                                                     (.shifted, "_totalSupply"), (.shifted, "_name"), (.shifted, "_symbol")]),
        LayoutCase("erc20_v1", "erc20_v2_deleted", [(.deleted, "_symbol")]),
        LayoutCase("erc20_v1", "erc20_v2_renamed", [(.renamed, "_totalSupply")]),
        LayoutCase("erc20_v1", "erc20_v2_retyped", [(.retyped, "_totalSupply")]),
        LayoutCase("erc20_v1", "erc20_v2_reordered", [(.shifted, "_name"), (.reordered, "_symbol")]),
        LayoutCase("erc20_v1", "erc20_v2_mapping_key", [(.mappingKeyChanged, "_balances")]),
        LayoutCase("erc20_v1", "erc20_v2_mapping_value", [(.mappingValueChanged, "_balances")]),
        LayoutCase("vault_upgradeable_v1", "vault_upgradeable_v2_gap_kept", [(.gapResized, "__gap")]),
        LayoutCase("vault_upgradeable_v1", "vault_upgradeable_v2_gap_overshrunk", [(.gapResized, "__gap")]),
        LayoutCase("pools_v1", "pools_v2_member_inserted", [(.inserted, "pools[].cap"), (.shifted, "pools[].liquidity")]),
        LayoutCase("pools_v1", "pools_v2_member_deleted", [(.deleted, "pools[].fee")]),
        LayoutCase("pools_v1", "pools_v2_member_retyped", [(.retyped, "pools[].fee")]),
        LayoutCase("pools_queue_v1", "pools_queue_v2_appended", [(.structGrown, "queue[]")]),
        LayoutCase("config_v1", "config_v2_grown", [(.structGrown, "config"), (.shifted, "admin")]),
        LayoutCase("packed_v1", "packed_v2_narrowed", [(.retyped, "b"), (.offsetShifted, "c")]),
        LayoutCase("staking_v1", "staking_v2_phase_overflow", [(.enumResized, "phase"), (.offsetShifted, "stakeToken")]),
        LayoutCase("checkpoints_v1", "checkpoints_v2_longer", [(.arrayLengthChanged, "checkpoints"), (.shifted, "admin"), (.shifted, "members")]),
        LayoutCase("checkpoints_v1", "checkpoints_v2_members_retyped", [(.arrayBaseChanged, "members")]),
        LayoutCase("namespaced_v1", "namespaced_v2_retyped", [(.retyped, "erc7201:titan.storage.Vault:totalAssets")]),
        LayoutCase("namespaced_v1", "namespaced_v2_dropped", [(.namespaceDeleted, "erc7201:titan.storage.Vault")]),
    ]

    @Test("an incompatible upgrade reports exactly the expected categories and paths", arguments: incompatible)
    func incompatibleUpgrade(_ c: LayoutCase) throws {
        let report = try compareFixtures(c.old, c.new)
        #expect(!report.compatible)
        let got = report.errors.map { "\($0.category.rawValue) \($0.path)" }
        #expect(got == c.errors.map { "\($0.0.rawValue) \($0.1)" })
    }

    static let compatible: [(String, String)] = [
        ("erc20_v1", "erc20_v2_appended"),               // new variables after all old ones (under "storageLayout")
        ("vault_upgradeable_v1", "vault_upgradeable_v2_gap_used"), // new variables taken out of __gap
        ("pools_v1", "pools_v2_appended"),               // struct member appended inside a mapping value
        ("packed_v1", "packed_v2_filled"),               // a new variable in a slot's unused bytes
        ("staking_v1", "staking_v2_more_phases"),        // enum grows within 256 members; new AST ids
        ("staking_v1", "staking_v2_token_as_address"),   // contract IERC20 stored as address
        ("namespaced_v1", "namespaced_v2_appended"),     // appended in a namespace; a new namespace
    ]

    @Test("a compatible upgrade passes", arguments: compatible)
    func compatibleUpgrade(_ old: String, _ new: String) throws {
        let report = try compareFixtures(old, new)
        #expect(report.compatible, "\(report.text())")
        #expect(report.oldVariableCount > 0)
    }

    @Test("every fixture is compatible with itself and with itself under other AST ids")
    func reflexive() throws {
        let dir = packageRoot.appendingPathComponent("Tests/TitanLayoutTests/Fixtures/layout")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") && !$0.hasPrefix("standard_output") }
        #expect(names.count >= 30)
        for name in names {
            let path = dir.appendingPathComponent(name).path
            let layout = try LayoutLoader.load(path: path)
            #expect(LayoutComparator.compare(layout, layout).compatible, "\(name)")
            // Renumber every AST id embedded in type ids: structural comparison must not notice.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let renumbered = text.replacingOccurrences(of: #"\)(\d+)"#, with: ")9$1", options: .regularExpression)
            let other = try LayoutLoader.parse(data: Data(renumbered.utf8), source: name)
            #expect(LayoutComparator.compare(layout, other).compatible, "\(name) renumbered")
        }
    }

    @Test("solc standard-JSON output: --contract picks a contract, by name or file:name")
    func standardJSON() throws {
        let old = try LayoutLoader.load(path: layoutFixture("standard_output_v1"), contract: "Token")
        let new = try LayoutLoader.load(path: layoutFixture("standard_output_v2"), contract: "contracts/Token.sol:TokenV2")
        #expect(old.storage.map(\.label) == ["_balances", "_allowances", "_totalSupply", "_name", "_symbol"])
        #expect(LayoutComparator.compare(old, new).compatible)
        let erc20 = try LayoutLoader.load(path: layoutFixture("erc20_v1"))
        #expect(LayoutComparator.compare(old, erc20).compatible)
    }

    @Test("report text: one line per error with both places, then a summary")
    func reportText() throws {
        let text = try compareFixtures("packed_v1", "packed_v2_narrowed").text()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("retyped: b: old slot 0 offset 16 type uint64 -> new slot 0 offset 16 type uint32"))
        #expect(lines[1].hasPrefix("offset-shifted: c: old slot 0 offset 24 type bool -> new slot 0 offset 20 type bool"))
        #expect(lines[2].hasPrefix("incompatible: 2 errors"))
    }

    @Test("report JSON: compatible flag and errors with category, path, old, new and message")
    func reportJSON() throws {
        let data = try compareFixtures("vault_upgradeable_v1", "vault_upgradeable_v2_gap_kept").json()
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["compatible"] as? Bool == false)
        let errors = try #require(json["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors[0]["category"] as? String == "gap-resized")
        #expect(errors[0]["path"] as? String == "__gap")
        let old = try #require(errors[0]["old"] as? [String: Any]), new = try #require(errors[0]["new"] as? [String: Any])
        #expect(old["slot"] as? String == "103" && old["type"] as? String == "uint256[48]")
        #expect(new["slot"] as? String == "104" && new["offset"] as? Int == 0)
        #expect((errors[0]["message"] as? String ?? "").contains("slot 151"))
    }
}
