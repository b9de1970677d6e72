import Foundation
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
        let before = try s.counts()
        let other = try RegistrySandbox()
        defer { other.remove() }
        let forged = try other.package("ledger", version: "0.2.0", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")])
        let refused = try s.tpm(["publish", forged, "--registry", url])
        #expect(refused.status == 2 && refused.stderr.contains("registered to another publisher key"), "\(refused.stderr)")
        #expect(try s.counts() == before)

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

    @Test("the service's re-check honours its own --timeout: unknown, never verified", arguments: StoreKind.allCases)
    func serviceTimeout(kind: StoreKind) throws {
        let s = try RegistrySandbox(kind)
        defer { s.remove() }
        let (server, url) = try serve(s, ["--timeout", "0.001"])
        defer { server.kill() }
        let r = try s.tpm(["publish", try s.package("ledger", specs: ["ledger.tspec": specText("Specs/kernel/ledger.tspec")]), "--registry", url])
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
