import Foundation
import TitanTestSupport
import Testing
import TitanRegistry

/// The project's virtual environment, where scripts/setup installs schemathesis.

/// A `tpm serve` on a free loopback port with `ledger@0.1.0` published (its spec at
/// specs/ledger.tspec, as the examples in Docs/registry-openapi.yaml name it).
struct ServedRegistry {
    let sandbox: RegistrySandbox
    let server: RunningProcess
    let url: String

    init(_ kind: StoreKind = .sqlite, publishLedger: Bool = true) throws {
        sandbox = try RegistrySandbox(kind)
        let process = try RunningProcess(tpmBinary, ["serve", "--port", "0", "--database", sandbox.store], environment: ["HOME": sandbox.dir.path], in: sandbox.dir)
        server = process
        var found = ""
        let up = process.wait(seconds: 60) {
            guard let r = process.stdout.range(of: "http://127\\.0\\.0\\.1:[0-9]+", options: .regularExpression) else { return false }
            found = String(process.stdout[r])
            return true
        }
        if !up { process.kill() }
        try #require(up, "tpm serve did not start: \(process.stderr)")
        url = found
        if publishLedger {
            let bundle = try sandbox.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
            try expectOK(sandbox.tpm(["publish", bundle, "--registry", url]))
        }
    }

    func stop() { server.kill(); sandbox.remove() }

    /// `curl` a request; returns the status, the headers (lowercased names) and the body.
    func request(_ method: String, _ path: String, body: String? = nil, headers: [String] = []) throws -> (status: Int, headers: String, body: String) {
        var args = ["-s", "-i", "-X", method, url + path]
        for h in headers { args += ["-H", h] }
        if let body { args += ["-H", "Content-Type: application/json", "--data-binary", body] }
        if method == "HEAD" { args = ["-s", "-I", url + path] }
        let r = try run("/usr/bin/env", ["curl"] + args)
        let text = r.stdout.replacingOccurrences(of: "\r\n", with: "\n")
        let split = text.range(of: "\n\n")
        let head = split.map { String(text[..<$0.lowerBound]) } ?? text
        let rest = split.map { String(text[$0.upperBound...]) } ?? ""
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, head.lowercased(), rest)
    }
}

/// Issue #15, item 2: Docs/registry-openapi.yaml is the truth about `tpm serve`.
@Suite("Registry API conformance (Docs/registry-openapi.yaml)", .watched)
struct RegistryAPIConformanceTests {
    /// Schemathesis, bounded: few examples per operation, a fixed seed, every check. It fails
    /// (never skips) when .venv exists without schemathesis.
    @Test("schemathesis with all checks finds no failure against tpm serve",
          .enabled(if: venvPresent, "the project venv .venv is absent: run ./scripts/setup to install schemathesis"), arguments: StoreKind.allCases)
    func schemathesis(kind: StoreKind) throws {
        let st = packageRoot.appendingPathComponent(".venv/bin/schemathesis").path
        try #require(FileManager.default.isExecutableFile(atPath: st), ".venv exists but has no schemathesis: run ./scripts/setup")
        let served = try ServedRegistry(kind)
        defer { served.stop() }
        let report = served.sandbox.dir.appendingPathComponent("junit.xml").path
        let r = try run(st, ["run", packageRoot.appendingPathComponent("Docs/registry-openapi.yaml").path, "--url", served.url,
                             "--checks", "all", "--max-examples", "12", "--seed", "15", "--generation-database", "none",
                             "--request-timeout", "20", "--no-color", "--report", "junit", "--report-junit-path", report],
                        cwd: served.sandbox.dir, environment: ["SCHEMATHESIS_TELEMETRY": "false"])
        let summary = r.stdout.split(separator: "\n").filter { $0.contains("generated") || $0.contains("passed") || $0.contains("failure") }
        print("schemathesis: " + summary.joined(separator: " | "))
        #expect(r.status == 0, "schemathesis exit \(r.status):\n\(r.stdout.suffix(6000))\n\(r.stderr.suffix(2000))")
        #expect(!r.stdout.contains("FAILURES") && !r.stdout.contains("ERRORS"), "\(r.stdout.suffix(6000))")
        let generated = r.stdout.range(of: "[0-9]+ generated", options: .regularExpression).map { String(r.stdout[$0]) } ?? ""
        #expect((Int(generated.split(separator: " ").first ?? "") ?? 0) > 200, "too few cases: \(generated)")
        #expect(!served.server.stderr.contains("internal error"), "\(served.server.stderr.suffix(2000))")
    }

    @Test("methods a path does not have get 405 with Allow; OPTIONS 204; unknown paths 404 with a JSON error", arguments: StoreKind.allCases)
    func methodsAndRoutes(kind: StoreKind) throws {
        let served = try ServedRegistry(kind, publishLedger: false)
        defer { served.stop() }
        for method in ["TRACE", "PUT", "DELETE", "PATCH"] {
            let r = try served.request(method, "/v1/packages")
            #expect(r.status == 405 && r.headers.contains("allow: get, post, head, options"), "\(method): \(r)")
            #expect(r.body.contains("\"error\":\"method-not-allowed\""))
        }
        let yank = try served.request("GET", "/v1/packages/ledger/0.1.0/yank")
        #expect(yank.status == 405 && yank.headers.contains("allow: post, options"), "\(yank)")
        let options = try served.request("OPTIONS", "/v1/packages/ledger")
        #expect(options.status == 204 && options.headers.contains("allow: get, head, options"), "\(options)")
        let head = try served.request("HEAD", "/health")
        #expect(head.status == 200, "\(head)")
        let nowhere = try served.request("GET", "/v2/nothing")
        #expect(nowhere.status == 404 && nowhere.body.contains("\"error\":\"not-found\""), "\(nowhere)")
    }

    @Test("error bodies are clean messages naming the field and the expected format, with no Swift debug text or CLI flags", arguments: StoreKind.allCases)
    func cleanErrors(kind: StoreKind) async throws {
        let served = try ServedRegistry(kind)
        defer { served.stop() }
        // A real key with a signature it never made.
        let stranger = PublisherKey().privateKey.publicKey.rawRepresentation.base64EncodedString()
        let sig = #"{"publicKey": "\#(stranger)", "signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}"#
        let cases: [(String, String, String?, Int, String)] = [
            ("POST", "/v1/packages/ledger/0.1.0/yank", nil, 422, "request body: empty; expected a JSON object {signature, sequence}"),
            ("POST", "/v1/packages/ledger/0.1.0/yank", "{", 422, "request body: not valid JSON"),
            ("POST", "/v1/packages/ledger/0.1.0/yank", #"{"signature": \#(sig)}"#, 422, "missing field 'sequence'"),
            ("POST", "/v1/packages/ledger/0.1.0/yank", #"{"signature": \#(sig), "sequence": "1"}"#, 422, "field 'sequence' is not an integer"),
            ("POST", "/v1/packages/ledger/0.1.0/yank", #"{"signature": \#(sig), "sequence": 0}"#, 422, "sequence must be an integer from 1 to"),
            ("POST", "/v1/packages/ledger/0.1.0/listing", #"{"signature": \#(sig), "sequence": 1}"#, 422, "missing field 'price'"),
            ("POST", "/v1/packages/ledger/0.1.0/purchases", #"{"buyer": "0xb0b"}"#, 422, "missing field 'signature'"),
            ("POST", "/v1/packages/ledger/0.1.0/purchases", #"{"signature": \#(sig), "sequence": 1, "price": 5}"#, 403, "bad signature: the signature does not match the request and the key"),
            ("POST", "/v1/packages/nothing/0.1.0/yank", #"{"signature": \#(sig), "sequence": 1}"#, 403, "bad signature"),
            ("POST", "/v1/packages", "{}", 422, "malformed bundle: not a titan-bundle-1 JSON document: missing field 'format'"),
            ("POST", "/v1/packages", "[]", 422, "not a titan-bundle-1 JSON document: not a JSON object"),
            ("POST", "/v1/packages", #"{"format": 1, "files": [], "digest": ""}"#, 422, "field 'format' is not a string"),
            ("POST", "/v1/packages", #"{"format": "titan-bundle-1", "files": [{"path": "a", "type": "file", "sha256": "", "content": "%%%"}], "digest": ""}"#, 422, "field 'files[0].content' has an invalid value"),
            ("POST", "/v1/packages", #"{"format": "titan-bundle-1", "files": [], "digest": ""}"#, 403, "bad signature: the bundle is not signed (tpm sign)"),
            ("GET", "/v1/packages/%C2%84", nil, 422, "'\\\\u{84}' is not a package name (lowercase letters"),
            ("GET", "/v1/packages/ledger/0.1", nil, 422, "'0.1' is not a semantic version"),
            ("GET", "/v1/packages/ledger/0.1.0%2Bbuild", nil, 404, "not found: ledger@0.1.0+build is not published"),
            ("GET", "/packages/ledger/0.1.0/report/properties/%3Cnone%3E.html", nil, 404, "no page 'properties/<none>.html'"),
        ]
        for (method, path, body, status, message) in cases {
            let r = try served.request(method, path, body: body)
            #expect(r.status == status, "\(method) \(path) \(body ?? ""): \(r.status) \(r.body)")
            #expect(r.body.contains(message), "\(method) \(path) \(body ?? ""): \(r.body)")
            #expect(r.headers.contains("content-type: application/json"), "\(r.headers)")
            for debris in ["DecodingError", "CodingKeys", "Debug description", "--buyer", "Swift.", "%C2"] {
                #expect(!r.body.contains(debris), "\(method) \(path): \(r.body)")
            }
        }
        // An empty bundle that is signed: the digest message says what the digest should be.
        let key = try PublisherKey.load(served.sandbox.key)
        let empty = PackageBundle(files: [])
        var forgedDigest = empty
        forgedDigest.digest = ""
        forgedDigest.signature = try key.sign(PackageBundle.signedMessage(digest: ""))
        let r = try served.request("POST", "/v1/packages", body: String(decoding: try forgedDigest.encoded(), as: UTF8.self))
        #expect(r.status == 403 && r.body.contains("tampered bundle: the stated digest '' is not the SHA-256 of the bundle's file list (\(empty.digest))"), "\(r.body)")
        var signedEmpty = empty
        signedEmpty.signature = try key.sign(PackageBundle.signedMessage(digest: empty.digest))
        let e = try served.request("POST", "/v1/packages", body: String(decoding: try signedEmpty.encoded(), as: UTF8.self))
        #expect(e.status == 422 && e.body.contains("the bundle holds no files (it needs at least package.titan.toml)"), "\(e.body)")
    }

    @Test("over HTTP: a replayed listing is refused (409), and a NUL in a manifest name is refused (422), storing nothing", arguments: StoreKind.allCases)
    func replayAndNulOverHTTP(kind: StoreKind) async throws {
        let served = try ServedRegistry(kind)
        defer { served.stop() }
        let s = served.sandbox
        let key = try PublisherKey.load(s.key)
        func listing(_ price: Int64, _ seq: Int64) throws -> String {
            let sig = try key.sign(SignedAction.list("ledger", "0.1.0", price: price, sequence: seq))
            return String(decoding: try JSONEncoder().encode(SignedRequest(signature: sig, sequence: seq, price: price)), as: UTF8.self)
        }
        let old = try listing(10, 1000), new = try listing(20, 2000)
        #expect(try served.request("POST", "/v1/packages/ledger/0.1.0/listing", body: old).status == 200)
        #expect(try served.request("POST", "/v1/packages/ledger/0.1.0/listing", body: new).status == 200)
        let replay = try served.request("POST", "/v1/packages/ledger/0.1.0/listing", body: old)
        #expect(replay.status == 409 && replay.body.contains("\"error\":\"stale-sequence\""), "\(replay)")
        let shown = try JSONDecoder().decode(PackageVersionInfo.self, from: Data(try served.request("GET", "/v1/packages/ledger/0.1.0").body.utf8))
        #expect(shown.price == 20)

        let before = try await s.counts()
        var manifest = Manifest.template(name: "a", specs: [], properties: [])
        manifest = manifest.replacingOccurrences(of: "name = \"a\"", with: "name = \"a\\u0000b\"")
        var b = PackageBundle(files: [.init(path: Manifest.fileName, content: Data(manifest.utf8))])
        b.signature = try key.sign(PackageBundle.signedMessage(digest: b.digest))
        let nul = try served.request("POST", "/v1/packages", body: String(decoding: try b.encoded(), as: UTF8.self))
        #expect(nul.status == 422 && nul.body.contains("control character U+0000"), "\(nul)")
        #expect(try await s.counts() == before)
    }

    @Test("a publish over HTTP streams the re-check's progress, one line per property, before the outcome", arguments: StoreKind.allCases)
    func streamedProgress(kind: StoreKind) throws {
        let served = try ServedRegistry(kind, publishLedger: false)
        defer { served.stop() }
        let bundle = try served.sandbox.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let r = try served.sandbox.tpm(["publish", bundle, "--registry", served.url])
        #expect(r.status == 0 && r.stdout.contains("ledger@0.1.0: VERIFIED"), "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("tpm: re-checking 25 claimed properties of ledger@0.1.0"), "\(r.stderr)")
        #expect(r.stderr.contains("tpm: Ledger.supply_is_sum: proved"), "\(r.stderr)")
        // The wire format: NDJSON events, progress first, the outcome last.
        let raw = try served.request("POST", "/v1/packages", body: String(decoding: try Data(contentsOf: URL(fileURLWithPath: bundle)), as: UTF8.self),
                                     headers: ["Accept: application/x-ndjson"])
        #expect(raw.status == 409, "a refusal found before the re-check keeps its status: \(raw)")
        let v2 = try served.sandbox.package("ledger", version: "0.2.0", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let streamed = try served.request("POST", "/v1/packages", body: String(decoding: try Data(contentsOf: URL(fileURLWithPath: v2)), as: UTF8.self),
                                          headers: ["Accept: application/x-ndjson"])
        #expect(streamed.status == 200 && streamed.headers.contains("content-type: application/x-ndjson"), "\(streamed.headers)")
        let events = try streamed.body.split(separator: "\n").map { try JSONDecoder().decode(PublishEvent.self, from: Data($0.utf8)) }
        #expect(events.count > 25 && events.dropLast().allSatisfy { $0.event == "progress" }, "\(events.map(\.event))")
        #expect(events.last?.event == "published" && events.last?.status == 201 && events.last?.version?.status == .verified)
    }

    @Test("cached read answers never outlive a change, whichever process makes it", arguments: StoreKind.allCases)
    func cacheInvalidation(kind: StoreKind) throws {
        let served = try ServedRegistry(kind)
        defer { served.stop() }
        let s = served.sandbox
        func version() throws -> PackageVersionInfo {
            try JSONDecoder().decode(PackageVersionInfo.self, from: Data(try served.request("GET", "/v1/packages/ledger/0.1.0").body.utf8))
        }
        func search() throws -> [PackageSummary] {
            try JSONDecoder().decode([PackageSummary].self, from: Data(try served.request("GET", "/v1/packages?q=").body.utf8))
        }
        #expect(try version().price == nil && search().map(\.latest) == ["0.1.0"])
        #expect(try version().price == nil, "a second read, from the cache")
        try expectOK(s.tpm(["list", "ledger@0.1.0", "--price", "7", "--key", s.key, "--registry", served.url]))
        #expect(try version().price == 7 && search().first?.price == 7)
        // Another process writes the store file directly (embedded registry): the server sees it.
        let v2 = try s.package("ledger", version: "0.2.0", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        try expectOK(s.tpm(["publish", v2]))
        #expect(try search().map(\.latest) == ["0.2.0"])
        try expectOK(s.tpm(["yank", "ledger@0.2.0", "--key", s.key]))
        #expect(try search().map(\.latest) == ["0.1.0"])
        let versions = try JSONDecoder().decode([PackageVersionInfo].self, from: Data(try served.request("GET", "/v1/packages/ledger").body.utf8))
        #expect(versions.map(\.version) == ["0.2.0", "0.1.0"] && versions[0].yanked)
    }
}
