import Foundation
import TitanTestSupport
import Testing

/// `titan conform`: snekmate's audited ERC-20 against its model, copies of it with one planted
/// bug of each kind (each found and shrunk), replays, and bad input (exit 2, no stack trace).
@Suite("Conformance of implementations to their models", .watched,
       .enabled(if: venvPresent, "the project venv .venv is absent: run ./scripts/setup to install Vyper and titanoboa"))
struct ConformTests {
    static let spec = "Specs/examples/erc20_snekmate.tspec"
    static let token = "examples/conform/erc20_token.vy"

    /// snekmate's sources in the project venv.
    static func snekmate() throws -> URL {
        let lib = packageRoot.appendingPathComponent(".venv/lib")
        let python = try #require(try FileManager.default.contentsOfDirectory(atPath: lib.path).first { $0.hasPrefix("python") })
        return lib.appendingPathComponent(python).appendingPathComponent("site-packages/snekmate")
    }

    /// A copy of snekmate's `module` (e.g. tokens/erc20.vy) with `old` replaced by `new` (the first
    /// occurrence after `anchor`), and `wrapper` on it instead of on snekmate's; returns the
    /// wrapper's path.
    static func planted(_ module: String = "tokens/erc20.vy", wrapper: String = token, after anchor: String,
                        _ old: String, _ new: String) throws -> String {
        var source = try String(contentsOf: try snekmate().appendingPathComponent(module), encoding: .utf8)
        let package = module.split(separator: "/")[0], name = module.split(separator: "/")[1].replacingOccurrences(of: ".vy", with: "")
        // The copy lives outside the package: its relative imports name the package instead.
        for (relative, absolute) in [("from .interfaces", "from snekmate.\(package).interfaces"), ("from ..utils.interfaces", "from snekmate.utils.interfaces"),
                                     ("from ..tokens.interfaces", "from snekmate.tokens.interfaces"), ("from ..tokens", "from snekmate.tokens"),
                                     ("from ..auth", "from snekmate.auth"), ("from ..utils", "from snekmate.utils"),
                                     ("from . import", "from snekmate.\(package) import")] {
            source = source.replacingOccurrences(of: "\n" + relative + " ", with: "\n" + absolute + " ")
        }
        let start = try #require(source.range(of: anchor), "no '\(anchor)' in \(module)")
        let target = try #require(source.range(of: old, range: start.lowerBound..<source.endIndex), "no '\(old)' after '\(anchor)'")
        source.replaceSubrange(target, with: new)
        let dir = try temporaryDirectory()
        try source.write(to: dir.appendingPathComponent("\(name)_planted.vy"), atomically: true, encoding: .utf8)
        let text = try String(contentsOf: packageRoot.appendingPathComponent(wrapper), encoding: .utf8)
            .replacingOccurrences(of: "from snekmate.\(package) import \(name)\n", with: "from . import \(name)_planted as \(name)\n")
        #expect(text.contains("\(name)_planted"), "\(wrapper) does not import snekmate.\(package).\(name)")
        let out = dir.appendingPathComponent(URL(fileURLWithPath: wrapper).lastPathComponent)
        try text.write(to: out, atomically: true, encoding: .utf8)
        return out.path
    }

    static func conform(_ target: String, _ extra: [String] = []) throws -> (ProcessResult, [String: Any]?) {
        let r = try titan(["conform", spec, "--target", target, "--format", "json", "--no-corpus", "--max-sequences", "300"] + extra)
        let json = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (r, json)
    }

    @Test("snekmate's ERC-20 with Ownable conforms to its model, and the run says how fast it went")
    func conforms() throws {
        let (r, json) = try Self.conform(Self.token, ["--max-sequences", "40"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(json?["verdict"] as? String == "conforms")
        let result = try #require(json?["result"] as? [String: Any])
        #expect(result["sequences"] as? Int == 40)
        #expect((result["calls"] as? Int ?? 0) > 40 && (json?["callsPerSecond"] as? Double ?? 0) > 0)
    }

    struct Plant: CustomTestStringConvertible, Sendable {
        var kind: String
        var anchor: String, old: String, new: String
        /// What the divergence must show: the observation (a prefix) and the model's side.
        var observation: String, model: String?
        var atDeployment = false
        var testDescription: String { kind }
    }

    static let plants: [Plant] = [
        Plant(kind: "a missing check (the implementation mints for anyone)", anchor: "def mint(",
              old: "    assert self.is_minter[msg.sender], \"erc20: access is denied\"\n", new: "",
              observation: "reverted", model: "reverts"),
        Plant(kind: "an extra check (a holder cannot send their whole balance)", anchor: "def _transfer(",
              old: "assert owner_balanceOf >= amount", new: "assert owner_balanceOf > amount",
              observation: "reverted", model: "completes"),
        Plant(kind: "a wrong return value", anchor: "def approve(", old: "return True", new: "return False",
              observation: "returned", model: "true"),
        Plant(kind: "a state update at another key (the allowance's keys swapped)", anchor: "def _approve(",
              old: "self.allowance[owner][spender] = amount", new: "self.allowance[spender][owner] = amount",
              observation: "allowance[", model: nil),
        Plant(kind: "an initial state that differs (the deployer is not a minter)", anchor: "def __init__(",
              old: "self.is_minter[msg.sender] = True", new: "self.is_minter[msg.sender] = False",
              observation: "is_minter[", model: "true", atDeployment: true),
    ]

    @Test("a planted bug of each kind is found and shrunk", arguments: plants)
    func planted(_ plant: Plant) throws {
        let target = try Self.planted(after: plant.anchor, plant.old, plant.new)
        let (r, json) = try Self.conform(target)
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        let result = try #require(json?["result"] as? [String: Any])
        let finding = try #require(result["divergence"] as? [String: Any])
        let d = try #require(finding["divergence"] as? [String: Any])
        #expect((d["observation"] as? String ?? "").hasPrefix(plant.observation), "\(d)")
        if let m = plant.model { #expect(d["model"] as? String == m, "\(d)") }
        let steps = try #require(finding["steps"] as? [Any])
        if plant.atDeployment { #expect(d["step"] as? Int == 0 && steps.isEmpty, "\(d)") }
        // Shrunk: at most the steps the bug needs (a mint and a transfer, an approve and a read).
        #expect(steps.count <= 3, "\(finding["trace"] ?? "")")
        #expect((finding["originalLength"] as? Int ?? 0) >= steps.count)
    }

    @Test("snekmate's Ownable2Step conforms to its model; a copy that keeps the pending owner after acceptance does not")
    func ownable2Step() throws {
        let spec = "Specs/examples/ownable2step_snekmate.tspec", wrapper = "examples/conform/ownable_2step.vy"
        let clean = try titan(["conform", spec, "--target", wrapper, "--max-sequences", "150", "--no-corpus"])
        #expect(clean.status == 0 && clean.stdout.contains("CONFORMS"), "\(clean.stdout)\(clean.stderr)")
        let planted = try Self.planted("auth/ownable_2step.vy", wrapper: wrapper, after: "def _transfer_ownership(",
                                       "    self.pending_owner = empty(address)\n", "")
        let r = try titan(["conform", spec, "--target", planted, "--max-sequences", "300", "--no-corpus"])
        #expect(r.status == 1 && r.stdout.contains("pending_owner: model 0x0000000000000000000000000000000000000000"), "\(r.stdout)\(r.stderr)")
    }

    @Test("snekmate's ERC-4626 vault over its asset conforms to its model; a copy that mints the shares to the caller does not")
    func erc4626() throws {
        let spec = "Specs/examples/erc4626_snekmate.tspec", wrapper = "examples/conform/erc4626_vault.vy", map = "examples/conform/erc4626_vault.toml"
        let clean = try titan(["conform", spec, "--target", wrapper, "--map", map, "--max-sequences", "60", "--no-corpus"])
        #expect(clean.status == 0 && clean.stdout.contains("CONFORMS"), "\(clean.stdout)\(clean.stderr)")
        let planted = try Self.planted("extensions/erc4626.vy", wrapper: wrapper, after: "def _deposit(",
                                       "erc20._mint(receiver, shares)", "erc20._mint(sender, shares)")
        // The mapping names the asset's file relative to itself: a copy beside the planted vault.
        let dir = URL(fileURLWithPath: planted).deletingLastPathComponent()
        try copy(["examples/conform/erc20_token.vy", map], into: dir)
        let r = try titan(["conform", spec, "--target", planted, "--map", dir.appendingPathComponent(map).path, "--max-sequences", "300", "--no-corpus"])
        #expect(r.status == 1 && r.stdout.contains("DIVERGES"), "\(r.stdout)\(r.stderr)")
    }

    @Test("a divergence is written to the corpus and replays; a fixed implementation no longer matches it")
    func corpusReplay() throws {
        let target = try Self.planted(after: "def mint(", "    assert self.is_minter[msg.sender], \"erc20: access is denied\"\n", "")
        let dir = try temporaryDirectory()
        let found = try titan(["conform", Self.spec, "--target", target, "--corpus-dir", dir.path, "--max-sequences", "300"])
        #expect(found.status == 1 && found.stdout.contains("DIVERGES") && found.stdout.contains("written to"), "\(found.stdout)\(found.stderr)")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(".json") })
        let path = dir.appendingPathComponent(file).path
        let again = try titan(["conform", Self.spec, "--target", target, "--replay", path])
        #expect(again.status == 0 && again.stdout.contains("diverges at step"), "\(again.stdout)\(again.stderr)")
        let fixed = try titan(["conform", Self.spec, "--target", Self.token, "--replay", path])
        #expect(fixed.status == 1 && fixed.stdout.contains("it is gone"), "\(fixed.stdout)\(fixed.stderr)")
    }

    @Test("every counterexample of a titan verify report is run on the implementation: reproduced, or where it differs")
    func reportReplay() throws {
        let dir = try temporaryDirectory()
        // The model with one more rule, false: a mint changes the supply.
        var text = try String(contentsOf: packageRoot.appendingPathComponent(Self.spec), encoding: .utf8)
        text = text.replacingOccurrences(of: "  invariant supply_is_summed:",
                                         with: "  rule mint_keeps_supply on mint(to, amount): totalSupply' == totalSupply\n  invariant supply_is_summed:")
        let spec = dir.appendingPathComponent("erc20.tspec")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        let verify = try titan(["verify", spec.path, "--no-cache", "--report-dir", dir.appendingPathComponent("report").path, "--simulate", "0"])
        #expect(verify.status == 1, "\(verify.stdout)")
        let report = dir.appendingPathComponent("report/report.json").path
        let same = try titan(["conform", spec.path, "--target", Self.token, "--replay", report])
        #expect(same.status == 0 && same.stdout.contains("mint_keeps_supply: reproduced on the implementation"), "\(same.stdout)\(same.stderr)")
        // On a token whose deployer is no minter, the counterexample's mint reverts instead.
        let other = try Self.planted(after: "def __init__(", "self.is_minter[msg.sender] = True", "self.is_minter[msg.sender] = False")
        let differs = try titan(["conform", spec.path, "--target", other, "--replay", report])
        #expect(differs.status == 1 && differs.stdout.contains("mint_keeps_supply: the implementation differs at"), "\(differs.stdout)\(differs.stderr)")
    }

    @Test("bad input is one clear line and exit 2: a contract that does not compile, a missing function, a getter of the wrong type, an unknown mapping key, a target that dies")
    func badInput() throws {
        let dir = try temporaryDirectory()
        let broken = dir.appendingPathComponent("broken.vy")
        try "@external\ndef f( -> uint256:\n    return 1\n".write(to: broken, atomically: true, encoding: .utf8)
        func expectError(_ args: [String], _ message: String) throws {
            let r = try titan(["conform", Self.spec] + args)
            #expect(r.status == 2, "\(args): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("Traceback") && !r.stderr.contains("Fatal error"), "\(r.stderr)")
        }
        try expectError(["--target", broken.path], "does not compile with vyper")
        func map(_ name: String, _ text: String) throws -> String {
            let url = dir.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        try expectError(["--target", Self.token, "--map", try map("missing.toml", "[actions.transfer]\nfunction = \"send\"\n")],
                        "the implementation has no external function 'send' for action 'transfer'")
        try expectError(["--target", Self.token, "--map", try map("type.toml", "[state.totalSupply]\ngetter = \"owner\"\n")],
                        "getter 'owner' returns address, but 'totalSupply' holds uint256")
        try expectError(["--target", Self.token, "--map", try map("unknown.toml", "# deployment\n[deploy]\nsender = 1\ncolour = \"red\"\n")],
                        "unknown.toml:4: deploy.colour: unknown key")
        try expectError(["--target", Self.token, "--map", try map("action.toml", "[actions.steal]\nfunction = \"transfer\"\n")],
                        "model SnekmateERC20 has no action 'steal'")
        try expectError(["--target-cmd", "sh -c 'echo started >&2; exit 3'"], "the target exited (status 3) before answering")
        try expectError(["--target", dir.appendingPathComponent("absent.vy").path], "no such file")
        try expectError(["--target", Self.token, "--model", "Nope"], "has no model 'Nope'")
    }
}

/// `titan conform --target M.wasm`: a vault written in C, built to wasm32 with the toolchain's
/// clang and run in process, against its model; planted bugs of the C code are found.
@Suite("Conformance of WebAssembly modules", .watched, .enabled(if: NativeBackendTests.toolchainClang != nil, "the Swift toolchain's clang"))
struct WasmConformTests {
    static let spec = "Specs/examples/wasm_vault.tspec"
    static let source = "examples/conform/wasm/vault.c"

    /// Builds vault.c with each (old, new) replacement applied, as the example's comment says.
    static func build(_ changes: [(String, String)] = []) throws -> String {
        var text = try String(contentsOf: packageRoot.appendingPathComponent(source), encoding: .utf8)
        for (old, new) in changes {
            #expect(text.contains(old), "no '\(old)' in vault.c")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let dir = try temporaryDirectory()
        let c = dir.appendingPathComponent("vault.c"), out = dir.appendingPathComponent("vault.wasm")
        try text.write(to: c, atomically: true, encoding: .utf8)
        let r = try run(try #require(NativeBackendTests.toolchainClang),
                        ["--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry", "-o", out.path, c.path])
        try #require(r.status == 0, "clang failed: \(r.stderr)")
        return out.path
    }

    @Test("the C vault conforms to its model over a thousand sequences, and the report says so")
    func conforms() throws {
        let report = try temporaryDirectory()
        let r = try titan(["conform", Self.spec, "--target", try Self.build(), "--max-sequences", "1000", "--no-corpus",
                           "--report-dir", report.path])
        #expect(r.status == 0 && r.stdout.contains("CONFORMS: no divergence in 1000 sequences"), "\(r.stdout)\(r.stderr)")
        let json = try readJSON(report.appendingPathComponent("conform.json"))
        #expect(json["verdict"] as? String == "conforms")
        let page = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("Conformance: WasmVault") && page.contains("conforms</span>"))
    }

    @Test("planted bugs in the C code: a withdrawal of the whole balance refused, a transfer to 0 let through, a total never lowered",
          arguments: [("if (*b < amount) revert();", "if (*b <= amount) revert();", "reverted"),
                      ("if (to == 0) revert();", "", "reverted"),
                      ("total_deposits -= amount;", "", "total")])
    func planted(_ old: String, _ new: String, _ observation: String) throws {
        let dir = try temporaryDirectory()
        let r = try titan(["conform", Self.spec, "--target", try Self.build([(old, new)]), "--format", "json",
                           "--max-sequences", "3000", "--corpus-dir", dir.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let finding = try #require((json["result"] as? [String: Any])?["divergence"] as? [String: Any])
        let d = try #require(finding["divergence"] as? [String: Any])
        #expect((d["observation"] as? String ?? "").hasPrefix(observation), "\(d)")
        #expect((finding["steps"] as? [Any] ?? []).count <= 2, "\(finding["trace"] ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 1)
        // The HTML report shows the step where they part, with both values.
        let report = try temporaryDirectory()
        _ = try titan(["conform", Self.spec, "--target", try Self.build([(old, new)]), "--max-sequences", "3000", "--no-corpus",
                       "--report-dir", report.path])
        let page = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("diverges</span>") && page.contains("class=\"fails\"") && page.contains(d["implementation"] as? String ?? "?"))
    }

    /// A counter kept in a mutable global that is not exported, and a memory that grows when
    /// asked: state that the reuse of one instance across runs must put back.
    static let counter = """
    (module
      (memory (export "memory") 1)
      (global $bumps (mut i64) (i64.const 0))
      (func (export "bump") (global.set $bumps (i64.add (global.get $bumps) (i64.const 1))))
      (func (export "grow") (drop (memory.grow (i32.const 1))) (i64.store (i32.const 8) (i64.const 7)))
      (func (export "bumps") (result i64) (global.get $bumps))
      (func (export "mark") (result i64) (i64.load (i32.const 8))))
    """
    static let counterModel = """
    model Counter {
      state bumps: uint64
      state mark: uint64
      action bump() { require bumps < 1000
        bumps = bumps + 1 }
      action grow() { mark = 7 }
    }
    """

    @Test("every run starts from the state after instantiation: globals that are not exported, memory that grew")
    func runsStartFresh() throws {
        let dir = try temporaryDirectory()
        let wat = dir.appendingPathComponent("counter.wat"), spec = dir.appendingPathComponent("counter.tspec")
        try Self.counter.write(to: wat, atomically: true, encoding: .utf8)
        try Self.counterModel.write(to: spec, atomically: true, encoding: .utf8)
        let r = try titan(["conform", spec.path, "--target", wat.path, "--max-sequences", "300", "--no-corpus"])
        #expect(r.status == 0 && r.stdout.contains("CONFORMS: no divergence in 300 sequences"), "\(r.stdout)\(r.stderr)")
    }

    @Test("a module that imports what the host does not give is refused with exit 2")
    func badImport() throws {
        let dir = try temporaryDirectory()
        let wat = dir.appendingPathComponent("m.wat")
        try "(module (import \"env\" \"send_ether\" (func)) (func (export \"deposit\") (param i64)))".write(to: wat, atomically: true, encoding: .utf8)
        let r = try titan(["conform", Self.spec, "--target", wat.path])
        #expect(r.status == 2 && r.stderr.contains("imports env.send_ether"), "\(r.stderr)")
    }
}
