import Foundation
import TitanTestSupport
import Testing
import TitanRegistry

/// `tpm` against the embedded registry: real processes on a real SQLite file.
@Suite("tpm with the embedded registry", .watched)
struct RegistryCommandLineTests {
    func info(_ sandbox: RegistrySandbox, _ id: String) throws -> PackageVersionInfo {
        let r = try sandbox.tpm(["show", id, "--json"])
        try expectOK(r)
        return try #require(try JSONDecoder().decode([PackageVersionInfo].self, from: Data(r.stdout.utf8)).first)
    }

    @Test("keygen, init, pack, sign, publish: a proved package is listed as verified with its properties", arguments: StoreKind.allCases)
    func publishVerified(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let mode = try FileManager.default.attributesOfItem(atPath: s.key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let bundle = try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let r = try s.tpm(["publish", bundle])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ledger@0.1.0: VERIFIED"))
        let v = try info(s, "ledger@0.1.0")
        #expect(v.status == .verified && v.reasons.isEmpty)
        #expect(v.provedProperties.count == 25 && v.provedProperties.contains("Ledger.supply_is_sum"))
        let search = try s.tpm(["search", "led"])
        #expect(search.stdout.contains("ledger@0.1.0  verified") && search.stdout.contains("Ledger.transfer_moves_amount"))
    }

    @Test("a package whose proof is false is stored unverified, with the replayed counterexample", arguments: StoreKind.allCases)
    func publishFalseProof(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let bundle = try s.package("mint", specs: ["mint.tspec": specText("Specs/mutants/ledger_unchecked_mint.tspec")])
        let r = try s.tpm(["publish", bundle])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("UNVERIFIED") && r.stdout.contains("counterexample (replayed by the interpreter)"))
        let v = try info(s, "mint@0.1.0")
        #expect(v.status == .unverified)
        let violated = v.verdicts.first { $0.name == "LedgerUncheckedMint.supply_is_sum" }
        #expect(violated?.status == .violated)
        #expect(violated?.counterexample?.replayed == true && (violated?.counterexample?.steps.isEmpty == false))
        #expect(v.reasons.contains { $0.hasPrefix("LedgerUncheckedMint.supply_is_sum: violated") })
        let search = try s.tpm(["search", "mint"])
        #expect(search.stdout.contains("mint@0.1.0  unverified") && !search.stdout.contains("proved:"))
    }

    @Test("every bad input is refused with its reason and leaves no trace in the store", arguments: StoreKind.allCases)
    func rejectionsLeaveNoTrace(kind: StoreKind) async throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let ledger = try specText("Specs/kernel/ledger.tspec")
        let good = try s.package("ledger", specs: ["ledger.tspec": ledger])
        try expectOK(s.tpm(["publish", good]))
        let before = try await s.counts()
        let key = try PublisherKey.load(s.key)

        /// Writes a variant of a bundle, re-signed with `signer` unless `resign` is false.
        func variant(_ name: String, resign: Bool = true, signer: PublisherKey? = nil, _ change: (inout PackageBundle) -> Void) throws -> String {
            var b = try JSONDecoder().decode(PackageBundle.self, from: Data(contentsOf: URL(fileURLWithPath: good)))
            change(&b)
            if resign {
                b.digest = PackageBundle.digest(of: b.files)
                b.signature = try (signer ?? key).sign(PackageBundle.signedMessage(digest: b.digest))
            }
            let path = s.dir.appendingPathComponent("\(name).titanpkg").path
            try b.encoded().write(to: URL(fileURLWithPath: path))
            return path
        }
        func setManifest(_ b: inout PackageBundle, _ transform: (String) -> String) {
            let i = b.files.firstIndex { $0.path == Manifest.fileName }!
            b.files[i] = .init(path: Manifest.fileName, content: Data(transform(String(decoding: b.files[i].content, as: UTF8.self)).utf8))
        }
        func setSpec(_ b: inout PackageBundle, _ text: String) {
            let i = b.files.firstIndex { $0.path == "specs/ledger.tspec" }!
            b.files[i] = .init(path: "specs/ledger.tspec", content: Data(text.utf8))
        }
        let newVersion: (String) -> String = { $0.replacingOccurrences(of: "version = \"0.1.0\"", with: "version = \"0.2.0\"") }
        let oversized = s.dir.appendingPathComponent("big.titanpkg")
        try Data(repeating: UInt8(ascii: "{"), count: PackageBundle.maxBytes + 10).write(to: oversized)

        let cases: [(String, String, String)] = [
            ("bad signature", try variant("forged", resign: false) { b in
                setManifest(&b, newVersion)
                b.digest = PackageBundle.digest(of: b.files)
            }, "bad signature"),
            ("tampered file", try variant("tampered", resign: false) { b in
                b.files[1].content = Data((ledger + "\n// changed\n").utf8)
            }, "tampered file: the SHA-256 of 'specs/ledger.tspec'"),
            ("path with ..", try variant("dotdot") { b in
                setManifest(&b, newVersion)
                b.files.append(.init(path: "../escape.txt", content: Data("x".utf8)))
            }, "'..' escapes the bundle root"),
            ("absolute path", try variant("absolute") { b in
                setManifest(&b, newVersion)
                b.files.append(.init(path: "/tmp/escape.txt", content: Data("x".utf8)))
            }, "absolute path"),
            ("link", try variant("link") { b in
                setManifest(&b, newVersion)
                var e = PackageBundle.Entry(path: "specs/link", content: Data("/etc/passwd".utf8))
                e.type = "symlink"
                b.files.append(e)
            }, "only regular files, no links"),
            ("oversized", oversized.path, "too large: bundle is"),
            ("malformed manifest", try variant("manifest") { b in
                setManifest(&b) { newVersion($0).replacingOccurrences(of: "verified = false", with: "verified = \"yes\"") }
            }, "package.titan.toml:5: package.verified: must be true or false"),
            ("unknown property", try variant("property") { b in
                setManifest(&b) { newVersion($0).replacingOccurrences(of: "\"Ledger.supply_is_sum\",", with: "\"Ledger.supply_is_sum\", \"Ledger.no_such_property\",") }
            }, "claimed property is not in the specs: Ledger.no_such_property"),
            ("spec that does not parse", try variant("spec") { b in
                setManifest(&b, newVersion)
                setSpec(&b, ledger.replacingOccurrences(of: "state totalSupply: uint256", with: "state totalSupply: uint257"))
            }, "specs/ledger.tspec:"),
            ("another publisher's key", try variant("owner", signer: PublisherKey()) { b in
                setManifest(&b, newVersion)
            }, "registered to another publisher key"),
            ("a published version again", good, "conflict: ledger@0.1.0 is already published"),
        ]
        for (what, path, reason) in cases {
            let r = try s.tpm(["publish", path])
            #expect(r.status == (what == "a published version again" ? 3 : 2), "\(what): exit \(r.status)")
            #expect(r.stderr.contains(reason), "\(what): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"), "\(what)")
            #expect(try await s.counts() == before, "\(what) left a trace in the store")
        }
    }

    @Test("two concurrent publishes of one name@version: exactly one wins, the other gets a conflict", arguments: StoreKind.allCases)
    func concurrentPublishes(kind: StoreKind) async throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let bundle = try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let env = ["TITAN_REGISTRY": s.store, "HOME": s.dir.path]
        let a = try RunningProcess(tpmBinary, ["publish", bundle], environment: env, in: s.dir)
        let b = try RunningProcess(tpmBinary, ["publish", bundle], environment: env, in: s.dir)
        let codes = [a.finish(), b.finish()].sorted()
        #expect(codes == [0, 3], "\(codes): \(a.stderr) \(b.stderr)")
        #expect((a.stderr + b.stderr).contains("conflict: ledger@0.1.0 is already published"))
        #expect(try await s.counts()["versions"] == 1)
    }

    @Test("a publish killed while re-checking leaves the store as it was, and the store still works", arguments: StoreKind.allCases)
    func killedPublish(kind: StoreKind) async throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let ledger = try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        try expectOK(s.tpm(["publish", ledger]))
        let before = try await s.counts()
        let slow = try s.package("hard", specs: ["hard.tspec": slowSpec])
        let p = try RunningProcess(tpmBinary, ["publish", slow, "--timeout", "60"], environment: ["TITAN_REGISTRY": s.store], in: s.dir)
        #expect(p.wait(seconds: 30) { p.stderr.contains("re-checking 1 claimed properties of hard@0.1.0") }, "\(p.stderr)")
        try await Task.sleep(for: .milliseconds(300))
        p.kill()
        #expect(p.process.terminationReason == .uncaughtSignal)
        #expect(try await s.counts() == before)
        #expect(try s.tpm(["show", "hard"]).status == 2)
        // The name was never registered: another key may still claim it.
        let again = try s.tpm(["publish", slow, "--timeout", "0.2"])
        #expect(again.status == 1 && again.stdout.contains("hard@0.1.0: UNVERIFIED"), "\(again.stdout)\(again.stderr)")
    }

    @Test("a solver timeout during the re-check gives unknown, never verified", arguments: StoreKind.allCases)
    func timeoutIsUnknown(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        // A query the solver cannot settle in time whatever the load (a fast proof may beat even a 1 ms timer).
        let bundle = try s.package("hard", specs: ["hard.tspec": slowSpec])
        let r = try s.tpm(["publish", bundle, "--timeout", "0.2"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let v = try info(s, "hard@0.1.0")
        #expect(v.status == .unverified)
        #expect(v.verdicts.contains { $0.status == .unknown && ($0.reason ?? "").contains("timeout") })
        #expect(v.reasons.contains { $0.contains("unknown") })
    }

    @Test("install picks the highest matching version, refuses an unverified required one; audit flags a yanked one", arguments: StoreKind.allCases)
    func installAndAudit(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let ledger = try specText("Specs/kernel/ledger.tspec")
        for v in ["0.1.0", "0.1.1", "0.2.0"] { try expectOK(s.tpm(["publish", try s.package("ledger", version: v, specs: ["ledger.tspec": ledger])])) }
        _ = try s.tpm(["publish", try s.package("mint", specs: ["mint.tspec": specText("Specs/mutants/ledger_unchecked_mint.tspec")])])

        let project = s.dir.appendingPathComponent("app")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        func manifest(_ deps: String) throws {
            try "[package]\nname = \"app\"\nversion = \"1.0.0\"\n\n[dependencies]\n\(deps)\n".write(
                to: project.appendingPathComponent(Manifest.fileName), atomically: true, encoding: .utf8)
        }
        try manifest("ledger = { version = \"^0.1\", proof = \"required\" }\nmint = \"^0.1\"")
        let ok = try s.tpm(["install", "--directory", project.path])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("installed ledger@0.1.1 (verified, proof required)"))
        let lock = try Lockfile.read(project)
        #expect(lock.packages.map { "\($0.name)@\($0.version)" } == ["ledger@0.1.1", "mint@0.1.0"])
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent(".titan/packages/ledger-0.1.1.titanpkg").path))

        // mint is unverified: requiring its proof is refused, and nothing is written.
        try FileManager.default.removeItem(at: project.appendingPathComponent(Lockfile.fileName))
        try manifest("mint = { version = \"^0.1\", proof = \"required\" }")
        let refused = try s.tpm(["install", "--directory", project.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("mint ^0.1 (proof required) needed by app, but no matching version is verified"), "\(refused.stderr)")
        #expect(refused.stderr.contains("LedgerUncheckedMint.supply_is_sum: violated"))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent(Lockfile.fileName).path))

        try manifest("ledger = { version = \"~0.1.0\", proof = \"required\" }")
        try expectOK(s.tpm(["install", "--directory", project.path]))
        try expectOK(s.tpm(["audit", "--directory", project.path]))
        let yank = try s.tpm(["yank", "ledger@0.1.1", "--key", s.key])
        #expect(yank.status == 0, "\(yank.stderr)")
        let audit = try s.tpm(["audit", "--directory", project.path])
        #expect(audit.status == 1)
        #expect(audit.stdout.contains("STALE  ledger@0.1.1: yanked"), "\(audit.stdout)")
        let reinstall = try s.tpm(["install", "--directory", project.path])
        #expect(reinstall.stdout.contains("installed ledger@0.1.0"), "yanked versions are never chosen")
        let foreign = try s.tpm(["yank", "ledger@0.1.0", "--key", try RegistrySandbox().key])
        #expect(foreign.status == 2 && foreign.stderr.contains("another publisher key"))
    }

    @Test("list and buy: the fee is price / 10 rounded down and seller + fee == price; only verified packages are listed", arguments: StoreKind.allCases)
    func marketplace(kind: StoreKind) async throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        try expectOK(s.tpm(["publish", try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])]))
        _ = try s.tpm(["publish", try s.package("mint", specs: ["mint.tspec": specText("Specs/mutants/ledger_unchecked_mint.tspec")])])
        let notForSale = try s.tpm(["buy", "ledger@0.1.0", "--key", s.key])
        #expect(notForSale.status == 2 && notForSale.stderr.contains("not for sale"))
        #expect(try s.tpm(["list", "mint@0.1.0", "--price", "100", "--key", s.key]).stderr.contains("only verified packages can be listed"))
        try expectOK(s.tpm(["list", "ledger@0.1.0", "--price", "1999", "--key", s.key]))
        let r = try s.tpm(["buy", "ledger@0.1.0", "--key", s.key, "--json"])
        try expectOK(r)
        let p = try JSONDecoder().decode(Purchase.self, from: Data(r.stdout.utf8))
        // The buyer is the key that signed the purchase.
        let buyer = try PublisherKey.load(s.key).publicKeyText
        #expect(p.price == 1999 && p.fee == 199 && p.sellerProceeds == 1800 && p.buyer == buyer)
        #expect(try await s.counts()["purchases"] == 1)
    }

    @Test("tpm verify re-checks a published version locally", arguments: StoreKind.allCases)
    func verifyLocally(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        try expectOK(s.tpm(["publish", try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])]))
        let r = try s.tpm(["verify", "ledger@0.1.0"])
        #expect(r.status == 0 && r.stdout.contains("registry says verified") && r.stdout.contains("re-checked here: verified"), "\(r.stdout)\(r.stderr)")
        // Its own timeout decides here, whatever the registry says; the solver cannot settle `hard` in 0.2 s.
        #expect(try s.tpm(["publish", try s.package("hard", specs: ["hard.tspec": slowSpec]), "--timeout", "0.2"]).status == 1)
        let slow = try s.tpm(["verify", "hard@0.1.0", "--timeout", "0.2"])
        #expect(slow.status == 1 && slow.stdout.contains("re-checked here: unverified"), "\(slow.stdout)\(slow.stderr)")
    }
}
