import Foundation
import TitanTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import TitanRegistry

/// A small spec whose one invariant proves at once: packages for the tests below.
let registryCounterSpec = """
model Counter {
  state n: uint8
  action bump() { n = n == 255 ? 255 : n + 1 }
  invariant bounded: n <= 255
}

"""

/// A signed bundle made in memory: `manifest` is the manifest text (default: `name`, `version`,
/// the counter spec, its invariant claimed).
func signedBundle(_ name: String, _ version: String = "0.1.0", manifest: String? = nil, key: PublisherKey) throws -> Data {
    let text = manifest ?? Manifest.template(name: name, specs: ["specs/counter.tspec"], properties: ["Counter.bounded"])
        .replacingOccurrences(of: "version = \"0.1.0\"", with: "version = \"\(version)\"")
    var b = PackageBundle(files: [.init(path: Manifest.fileName, content: Data(text.utf8)),
                                  .init(path: "specs/counter.tspec", content: Data(registryCounterSpec.utf8))])
    b.signature = try key.sign(PackageBundle.signedMessage(digest: b.digest))
    return try b.encoded()
}

/// A registry on a fresh store (a file in a scratch directory, or a new PostgreSQL database).
struct ScratchRegistry {
    let dir: URL
    let registry: LocalRegistry
    init(_ kind: StoreKind = .sqlite) async throws {
        dir = try temporaryDirectory()
        registry = LocalRegistry(store: try await openStore(kind.newStore(in: dir)), recheck: Recheck(jobs: 1))
    }
    func remove() { try? FileManager.default.removeItem(at: dir) }
}

func refusal(_ body: () async throws -> Void) async -> RegistryError? {
    do { try await body(); return nil } catch let e as RegistryError { return e } catch { return .unavailable("\(error)") }
}

/// Issue #15, item 1: replayed owner requests, unsigned purchases, control characters in
/// manifests, lax versions.
@Suite("Registry hardening: replay, signed purchases, manifest strings, versions", .watched)
struct RegistryHardeningTests {
    @Test("a listing or yank request sent again is refused, and the price is not rolled back", arguments: StoreKind.allCases)
    func ownerReplay(kind: StoreKind) async throws {
        let r = try await ScratchRegistry(kind)
        defer { r.remove() }
        let owner = PublisherKey()
        _ = try await r.registry.publish(try signedBundle("ledger", key: owner))
        let seq1 = SignedAction.nextSequence()
        let old = try owner.sign(SignedAction.list("ledger", "0.1.0", price: 10, sequence: seq1))
        #expect(try await r.registry.list("ledger", "0.1.0", price: 10, sequence: seq1, signature: old).price == 10)
        let seq2 = SignedAction.nextSequence()
        let new = try owner.sign(SignedAction.list("ledger", "0.1.0", price: 20, sequence: seq2))
        #expect(try await r.registry.list("ledger", "0.1.0", price: 20, sequence: seq2, signature: new).price == 20)

        // The old request, byte for byte: refused, and the price stays 20.
        let replay = await refusal { _ = try await r.registry.list("ledger", "0.1.0", price: 10, sequence: seq1, signature: old) }
        #expect(replay?.code == "stale-sequence" && replay?.httpStatus == 409, "\(String(describing: replay))")
        #expect(replay?.description.contains("not greater than \(seq2)") == true)
        #expect(try await r.registry.version("ledger", "0.1.0").price == 20)
        // The same signature with a higher sequence number does not verify: the number is signed.
        let moved = await refusal { _ = try await r.registry.list("ledger", "0.1.0", price: 10, sequence: seq2 + 1, signature: old) }
        #expect(moved?.code == "bad-signature")
        // Nor does a listing signature work as a yank.
        let asYank = await refusal { _ = try await r.registry.yank("ledger", "0.1.0", sequence: seq2, signature: new) }
        #expect(asYank?.code == "bad-signature")

        let seq3 = SignedAction.nextSequence()
        let yank = try owner.sign(SignedAction.yank("ledger", "0.1.0", sequence: seq3))
        #expect(try await r.registry.yank("ledger", "0.1.0", sequence: seq3, signature: yank).yanked)
        let yankAgain = await refusal { _ = try await r.registry.yank("ledger", "0.1.0", sequence: seq3, signature: yank) }
        #expect(yankAgain?.code == "stale-sequence")
        // A refused request uses up nothing: a failed listing of the yanked version leaves seq3 the last.
        let seq4 = SignedAction.nextSequence()
        let late = await refusal {
            _ = try await r.registry.list("ledger", "0.1.0", price: 5, sequence: seq4,
                                          signature: try owner.sign(SignedAction.list("ledger", "0.1.0", price: 5, sequence: seq4)))
        }
        #expect(late?.code == "not-eligible" && late?.httpStatus == 409)
        #expect(try await r.registry.store.lastSequence(of: owner.privateKey.publicKey.rawRepresentation.base64EncodedString()) == seq3)
    }

    @Test("purchases are signed by the buyer's key, at the listed price, and cannot be replayed", arguments: StoreKind.allCases)
    func signedPurchases(kind: StoreKind) async throws {
        let r = try await ScratchRegistry(kind)
        defer { r.remove() }
        let owner = PublisherKey(), buyer = PublisherKey()
        _ = try await r.registry.publish(try signedBundle("ledger", key: owner))
        let ls = SignedAction.nextSequence()
        _ = try await r.registry.list("ledger", "0.1.0", price: 1999, sequence: ls, signature: try owner.sign(SignedAction.list("ledger", "0.1.0", price: 1999, sequence: ls)))

        let seq = SignedAction.nextSequence()
        let sig = try buyer.sign(SignedAction.buy("ledger", "0.1.0", price: 1999, sequence: seq))
        let p = try await r.registry.buy("ledger", "0.1.0", price: 1999, sequence: seq, signature: sig)
        #expect(p.buyer == buyer.publicKeyText && p.fee == 199 && p.sellerProceeds == 1800)
        let replay = await refusal { _ = try await r.registry.buy("ledger", "0.1.0", price: 1999, sequence: seq, signature: sig) }
        #expect(replay?.code == "stale-sequence")

        // Someone else's key named with the buyer's signature, or no valid signature at all: refused.
        var forged = sig
        forged.publicKey = PublisherKey().privateKey.publicKey.rawRepresentation.base64EncodedString()
        let s2 = SignedAction.nextSequence()
        let impersonation = await refusal { _ = try await r.registry.buy("ledger", "0.1.0", price: 1999, sequence: s2, signature: forged) }
        #expect(impersonation?.code == "bad-signature" && impersonation?.httpStatus == 403)
        let garbage = await refusal {
            _ = try await r.registry.buy("ledger", "0.1.0", price: 1999, sequence: s2, signature: .init(publicKey: "0xb0b", signature: ""))
        }
        #expect(garbage?.code == "bad-signature")
        // A purchase signed at another price than the listing's is refused.
        let s3 = SignedAction.nextSequence()
        let cheap = await refusal {
            _ = try await r.registry.buy("ledger", "0.1.0", price: 1, sequence: s3, signature: try buyer.sign(SignedAction.buy("ledger", "0.1.0", price: 1, sequence: s3)))
        }
        #expect(cheap?.code == "not-listed" && cheap?.description.contains("listed at 1999 minor units, not 1") == true)
        #expect(try await r.registry.store.counts()["purchases"] == 1)
    }

    @Test("control characters in manifest strings are refused, raw or escaped, with the key and line", arguments: [
        ("name = \"ledger\\u0000-by-someone-else\"", "package.name: a string holds the control character U+0000"),
        ("name = \"a\\u0000b\"", "U+0000"),
        ("name = \"led\\U00000000ger\"", "U+0000"),
        ("name = \"ledger\"\ndescription = \"tab\\there\"", "package.description: a string holds the control character U+0009"),
        ("name = \"ledger\"\ndescription = \"bell\\u0007\"", "U+0007"),
        ("name = \"ledger\"\ndescription = \"del\\u007f\"", "U+007F"),
        ("name = \"ledger\"\ndescription = \"c1\\u0085\"", "U+0085"),
        ("name = \"ledger\"\ndescription = 'raw\ttab'", "U+0009"),
        ("name = \"ledger\"\ndescription = \"\"\"\nline one\nline two\"\"\"", "U+000A"),
        ("name = \"ledger\"\n\"quoted\\u0000key\" = \"x\"", "U+0000"),
    ])
    func controlCharacters(line: String, message: String) throws {
        let text = "[package]\n\(line)\nversion = \"0.1.0\"\n"
        #expect(throws: (any Error).self) { try Manifest.parse(text) }
        do { _ = try Manifest.parse(text) } catch let e as RegistryError {
            #expect(e.code == "malformed-manifest" && e.description.contains(message), "\(e.description)")
            let lineNumber = line.hasPrefix("name = \"ledger\"\n") ? 3 : 2
            #expect(e.description.contains("package.titan.toml:\(lineNumber): "), "\(e.description)")
        }
    }

    @Test("a backslash that is not an escape of a control character is not refused")
    func notControlCharacters() throws {
        for line in ["description = 'C:\\u0000 is six characters in a literal string'", "description = \"a \\\\u0000 b\"",
                     "description = \"\"\"one \\\n    line\"\"\"", "description = \"quote \\\" and \\u00e9\""] {
            let m = try Manifest.parse("[package]\nname = \"ledger\"\nversion = \"0.1.0\"\n\(line)\n")
            #expect(m.name == "ledger", "\(line)")
        }
    }

    @Test("a manifest with a NUL in its name is refused by publish and leaves nothing behind", arguments: StoreKind.allCases)
    func nulNameRefused(kind: StoreKind) async throws {
        let r = try await ScratchRegistry(kind)
        defer { r.remove() }
        let manifest = Manifest.template(name: "ledger", specs: ["specs/counter.tspec"], properties: ["Counter.bounded"])
            .replacingOccurrences(of: "name = \"ledger\"", with: "name = \"ledger\\u0000-by-someone-else\"")
        let e = await refusal { _ = try await r.registry.publish(try signedBundle("ledger", manifest: manifest, key: PublisherKey())) }
        #expect(e?.code == "malformed-manifest" && e?.httpStatus == 422, "\(String(describing: e))")
        #expect(try await r.registry.store.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("versions are validated whole: build metadata kept, bad characters and overlong texts refused", arguments: StoreKind.allCases)
    func versions(kind: StoreKind) async throws {
        #expect(SemanticVersion("3.0.0+../../etc") == nil)
        #expect(SemanticVersion.problem("3.0.0+../../etc")?.contains("build metadata has a character other than [0-9A-Za-z-]") == true)
        #expect(SemanticVersion("3.0.0+") == nil && SemanticVersion("3.0.0+a..b") == nil && SemanticVersion("3.0.0-") == nil)
        let long = "1.0.0-" + String(repeating: "a", count: 100_000)
        #expect(SemanticVersion(long) == nil && SemanticVersion.problem(long) == "longer than 128 characters")
        #expect(SemanticVersion.message(long).count < 400, "a message shows a long text cut")
        let max = "1.0.0-" + String(repeating: "a", count: 122)
        #expect(max.count == 128 && SemanticVersion(max) != nil)
        let v = try #require(SemanticVersion("3.0.0-rc.1+build.5"))
        #expect(v.description == "3.0.0-rc.1+build.5" && v.precedenceText == "3.0.0-rc.1" && v.build == ["build", "5"])
        #expect(SemanticVersion("1.0.0+a")! < SemanticVersion("1.0.1")! && !(SemanticVersion("1.0.0+a")! < SemanticVersion("1.0.0+b")!))
        #expect(VersionRequirement("=1.0.0")!.matches(SemanticVersion("1.0.0+ci.7")!))

        let r = try await ScratchRegistry(kind)
        defer { r.remove() }
        let key = PublisherKey()
        let info = try await r.registry.publish(try signedBundle("ledger", "3.0.0+build.5", key: key))
        #expect(info.version == "3.0.0+build.5")
        #expect(try await r.registry.version("ledger", "3.0.0").version == "3.0.0+build.5")
        #expect(try await r.registry.version("ledger", "3.0.0+build.5").version == "3.0.0+build.5")
        #expect(await refusal { _ = try await r.registry.version("ledger", "3.0.0+other") }?.code == "not-found")
        // Build metadata does not make another version.
        let again = await refusal { _ = try await r.registry.publish(try signedBundle("ledger", "3.0.0+other", key: key)) }
        #expect(again?.code == "conflict" && again?.description.contains("already published as 3.0.0+build.5") == true, "\(String(describing: again))")
        let bad = await refusal { _ = try await r.registry.publish(try signedBundle("ledger", "3.0.0+../../etc", key: key)) }
        #expect(bad?.code == "malformed-manifest" && bad?.description.contains("package.version: '3.0.0+../../etc' is not a semantic version") == true)
        #expect(bad?.description.contains("MAJOR.MINOR.PATCH") == true)
        let huge = await refusal { _ = try await r.registry.publish(try signedBundle("ledger", long, key: key)) }
        #expect(huge?.code == "malformed-manifest" && huge?.description.contains("longer than 128 characters") == true)
        #expect(try await r.registry.store.counts()["versions"] == 1)
    }

    @Test("a store written before sequences and build metadata opens, and keeps its versions")
    func migration() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("old.sqlite").path
        // The v1 schema, as an older tpm wrote it, with one version.
        let r = try run("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('''
              CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
              INSERT INTO grdb_migrations VALUES ('v1');
              CREATE TABLE owners (name TEXT PRIMARY KEY, public_key TEXT NOT NULL, registered_at TEXT NOT NULL);
              CREATE TABLE versions (id INTEGER PRIMARY KEY, name TEXT NOT NULL REFERENCES owners(name), version TEXT NOT NULL,
                major INTEGER NOT NULL, minor INTEGER NOT NULL, patch INTEGER NOT NULL, digest TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('verified', 'unverified')), reasons TEXT NOT NULL, checked_with TEXT NOT NULL,
                published_at TEXT NOT NULL, yanked INTEGER NOT NULL DEFAULT 0, price INTEGER CHECK (price IS NULL OR price > 0),
                dependencies TEXT NOT NULL, targets TEXT NOT NULL, report BLOB NOT NULL, bundle BLOB NOT NULL, UNIQUE (name, version));
              CREATE TABLE verdicts (version_id INTEGER NOT NULL REFERENCES versions(id), property TEXT NOT NULL, spec TEXT NOT NULL,
                kind TEXT NOT NULL, claimed INTEGER NOT NULL, status TEXT NOT NULL, method TEXT NOT NULL, reason TEXT, counterexample TEXT,
                position INTEGER NOT NULL, PRIMARY KEY (version_id, property));
              CREATE TABLE purchases (id INTEGER PRIMARY KEY, version_id INTEGER NOT NULL REFERENCES versions(id), buyer TEXT NOT NULL,
                price INTEGER NOT NULL, fee INTEGER NOT NULL, seller_proceeds INTEGER NOT NULL, purchased_at TEXT NOT NULL,
                CHECK (fee + seller_proceeds = price AND fee = price / 10));
              INSERT INTO owners VALUES ('old', 'a2V5', '2026-01-01T00:00:00Z');
              INSERT INTO versions (name, version, major, minor, patch, digest, status, reasons, checked_with, published_at, dependencies, targets, report, bundle)
                VALUES ('old', '1.0.0', 1, 0, 0, 'd', 'verified', '[]', 'titan 0.1.0', '2026-01-01T00:00:00Z', '[]', '[]', x'', x'');
            ''')
            db.commit()
            """, path])
        try #require(r.status == 0, "\(r.stderr)")
        let store = try RegistryStore(path: path)
        #expect(try await store.version("old", "1.0.0")?.version == "1.0.0")
        #expect(try await store.existing("old", SemanticVersion("1.0.0+x")!) == "1.0.0")
        #expect(try await store.counts()["request_sequences"] == 0)
    }
}

/// `tpm` messages say the expected format.
@Suite("tpm messages name the expected format", .watched)
struct RegistryMessageTests {
    @Test("a version without three numbers, a bad name, a bad NAME@VERSION: exit 2 with the format")
    func formats() throws {
        let s = try RegistrySandbox()
        defer { s.remove() }
        for (args, expected) in [(["show", "ledger@0.1"], "'0.1' is not a semantic version"),
                                 (["verify", "ledger@0.1"], "MAJOR.MINOR.PATCH"),
                                 (["yank", "ledger"], "is not NAME@VERSION (e.g. ledger@0.1.0"),
                                 (["show", "Ledger"], "is not NAME or NAME@VERSION"),
                                 (["buy", "ledger@1.0.0+../x"], "build metadata has a character other than")] {
            let r = try s.tpm(args)
            #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(expected), "\(args): \(r.stderr)")
            #expect(r.stderr.contains("MAJOR.MINOR.PATCH") || r.stderr.contains("lowercase letters"), "\(args): \(r.stderr)")
        }
        let missing = try s.tpm(["show", "ledger@0.1.0"])
        #expect(missing.status == 2 && missing.stderr.contains("not found: ledger@0.1.0 is not published"), "\(missing.stderr)")
    }
}

@Suite("Registry signatures", .watched)
struct RegistrySignatureTests {
    @Test("a public key of small order is refused: its 'signatures' verify without any private key")
    func smallOrderKeys() throws {
        let zeroKey = Data(repeating: 0, count: 32).base64EncodedString()
        let zeroSignature = Data(repeating: 0, count: 64).base64EncodedString()
        let message = SignedAction.buy("ledger", "0.1.0", price: 5, sequence: 1)
        #expect(throws: RegistryError.badSignature("publicKey is a point of small order, which no private key stands behind")) {
            try PublisherKey.verify(signature: .init(publicKey: zeroKey, signature: zeroSignature), message: message, what: "the request")
        }
        for point in PublisherKey.smallOrderPoints {
            #expect(PublisherKey.hasSmallOrder(Data(point)))
            var signBit = point
            signBit[31] |= 0x80
            #expect(PublisherKey.hasSmallOrder(Data(signBit)))
        }
        for _ in 0..<20 { #expect(!PublisherKey.hasSmallOrder(PublisherKey().privateKey.publicKey.rawRepresentation)) }
        // A real key still verifies.
        let k = PublisherKey()
        try PublisherKey.verify(signature: try k.sign(message), message: message)
    }
}

/// Issue #15, item 3: what a new user meets first.
@Suite("tpm newcomer path", .watched)
struct RegistryNewcomerTests {
    @Test("tpm init NAME in an empty directory scaffolds a package that packs, signs and publishes verified, all under $HOME")
    func scaffold() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let env = ["HOME": home.path, "TITAN_REGISTRY": ""]
        func tpm(_ args: [String]) throws -> ProcessResult { try run(tpmBinary, args, cwd: home, environment: env) }
        try expectOK(tpm(["keygen"]))
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent(".titan/publisher.key").path), "keygen honours $HOME")
        let initialized = try tpm(["init", "ledger"])
        try expectOK(initialized)
        #expect(initialized.stdout.contains("an example model Ledger") && initialized.stdout.contains("2 claimed properties"), "\(initialized.stdout)")
        #expect(initialized.stdout.contains("next: tpm pack ledger"))
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent("ledger/specs/ledger.tspec").path))
        let packed = try tpm(["pack", "ledger"])
        try expectOK(packed)
        #expect(!packed.stderr.contains("warning"))
        try expectOK(tpm(["sign", "ledger/ledger-0.1.0.titanpkg"]))
        let published = try tpm(["publish", "ledger/ledger-0.1.0.titanpkg"])
        #expect(published.status == 0 && published.stdout.contains("ledger@0.1.0: VERIFIED"), "\(published.stdout)\(published.stderr)")
        #expect(published.stderr.contains("tpm: Ledger.supply_is_sum: proved"), "progress of the re-check: \(published.stderr)")
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent(".titan/registry.sqlite").path), "the store honours $HOME")
        // A name that is not a package name says what one is.
        let bad = try tpm(["init", "Bad Name"])
        #expect(bad.status == 2 && bad.stderr.contains("lowercase letters, digits"), "\(bad.stderr)")
        let again = try tpm(["init", "ledger"])
        #expect(again.status == 2 && again.stderr.contains("exists; refusing to overwrite it"))
        #expect(!(bad.stderr + again.stderr).contains("NSCocoaErrorDomain"))
    }

    @Test("pack and publish warn when nothing is claimed, and say it will be stored unverified", arguments: StoreKind.allCases)
    func noClaimsWarning(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let pkg = s.dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: pkg, withIntermediateDirectories: true)
        try Manifest.template(name: "empty", specs: [], properties: []).write(to: pkg.appendingPathComponent(Manifest.fileName), atomically: true, encoding: .utf8)
        let packed = try s.tpm(["pack", pkg.path])
        try expectOK(packed)
        #expect(packed.stderr.contains("warning: empty@0.1.0 claims no property") && packed.stderr.contains("UNVERIFIED"), "\(packed.stderr)")
        let bundle = pkg.appendingPathComponent("empty-0.1.0.titanpkg").path
        try expectOK(s.tpm(["sign", bundle, "--key", s.key]))
        let published = try s.tpm(["publish", bundle])
        #expect(published.status == 1 && published.stderr.contains("warning: empty@0.1.0 claims no property"), "\(published.stderr)")
        #expect(published.stdout.contains("UNVERIFIED") && published.stdout.contains("no property is claimed"))
    }

    @Test("Docs/registry.md's exit-code table names every outcome, and its error table every error code")
    func registryPageTables() throws {
        let page = try String(contentsOf: packageRoot.appendingPathComponent("Docs/registry.md"), encoding: .utf8)
        let section = try #require(page.range(of: "# Registry and `tpm`").map { String(page[$0.lowerBound...]) })
        for code in ["malformed-manifest", "malformed-bundle", "unsafe-path", "too-large", "tampered-file", "bad-signature", "owner-mismatch",
                     "spec-error", "unknown-property", "conflict", "not-found", "not-listed", "not-eligible", "stale-sequence",
                     "invalid-argument", "unresolvable", "proof-required", "method-not-allowed", "unavailable", "internal"] {
            #expect(section.contains("`\(code)`"), "Docs/registry.md does not list the error code \(code)")
        }
        for row in ["| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |"] { #expect(section.contains(row)) }
        #expect(section.contains("not found"))
    }

    @Test("tpm reads --depth as titan verify does: the same bound, the same refusal outside 1 to 64 (exit 2)")
    func sharedDepth() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let env = ["HOME": home.path, "TITAN_REGISTRY": ""]
        let refused = try run(tpmBinary, ["search", "ledger", "--depth", "0"], cwd: home, environment: env)
        #expect(refused.status == 2 && refused.stderr.contains("--depth must be between 1 and 64"), "\(refused.stderr)")
        let help = try run(tpmBinary, ["search", "--help"], cwd: home, environment: env)
        #expect(help.stdout.contains("--depth <depth>         Maximum number of actions in a bounded model-checking"), "\(help.stdout)")
    }
}
