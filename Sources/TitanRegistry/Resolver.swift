import Foundation

/// Picks one version per dependency, transitively: for each name, a version that matches every
/// range asking for it, is not yanked, and is verified where any dependent says
/// `proof = "required"`. Newer versions are tried first; when a choice leads to a conflict
/// further down, the search backs up and tries the next version of the most recent choice
/// (depth-first, like Cargo's resolver without its conflict caching). With no solution, the
/// first conflict met on the newest-first path is reported.
public struct Resolver: Sendable {
    public let registry: any RegistryClient
    /// The most candidate versions the search may try before giving up.
    public let maxSteps: Int
    public init(registry: any RegistryClient, maxSteps: Int = 10_000) { self.registry = registry; self.maxSteps = maxSteps }

    /// A dependency still to be satisfied, and who asked for it.
    struct Pending {
        var dependency: Manifest.Dependency
        var by: String
        var description: String {
            "\(dependency.name) \(dependency.requirement)\(dependency.proofRequired ? " (proof required)" : "") needed by \(by)"
        }
    }

    /// One search: the registry's answers are fetched once per name.
    final class Search {
        let registry: any RegistryClient
        var versions: [String: [PackageVersionInfo]] = [:]
        var firstFailure: RegistryError?
        var steps = 0
        let maxSteps: Int
        init(registry: any RegistryClient, maxSteps: Int) { self.registry = registry; self.maxSteps = maxSteps }

        var missing = Set<String>()

        /// Every version of a name; nil when the registry has no such package.
        func versions(of name: String) async throws -> [PackageVersionInfo]? {
            if let v = versions[name] { return v }
            if missing.contains(name) { return nil }
            do {
                let all = try await registry.versions(of: name)
                versions[name] = all
                return all
            } catch let e as RegistryError where e.code == "not-found" {
                missing.insert(name)
                return nil
            }
        }

        /// Records a dead end; the search goes on.
        func fail(_ e: RegistryError) -> [LockedPackage]? {
            if firstFailure == nil { firstFailure = e }
            return nil
        }
    }

    public func resolve(_ manifest: Manifest) async throws -> [LockedPackage] {
        let search = Search(registry: registry, maxSteps: maxSteps)
        let pending = manifest.dependencies.map { Pending(dependency: $0, by: manifest.name) }
        guard let chosen = try await solve(pending[...], chosen: [:], order: [], search: search) else {
            throw search.firstFailure ?? RegistryError.unresolvable("no set of versions satisfies every dependency")
        }
        return chosen
    }

    /// Satisfies `pending` in order, given the choices so far; nil when no extension works.
    func solve(_ pending: ArraySlice<Pending>, chosen: [String: LockedPackage], order: [String],
               search: Search) async throws -> [LockedPackage]? {
        var pending = pending
        // Requirements on names already chosen are checked, not searched.
        while let p = pending.first, let c = chosen[p.dependency.name] {
            guard let v = SemanticVersion(c.version), p.dependency.requirement.matches(v) else {
                return search.fail(.unresolvable("\(p.description) conflicts with \(c.name)@\(c.version), already chosen"))
            }
            if p.dependency.proofRequired && c.status != .verified {
                return search.fail(.proofRequired("\(p.description), but \(c.name)@\(c.version) is not verified"))
            }
            pending = pending.dropFirst()
        }
        guard let p = pending.first else { return order.map { chosen[$0]! } }
        let dep = p.dependency
        guard let all = try await search.versions(of: dep.name) else {
            return search.fail(.unresolvable("\(p.description): no such package in the registry"))
        }
        let matching = all.filter { !$0.yanked && (SemanticVersion($0.version).map(dep.requirement.matches) ?? false) }
            .sorted { RegistryStore.newerFirst($0.version, $1.version) }
        guard let best = matching.first else {
            return search.fail(.unresolvable("\(p.description): no version that is not yanked matches (published: \(all.map(\.version).joined(separator: ", ")))"))
        }
        var candidates = matching
        if dep.proofRequired {
            candidates = matching.filter { $0.status == .verified }
            if candidates.isEmpty {
                let why = best.reasons.isEmpty ? "" : ": " + best.reasons.joined(separator: "; ")
                return search.fail(.proofRequired("\(p.description), but no matching version is verified; \(best.name)@\(best.version) is \(best.status.rawValue)\(why)"))
            }
        }
        for pick in candidates {
            search.steps += 1
            guard search.steps <= search.maxSteps else {
                throw RegistryError.unresolvable("gave up after trying \(search.maxSteps) versions; \(search.firstFailure.map { "first conflict: \($0)" } ?? "no conflict found yet")")
            }
            var next = chosen
            next[dep.name] = LockedPackage(name: pick.name, version: pick.version, digest: pick.digest, status: pick.status,
                                           checkedWith: pick.checkedWith, proofRequired: dep.proofRequired,
                                           provedProperties: pick.provedProperties)
            let more = pick.dependencies.map { Pending(dependency: $0, by: "\(pick.name)@\(pick.version)") }
            if let done = try await solve(pending.dropFirst() + more, chosen: next, order: order + [dep.name], search: search) {
                return done
            }
        }
        return nil
    }
}

/// One installed package as the lock file records it.
public struct LockedPackage: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var digest: String
    public var status: VerificationStatus
    public var checkedWith: String
    public var proofRequired: Bool
    public var provedProperties: [String]
}

/// `package.titan.lock`: what `tpm install` chose, for `tpm audit` to look at again later.
public struct Lockfile: Codable, Sendable, Equatable {
    public static let fileName = "package.titan.lock"
    public var lockVersion = 1
    public var packages: [LockedPackage]

    public init(packages: [LockedPackage]) { self.packages = packages }

    public static func read(_ dir: URL) throws -> Lockfile {
        let url = dir.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RegistryError.notFound("no \(fileName) in \(dir.path) (tpm install writes one)")
        }
        do { return try JSONDecoder().decode(Lockfile.self, from: data) } catch {
            throw RegistryError.invalidArgument("\(url.path) is not a lock file: \(error)")
        }
    }

    public func write(_ dir: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(self).write(to: dir.appendingPathComponent(Self.fileName), options: .atomic)
    }
}

/// Why an installed package's verification can no longer be relied on (`tpm audit`).
public enum Staleness {
    public static func reasons(locked: LockedPackage, current: PackageVersionInfo?, checkedWith: String = Recheck.checkedWith) -> [String] {
        guard let current else { return ["no longer in the registry"] }
        var out: [String] = []
        if current.digest != locked.digest { out.append("bundle digest changed (\(locked.digest.prefix(12)) -> \(current.digest.prefix(12)))") }
        if current.yanked { out.append("yanked") }
        if current.status != .verified { out.append("failed re-check" + (current.reasons.isEmpty ? "" : ": " + current.reasons.joined(separator: "; "))) }
        if current.checkedWith != checkedWith { out.append("checked with \(current.checkedWith); the current prover is \(checkedWith) (tpm verify re-checks it)") }
        return out
    }
}
