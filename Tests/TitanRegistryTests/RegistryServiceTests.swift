import Foundation
import TitanTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TitanRegistry

/// `tpm serve` on loopback, used by `tpm --registry http://127.0.0.1:PORT`.
@Suite("tpm serve", .watched)
struct RegistryServiceTests {
    /// Starts `tpm serve --port 0` and returns it with its URL; the caller kills it.
    func serve(_ s: RegistrySandbox, _ extra: [String] = []) throws -> (RunningProcess, String) {
        let server = try RunningProcess(tpmBinary, ["serve", "--port", "0", "--database", s.store] + extra, environment: [:], in: s.dir)
        var url = ""
        let up = server.wait(seconds: 60) {
            guard let r = server.stdout.range(of: "http://127\\.0\\.0\\.1:[0-9]+", options: .regularExpression) else { return false }
            url = String(server.stdout[r])
            return true
        }
        if !up { server.kill() }
        try #require(up, "\(server.stderr)")
        return (server, url)
    }

    func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("publish over HTTP, search, report pages, refusals, listing and purchase", arguments: StoreKind.allCases)
    func serviceRoundTrip(kind: StoreKind) async throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let (server, url) = try serve(s)
        defer { server.kill() }
        let ledger = try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let mint = try s.package("mint", specs: ["mint.tspec": specText("Specs/mutants/ledger_unchecked_mint.tspec")])

        let published = try s.tpm(["publish", ledger, "--registry", url])
        #expect(published.status == 0 && published.stdout.contains("ledger@0.1.0: VERIFIED"), "\(published.stdout)\(published.stderr)")
        let refuted = try s.tpm(["publish", mint, "--registry", url])
        #expect(refuted.status == 1 && refuted.stdout.contains("counterexample"))
        let again = try s.tpm(["publish", ledger, "--registry", url])
        #expect(again.status == 3 && again.stderr.contains("conflict"))

        let search = try s.tpm(["search", "--registry", url, "--json"])
        let found = try JSONDecoder().decode([PackageSummary].self, from: Data(search.stdout.utf8))
        #expect(found.map(\.name) == ["ledger", "mint"])
        #expect(found.map(\.status) == [.verified, .unverified])
        #expect(found[0].provedProperties.contains("Ledger.supply_is_sum"))

        let (status, page) = try await get("\(url)/packages/mint/0.1.0/report/index.html")
        #expect(status == 200 && page.contains("Registry verdict: mint@0.1.0") && page.contains("unverified") && page.contains("violated"))
        let link = try #require(page.range(of: "properties/[^\"]+\\.html", options: .regularExpression).map { String(page[$0]) })
        let (propertyStatus, propertyPage) = try await get("\(url)/packages/mint/0.1.0/report/\(link)")
        #expect(propertyStatus == 200 && propertyPage.contains("<table"), "\(link)")
        let (missing, body) = try await get("\(url)/v1/packages/nothing/1.0.0")
        #expect(missing == 404 && body.contains("\"error\":\"not-found\""))

        // A bundle signed by another key, over HTTP: refused with the reason, nothing stored.
        let before = try await s.counts()
        let other = try RegistrySandbox()
        defer { other.remove() }
        let forged = try other.package("ledger", version: "0.2.0", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let refused = try s.tpm(["publish", forged, "--registry", url])
        #expect(refused.status == 2 && refused.stderr.contains("registered to another publisher key"), "\(refused.stderr)")
        #expect(try await s.counts() == before)

        // Report pages are cached per version, but never outlive a change to its record.
        let (_, unlisted) = try await get("\(url)/packages/ledger/0.1.0/report/index.html")
        #expect(unlisted.contains("Registry verdict: ledger@0.1.0") && !unlisted.contains("listing price"))
        try expectOK(s.tpm(["list", "ledger@0.1.0", "--price", "10", "--key", s.key, "--registry", url]))
        let (_, listed) = try await get("\(url)/packages/ledger/0.1.0/report/index.html")
        #expect(listed.contains("listing price (minor units)</th><td>10<"), "the page still shows the record from before the listing")
        let bought = try s.tpm(["buy", "ledger@0.1.0", "--key", s.key, "--registry", url, "--json"])
        let p = try JSONDecoder().decode(Purchase.self, from: Data(bought.stdout.utf8))
        #expect(p.fee == 1 && p.sellerProceeds == 9)
    }

    @Test("while a publish is re-checked, reads are answered at once; SIGTERM lets that publish finish, then the server exits 0",
          arguments: StoreKind.allCases)
    func readsDuringARecheckAndGracefulShutdown(kind: StoreKind) async throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let (server, url) = try serve(s, ["--timeout", "6"])
        defer { server.kill() }
        let slow = try s.package("hard", specs: ["hard.tspec": slowSpec])
        let publisher = try RunningProcess(tpmBinary, ["publish", slow, "--registry", url], environment: ["HOME": s.dir.path], in: s.dir)
        defer { publisher.kill() }
        try #require(server.wait(seconds: 30) { server.stderr.contains("re-checking 1 claimed properties of hard@0.1.0") }, "\(server.stderr)")
        // The prover holds a thread for at least the 6 s timeout; no read may wait for it. The
        // reads are timed by a client process of their own: this test process shares its threads
        // with the other tests, which would make the time its own, not the server's.
        let script = """
            import sys, time, urllib.request, urllib.error
            for path in sys.argv[2:]:
                start = time.monotonic()
                try:
                    status = urllib.request.urlopen(sys.argv[1] + path, timeout=30).status
                except urllib.error.HTTPError as e:
                    status = e.code
                print(path, status, round(time.monotonic() - start, 3))
            """
        let reads = try run("/usr/bin/env", ["python3", "-c", script, url, "/health", "/v1/packages?q=", "/v1/packages/hard"])
        let answers = reads.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(answers.map { $0.prefix(2) } == [["/health", "200"], ["/v1/packages?q=", "200"], ["/v1/packages/hard", "404"]], "\(reads.stdout)\(reads.stderr)")
        for a in answers where a.count == 3 { #expect((Double(a[2]) ?? 99) < 3, "\(a[0]) waited for the re-check") }
        #expect(publisher.process.isRunning, "the reads were answered while the re-check ran")
        kill(server.process.processIdentifier, SIGTERM)
        #expect(publisher.finish() == 1, "the publish in flight was answered (unknown: unverified)\n\(publisher.stdout)\(publisher.stderr)")
        #expect(publisher.stdout.contains("hard@0.1.0: UNVERIFIED"), "\(publisher.stdout)")
        #expect(server.finish() == 0, "\(server.stderr)")
        #expect(server.process.terminationReason == .exit)
    }

    @Test("the service's re-check honours its own --timeout: unknown, never verified", arguments: StoreKind.allCases)
    func serviceTimeout(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let (server, url) = try serve(s, ["--timeout", "0.2"])
        defer { server.kill() }
        let r = try s.tpm(["publish", try s.package("hard", specs: ["hard.tspec": slowSpec]), "--registry", url])
        #expect(r.status == 1 && r.stdout.contains("UNVERIFIED") && r.stdout.contains("timeout"), "\(r.stdout)\(r.stderr)")
    }

    @Test("Docs/registry-openapi.yaml is a valid OpenAPI 3 document naming every route")
    func openAPIDocument() throws {
        let doc = packageRoot.appendingPathComponent("Docs/registry-openapi.yaml").path
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        for route in ["/v1/packages:", "/v1/packages/{name}:", "/v1/packages/{name}/{version}:", "/v1/packages/{name}/{version}/bundle:",
                      "/v1/packages/{name}/{version}/yank:", "/v1/packages/{name}/{version}/listing:",
                      "/v1/packages/{name}/{version}/purchases:", "/packages/{name}/{version}/report/index.html:"] {
            #expect(text.contains("  \(route)"), "\(route)")
        }
        let r = try run("/usr/bin/env", ["python3", "-c", "from openapi_spec_validator import validate; from openapi_spec_validator.readers import read_from_filename; validate(read_from_filename('\(doc)')[0]); print('valid')"])
        #expect(r.status == 0 && r.stdout.contains("valid"), "\(r.stderr)")
    }
}
