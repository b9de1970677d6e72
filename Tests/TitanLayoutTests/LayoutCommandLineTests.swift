import Foundation
import TitanTestSupport
import Testing

/// `titan layout check` as CI runs it: exit codes, output formats, input errors.
@Suite("titan layout check on the command line", .watched)
struct LayoutCommandLineTests {
    func check(_ arguments: [String]) throws -> ProcessResult {
        try run(titanBinary, ["layout", "check"] + arguments)
    }

    func fixture(_ name: String) -> String { "Tests/TitanLayoutTests/Fixtures/layout/\(name).json" }

    /// Writes `text` to a temporary file and returns its path.
    func temporaryFile(_ text: String, name: String = "layout.json") throws -> (dir: URL, path: String) {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return (dir, url.path)
    }

    func expectNoCrash(_ r: ProcessResult) {
        #expect(!r.stderr.contains("Fatal error"))
        #expect(!r.stderr.contains("Stack dump"))
    }

    @Test("a compatible upgrade exits 0 with a summary line")
    func compatible() throws {
        let r = try check([fixture("vault_upgradeable_v1"), fixture("vault_upgradeable_v2_gap_used")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("compatible: all 8 old variables"))
    }

    @Test("an incompatible upgrade exits 1 with one line per error, then the summary")
    func incompatible() throws {
        let r = try check([fixture("staking_v1"), fixture("staking_v2_phase_overflow")])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("enum-resized: phase: old slot 0 offset 0 type enum Staking.Phase -> new slot 0 offset 0 type enum Staking.Phase"))
        #expect(lines[1].hasPrefix("offset-shifted: stakeToken: old slot 0 offset 1 type contract IERC20 -> new slot 0 offset 2 type contract IERC20"))
        #expect(lines[2].hasPrefix("incompatible: 2 errors"))
    }

    @Test("--format json prints compatible and the errors")
    func json() throws {
        let r = try check([fixture("pools_v1"), fixture("pools_v2_member_retyped"), "--format", "json"])
        #expect(r.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["compatible"] as? Bool == false)
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.map { $0["category"] as? String } == ["retyped"])
        #expect(errors.first?["path"] as? String == "pools[].fee")
        #expect((errors.first?["old"] as? [String: Any])?["type"] as? String == "uint32")
        #expect((errors.first?["new"] as? [String: Any])?["type"] as? String == "uint16")
        let ok = try check([fixture("erc20_v1"), fixture("erc20_v2_appended"), "--format", "json"])
        #expect(ok.status == 0)
        let okObject = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        #expect(okObject?["compatible"] as? Bool == true)
        #expect((okObject?["errors"] as? [Any])?.isEmpty == true)
    }

    @Test("malformed JSON exits 2, naming the file and where the syntax breaks")
    func malformedJSON() throws {
        let (dir, path) = try temporaryFile("{\n  \"storage\": [\n    {\"label\": \"x\",, \"slot\": \"0\"}\n  ]\n}\n", name: "broken.json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try check([path, fixture("erc20_v1")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: \(path): not valid JSON"), "\(r.stderr)")
        #expect(r.stderr.contains("line 3"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        expectNoCrash(r)
    }

    @Test("a field of the wrong type exits 2 with its JSON path", arguments: [
        ("\"slot\": \"2\"", "\"slot\": 2", "storage[2].slot: expected a decimal string, found number 2"),
        ("\"offset\": 0,\n      \"slot\": \"3\"", "\"offset\": \"0\",\n      \"slot\": \"3\"", "storage[3].offset: expected an integer, found string \"0\""),
        ("\"label\": \"_name\"", "\"labl\": \"_name\"", "storage[3]: missing field \"label\""),
        ("\"type\": \"t_uint256\"\n    }", "\"type\": \"t_uint265\"\n    }", "storage[2].type: unknown type id \"t_uint265\""),
        ("\"numberOfBytes\": \"20\"", "\"numberOfBytes\": \"twenty\"", "types.t_address.numberOfBytes: expected a decimal string below 2^256, found \"twenty\""),
    ])
    func wrongField(_ original: String, _ replacement: String, _ expected: String) throws {
        let text = try String(contentsOfFile: specPath(fixture("erc20_v1")), encoding: .utf8)
        #expect(text.contains(original))
        let (dir, path) = try temporaryFile(text.replacingOccurrences(of: original, with: replacement))
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try check([fixture("erc20_v1"), path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(path): \(expected)"), "\(r.stderr)")
        expectNoCrash(r)
    }

    @Test("an unreadable file and a non-layout document exit 2")
    func unreadable() throws {
        let missing = try check(["Tests/TitanLayoutTests/Fixtures/layout/absent.json", fixture("erc20_v1")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("absent.json: cannot read the file (no such file)"))
        let (dir, path) = try temporaryFile("[1, 2, 3]")
        defer { try? FileManager.default.removeItem(at: dir) }
        let array = try check([fixture("erc20_v1"), path])
        #expect(array.status == 2)
        #expect(array.stderr.contains("\(path): expected a storage layout object, found an array"))
        expectNoCrash(missing)
        expectNoCrash(array)
    }

    @Test("standard-JSON output with several layouts needs --contract; the error lists them")
    func contractChoice() throws {
        let r = try check([fixture("standard_output_v1"), fixture("standard_output_v2")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("several contracts have a storageLayout; choose one with --contract"))
        #expect(r.stderr.contains("contracts/IToken.sol:IToken, contracts/Token.sol:Token"))
        let wrong = try check([fixture("standard_output_v1"), fixture("standard_output_v2"), "--contract", "Vault"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("no contract named Vault has a storageLayout"))
        let ok = try check([fixture("standard_output_v1"), fixture("standard_output_v2"),
                            "--old-contract", "Token", "--new-contract", "contracts/Token.sol:TokenV2"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    }

    @Test("a bad option is a usage error: exit 2")
    func usage() throws {
        let r = try check([fixture("erc20_v1"), fixture("erc20_v1"), "--format", "yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--format"))
        let missingArgument = try check([fixture("erc20_v1")])
        #expect(missingArgument.status == 2)
    }
}
