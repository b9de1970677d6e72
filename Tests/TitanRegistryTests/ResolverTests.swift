import Foundation
import TitanTestSupport
import Testing
@testable import TitanRegistry

/// A registry that only answers which versions of a name exist.
struct FakeRegistry: RegistryClient {
    var packages: [String: [PackageVersionInfo]]
    func versions(of name: String) async throws -> [PackageVersionInfo] {
        guard let v = packages[name] else { throw RegistryError.notFound("no package \(name)") }
        return v
    }
    func publish(_ bundle: Data) async throws -> PackageVersionInfo { throw RegistryError.unavailable("fake") }
    func search(_ query: String) async throws -> [PackageSummary] { throw RegistryError.unavailable("fake") }
    func version(_ name: String, _ version: String) async throws -> PackageVersionInfo { throw RegistryError.unavailable("fake") }
    func bundle(_ name: String, _ version: String) async throws -> Data { throw RegistryError.unavailable("fake") }
    func yank(_ name: String, _ version: String, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo { throw RegistryError.unavailable("fake") }
    func list(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo { throw RegistryError.unavailable("fake") }
    func buy(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> Purchase { throw RegistryError.unavailable("fake") }
}

@Suite("Dependency resolution", .watched)
struct ResolverTests {
    static func dep(_ name: String, _ req: String, proof: Bool = false) -> Manifest.Dependency {
        Manifest.Dependency(name: name, requirement: VersionRequirement(req)!, proofRequired: proof)
    }

    static func version(_ name: String, _ v: String, _ deps: [Manifest.Dependency] = [], verified: Bool = true, yanked: Bool = false) -> PackageVersionInfo {
        PackageVersionInfo(name: name, version: v, digest: "\(name)-\(v)", publisherKey: "ed25519:x", status: verified ? .verified : .unverified,
                           reasons: verified ? [] : ["a claimed property was refuted"], checkedWith: "titan; z3", publishedAt: "2026-11-22",
                           yanked: yanked, price: nil, dependencies: deps, targets: [], verdicts: [])
    }

    static func manifest(_ deps: [Manifest.Dependency]) throws -> Manifest {
        var m = try Manifest.parse(Manifest.template(name: "app", specs: [], properties: []))
        m.dependencies = deps
        return m
    }

    static func resolve(_ registry: FakeRegistry, _ deps: [Manifest.Dependency], maxSteps: Int = 10_000) async throws -> [String] {
        try await Resolver(registry: registry, maxSteps: maxSteps).resolve(try manifest(deps)).map { "\($0.name)@\($0.version)" }
    }

    @Test("the newest matching versions are chosen when they fit together")
    func newestFirst() async throws {
        let r = FakeRegistry(packages: [
            "a": [Self.version("a", "1.2.0", [Self.dep("c", "^1.0")]), Self.version("a", "1.1.0")],
            "c": [Self.version("c", "1.4.0"), Self.version("c", "1.3.0"), Self.version("c", "2.0.0")],
        ])
        #expect(try await Self.resolve(r, [Self.dep("a", "^1.0")]) == ["a@1.2.0", "c@1.4.0"])
    }

    @Test("a conflict further down backs up to an older version of an earlier choice")
    func backtracks() async throws {
        // The newest a needs c 2.x, but the app needs c 1.x: only a 1.0.0 fits.
        let r = FakeRegistry(packages: [
            "a": [Self.version("a", "1.1.0", [Self.dep("c", "^2.0")]), Self.version("a", "1.0.0", [Self.dep("c", "^1.0")])],
            "c": [Self.version("c", "2.1.0"), Self.version("c", "1.5.0")],
        ])
        #expect(try await Self.resolve(r, [Self.dep("a", "^1.0"), Self.dep("c", "^1.0")]) == ["a@1.0.0", "c@1.5.0"])
    }

    @Test("a later proof requirement backs up to a verified version")
    func backtracksToVerified() async throws {
        let r = FakeRegistry(packages: [
            "lib": [Self.version("lib", "1.1.0", verified: false), Self.version("lib", "1.0.0")],
            "b": [Self.version("b", "1.0.0", [Self.dep("lib", "^1.0", proof: true)])],
        ])
        #expect(try await Self.resolve(r, [Self.dep("lib", "^1.0"), Self.dep("b", "^1.0")]) == ["lib@1.0.0", "b@1.0.0"])
    }

    @Test("with no solution, the first conflict on the newest-first path is reported")
    func reportsFirstConflict() async throws {
        let r = FakeRegistry(packages: [
            "a": [Self.version("a", "1.0.0", [Self.dep("c", "^2.0")])],
            "c": [Self.version("c", "2.0.0"), Self.version("c", "1.0.0")],
        ])
        do {
            _ = try await Self.resolve(r, [Self.dep("c", "^1.0"), Self.dep("a", "^1.0")])
            Issue.record("resolved a set with no solution")
        } catch let e as RegistryError {
            #expect(e.code == "unresolvable")
            #expect("\(e)".contains("c ^2.0 needed by a@1.0.0 conflicts with c@1.0.0, already chosen"), "\(e)")
        }
    }

    @Test("missing packages, yanked-only ranges and unverified-only ranges keep their own errors")
    func errors() async throws {
        let r = FakeRegistry(packages: [
            "y": [Self.version("y", "1.0.0", yanked: true)],
            "u": [Self.version("u", "1.0.0", verified: false)],
        ])
        await #expect(throws: RegistryError.self) { try await Self.resolve(r, [Self.dep("nope", "^1.0")]) }
        do { _ = try await Self.resolve(r, [Self.dep("y", "^1.0")]); Issue.record("resolved a yanked-only range") } catch let e as RegistryError {
            #expect(e.code == "unresolvable" && "\(e)".contains("no version that is not yanked matches"), "\(e)")
        }
        do { _ = try await Self.resolve(r, [Self.dep("u", "^1.0", proof: true)]); Issue.record("resolved an unverified-only range") } catch let e as RegistryError {
            #expect(e.code == "proof-required" && "\(e)".contains("no matching version is verified"), "\(e)")
        }
    }

    @Test("the search is bounded: a hopeless graph ends with an error, not a hang")
    func bounded() async throws {
        // Each of 30 versions of a pulls in b, whose every version conflicts with the app's c.
        let aVersions = (0..<30).map { Self.version("a", "1.\($0).0", [Self.dep("b", "^1.0")]) }
        let bVersions = (0..<30).map { Self.version("b", "1.\($0).0", [Self.dep("c", "^2.0")]) }
        let r = FakeRegistry(packages: ["a": aVersions, "b": bVersions, "c": [Self.version("c", "1.0.0"), Self.version("c", "2.0.0")]])
        do {
            _ = try await Self.resolve(r, [Self.dep("c", "^1.0"), Self.dep("a", "^1.0")], maxSteps: 100)
            Issue.record("resolved a set with no solution")
        } catch let e as RegistryError {
            #expect("\(e)".contains("gave up after trying 100 versions"), "\(e)")
        }
    }
}
