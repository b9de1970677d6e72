import Foundation
import TitanTestSupport
import Testing
@testable import TitanRegistry

/// Search reads a summary per name straight from the store; it must say what the full records
/// say: each name's newest version that is not yanked, with that version's proved claims.
@Suite("Registry search", .watched)
struct RegistrySearchTests {
    static let spec = """
    model Counter {
      state n: uint8
      action bump() { n = n == 255 ? 255 : n + 1 }
      invariant bounded: n <= 255
      invariant small: n < 3
    }
    """

    /// Publishes `name@version` claiming both invariants (`small` is refuted, so the version
    /// is unverified) or only `bounded` (verified).
    func publish(_ registry: LocalRegistry, _ dir: URL, _ name: String, _ version: String, claimRefuted: Bool, key: PublisherKey) async throws {
        let package = dir.appendingPathComponent("\(name)-\(version)")
        try FileManager.default.createDirectory(at: package.appendingPathComponent("specs"), withIntermediateDirectories: true)
        try RegistrySearchTests.spec.write(to: package.appendingPathComponent("specs/counter.tspec"), atomically: true, encoding: .utf8)
        let claims = claimRefuted ? ["Counter.bounded", "Counter.small"] : ["Counter.bounded"]
        try Manifest.template(name: name, specs: ["specs/counter.tspec"], properties: claims)
            .replacingOccurrences(of: "version = \"0.1.0\"", with: "version = \"\(version)\"")
            .write(to: package.appendingPathComponent(Manifest.fileName), atomically: true, encoding: .utf8)
        var (bundle, _) = try PackageBundle.pack(directory: package)
        bundle.signature = try key.sign(PackageBundle.signedMessage(digest: bundle.digest))
        _ = try await registry.publish(try bundle.encoded())
    }

    @Test("versions are ordered newest first by semantic version, and strictly, even where two compare equal")
    func versionOrder() {
        #expect(RegistryStore.newerFirst("0.10.0", "0.9.0") && !RegistryStore.newerFirst("0.9.0", "0.10.0"))
        #expect(RegistryStore.newerFirst("1.0.0", "1.0.0-rc.1"))
        // Numeric prerelease identifiers take no leading zeros, so no two texts name one version;
        // texts that are not versions still get a fixed place.
        #expect(SemanticVersion("1.0.0-01") == nil && SemanticVersion("1.0.0-0") != nil && SemanticVersion("1.0.0-0a1") != nil)
        #expect(RegistryStore.newerFirst("1.0.0-1", "1.0.0-01") != RegistryStore.newerFirst("1.0.0-01", "1.0.0-1"))
        #expect(RegistryStore.newerFirst("not-a-version", "also-not") != RegistryStore.newerFirst("also-not", "not-a-version"))
        #expect(!RegistryStore.newerFirst("2.0.0", "2.0.0"))
    }

    @Test("each name's newest version that is not yanked, with its proved claims, as the full records say", arguments: StoreKind.allCases)
    func agreesWithFullRecords(kind: StoreKind) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("titan-search-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let registry = LocalRegistry(store: try await openStore(kind.newStore(in: dir)), recheck: Recheck(jobs: 1))
        let key = PublisherKey()
        // counter: 0.9.0 is newest but yanked, 0.10.0 sorts above 0.2.0 as a version, not as text.
        for (v, refuted) in [("0.2.0", false), ("0.10.0", true), ("0.9.0", false), ("0.11.0", false)] {
            try await publish(registry, dir, "counter", v, claimRefuted: refuted, key: key)
        }
        try await registry.store.yank("counter", "0.11.0")
        try await publish(registry, dir, "gone", "1.0.0", claimRefuted: false, key: key)
        try await registry.store.yank("gone", "1.0.0")
        try await publish(registry, dir, "tally", "1.0.0", claimRefuted: false, key: key)

        for query in ["", "count", "TALLY", "o", "zzz"] {
            let found = try await registry.search(query)
            var expected: [PackageSummary] = []
            for name in ["counter", "gone", "tally"] where name.contains(query.lowercased()) || query.isEmpty {
                guard let v = try await registry.store.versions(of: name).first(where: { !$0.yanked }) else { continue }
                expected.append(PackageSummary(name: name, latest: v.version, status: v.status, provedProperties: v.provedProperties, price: v.price))
            }
            #expect(found == expected, "query '\(query)'")
        }
        let all = try await registry.search("")
        #expect(all.map { "\($0.name)@\($0.latest)" } == ["counter@0.10.0", "tally@1.0.0"])
        #expect(all.first?.status == .unverified && all.first?.provedProperties == ["Counter.bounded"])
    }
}

/// Several `tpm` processes may open one new store at the same moment (two publishes, a
/// publish and `tpm serve`); none of them may fail for it.
@Suite("Registry store opening", .watched)
struct RegistryStoreOpeningTests {
    @Test("concurrent opens of a new store all succeed")
    func concurrentOpens() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("titan-open-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var messages: [String] = []
            func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
        }
        let failures = Failures()
        for round in 0..<25 {
            let path = dir.appendingPathComponent("r\(round).sqlite").path
            // Opening (and migrating) is synchronous: six threads race on one new file.
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do { _ = try RegistryStore(path: path) } catch { failures.add("\(error)") }
            }
            do { _ = try await RegistryStore(path: path).counts() } catch { failures.add("\(error)") }
        }
        #expect(failures.messages.isEmpty, "\(failures.messages.prefix(3))")
    }
}
