import BigInt
import Foundation
import TitanTestSupport
import Testing
import TitanFuzz
import TitanInterp
import TitanRegistry

@Suite("Registry: versions, manifests, bundles, the marketplace split", .watched)
struct RegistryLibraryTests {
    @Test("caret, tilde and exact ranges match as Cargo's do; prereleases only exactly")
    func versionRanges() throws {
        func m(_ r: String, _ v: String) -> Bool { VersionRequirement(r)!.matches(SemanticVersion(v)!) }
        #expect(m("^0.1", "0.1.9") && !m("^0.1", "0.2.0") && !m("^0.1", "0.0.9"))
        #expect(m("2.0", "2.7.1") && !m("2.0", "3.0.0") && !m("2.0", "1.9.9"))
        #expect(m("^0.0.3", "0.0.3") && !m("^0.0.3", "0.0.4"))
        #expect(m("~1.2", "1.2.7") && !m("~1.2", "1.3.0") && m("~1", "1.9.0"))
        #expect(m("=1.2.3", "1.2.3") && !m("=1.2.3", "1.2.4"))
        #expect(!m("^1.0", "1.1.0-beta") && m("=1.1.0-beta", "1.1.0-beta"))
        #expect(SemanticVersion("1.0.0-alpha")! < SemanticVersion("1.0.0-alpha.1")! && SemanticVersion("1.0.0-rc.1")! < SemanticVersion("1.0.0")!)
        #expect(SemanticVersion("01.2.3") == nil && SemanticVersion("1.2") == nil && VersionRequirement("^x") == nil)
    }

    @Test("a manifest with dependencies, targets and claimed proofs parses")
    func manifestParses() throws {
        let m = try Manifest.parse("""
            [package]
            name = "defi-vault"
            version = "1.4.0"
            verified = true

            [dependencies]
            titan-std = "^0.1"
            defi-core = { version = "2.0", proof = "required" }

            [targets]
            solana = { features = ["spl-token"] }

            [proofs]
            specs = ["specs/ledger.tspec"]
            properties = ["Ledger.supply_is_sum"]
            """)
        #expect(m.name == "defi-vault" && m.version == SemanticVersion(1, 4, 0) && m.declaredVerified == true)
        #expect(m.dependencies.map(\.name) == ["defi-core", "titan-std"])
        #expect(m.dependencies.map(\.proofRequired) == [true, false])
        #expect(m.targets.map(\.chain) == ["solana"] && m.targets.first?.features == ["spl-token"])
        #expect(m.properties == ["Ledger.supply_is_sum"])
    }

    @Test("manifest errors name the key and its line", arguments: [
        ("[package]\nname = \"a\"\nversion = \"1.0\"\n", "package.titan.toml:3: package.version: '1.0' is not a semantic version"),
        ("[package]\nname = \"a\"\nversion = \"1.0.0\"\n[dependencies]\nx = { version = \"^1\", proof = \"maybe\" }\n",
         "package.titan.toml:5: dependencies.x: proof must be \"required\" or \"optional\""),
        ("[package]\nname = \"a\"\nversion = \"1.0.0\"\n[proofs]\nspecs = [\"../x.tspec\"]\n",
         "package.titan.toml:5: proofs.specs: '../x.tspec': '..' escapes the bundle root"),
        ("[package]\nname = \"Bad Name\"\nversion = \"1.0.0\"\n", "package.titan.toml:2: package.name: 'Bad Name' is not a package name"),
        ("[package]\nname = \"a\"\nversion = \"1.0.0\"\n[targets]\nmars = {}\n", "package.titan.toml:5: targets.mars: unknown chain"),
        ("[package]\nname = \"a\"\nversion = = \"1.0.0\"\n", "package.titan.toml:3:"),
    ])
    func manifestErrors(text: String, expected: String) throws {
        let error = #expect(throws: RegistryError.self) { try Manifest.parse(text) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        #expect(error?.code == "malformed-manifest")
    }

    func signedBundle(_ files: [PackageBundle.Entry], key: PublisherKey = PublisherKey()) throws -> PackageBundle {
        var b = PackageBundle(files: files)
        b.signature = try key.sign(PackageBundle.signedMessage(digest: b.digest))
        return b
    }

    let manifestEntry = PackageBundle.Entry(path: "package.titan.toml", content: Data("[package]\nname = \"a\"\nversion = \"1.0.0\"\n".utf8))

    @Test("a signed bundle opens; any changed byte, digest or signature is refused")
    func bundleIntegrity() throws {
        let good = try signedBundle([manifestEntry, .init(path: "specs/a.tspec", content: Data("model A {}".utf8))])
        _ = try PackageBundle.open(try good.encoded())

        var tampered = good
        tampered.files[1].content = Data("model B {}".utf8)
        #expect(throws: RegistryError.tamperedFile(path: tampered.files[1].path)) { try PackageBundle.open(try tampered.encoded()) }

        var rehashed = tampered
        rehashed.files[1].sha256 = PackageBundle.Entry(path: "", content: rehashed.files[1].content).sha256
        #expect((try? PackageBundle.open(try rehashed.encoded())) == nil, "a file list that no longer hashes to the signed digest")

        var resigned = rehashed
        resigned.digest = PackageBundle.digest(of: resigned.files)
        let error = #expect(throws: RegistryError.self) { try PackageBundle.open(try resigned.encoded()) }
        #expect(error?.code == "bad-signature")

        var unsigned = good
        unsigned.signature = nil
        #expect(throws: RegistryError.self) { try PackageBundle.open(try unsigned.encoded()) }
    }

    @Test("paths that escape the root, absolute paths and links are refused", arguments: [
        ("../outside.tspec", "file"), ("specs/../../x", "file"), ("/etc/passwd", "file"), ("specs//a", "file"), ("specs/link", "symlink"),
    ])
    func unsafePaths(path: String, type: String) throws {
        var entry = PackageBundle.Entry(path: path, content: Data("x".utf8))
        entry.type = type
        let b = try signedBundle([manifestEntry, entry])
        let error = #expect(throws: RegistryError.self) { try PackageBundle.open(try b.encoded()) }
        #expect(error?.code == "unsafe-path", "\(String(describing: error))")
    }

    @Test("a bundle over the size limit is refused before it is decoded")
    func oversized() throws {
        let data = Data(repeating: UInt8(ascii: " "), count: PackageBundle.maxBytes + 1)
        let error = #expect(throws: RegistryError.self) { try PackageBundle.open(data) }
        #expect(error?.code == "too-large")
    }

    @Test("tpm pack refuses a symbolic link in the package")
    func packRefusesLinks() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "[package]\nname = \"a\"\nversion = \"1.0.0\"\n".write(to: dir.appendingPathComponent("package.titan.toml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("src"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("src/passwd").path, withDestinationPath: "/etc/passwd")
        let error = #expect(throws: RegistryError.self) { try PackageBundle.pack(directory: dir, include: ["src"]) }
        #expect(error?.code == "unsafe-path" && error?.description.contains("symbolic link") == true)
    }

    @Test("the Swift split agrees with Specs/kernel/marketplace.tspec run by the interpreter on random prices")
    func splitAgreesWithSpec() throws {
        let (_, model) = try loadModel("Specs/kernel/marketplace.tspec")
        let interpreter = Interpreter(model: model)
        var rng = SplitMix64(seed: 20_260_101)
        var prices: [Int64] = [1, 9, 10, 11, 19, 99, 100, 101, Int64.max, Int64.max - 1]
        for _ in 0..<300 { prices.append(Int64(bitPattern: rng.next() >> 1) >> Int64(rng.next() % 63) | 1) }
        var state = interpreter.initialState()
        var fees: Int64 = 0
        for price in prices {
            let split = try MarketplaceSplit(price: price)
            let out = try interpreter.step(Step(action: "purchase", args: ["buyer": .bits(1), "seller": .bits(2), "price": .bits(BigUInt(price))]), from: state)
            #expect(out.ok.asBool)
            state = out.state
            #expect(state["lastFee"].asBits == BigUInt(split.fee), "price \(price)")
            #expect(state["lastSeller"].asBits == BigUInt(split.seller), "price \(price)")
            #expect(split.fee + split.seller == split.price && split.fee == price / 10)
            fees += split.fee
        }
        #expect(state["totalFees"].asBits == BigUInt(fees))
        #expect(throws: RegistryError.self) { try MarketplaceSplit(price: 0) }
    }
}
