import Foundation

/// Picks one version per dependency, transitively: the highest version that matches the range,
/// is not yanked, and, for `proof = "required"`, is verified. A name required twice must be
/// satisfied by the version chosen first (no backtracking); otherwise resolution fails.
public struct Resolver: Sendable {
    public let registry: any RegistryClient
    public init(registry: any RegistryClient) { self.registry = registry }

    public func resolve(_ manifest: Manifest) async throws -> [LockedPackage] {
        var chosen: [String: LockedPackage] = [:]
        var order: [String] = []
        var queue = manifest.dependencies.map { ($0, manifest.name) }
        while !queue.isEmpty {
            let (dep, by) = queue.removeFirst()
            let what = "\(dep.name) \(dep.requirement)\(dep.proofRequired ? " (proof required)" : "") needed by \(by)"
            if let c = chosen[dep.name] {
                guard let v = SemanticVersion(c.version), dep.requirement.matches(v) else {
                    throw RegistryError.unresolvable("\(what) conflicts with \(c.name)@\(c.version), already chosen")
                }
                if dep.proofRequired && c.status != .verified {
                    throw RegistryError.proofRequired("\(what), but \(c.name)@\(c.version) is not verified")
                }
                continue
            }
            let all: [PackageVersionInfo]
            do {
                all = try await registry.versions(of: dep.name)
            } catch let e as RegistryError where e.code == "not-found" {
                throw RegistryError.unresolvable("\(what): no such package in the registry")
            }
            let matching = all.filter { !$0.yanked && (SemanticVersion($0.version).map(dep.requirement.matches) ?? false) }
                .sorted { SemanticVersion($0.version)! > SemanticVersion($1.version)! }
            guard let best = matching.first else {
                throw RegistryError.unresolvable("\(what): no version that is not yanked matches (published: \(all.map(\.version).joined(separator: ", ")))")
            }
            var pick = best
            if dep.proofRequired {
                guard let verified = matching.first(where: { $0.status == .verified }) else {
                    let why = best.reasons.isEmpty ? "" : ": " + best.reasons.joined(separator: "; ")
                    throw RegistryError.proofRequired("\(what), but no matching version is verified; \(best.name)@\(best.version) is \(best.status.rawValue)\(why)")
                }
                pick = verified
            }
            chosen[dep.name] = LockedPackage(name: pick.name, version: pick.version, digest: pick.digest, status: pick.status,
                                             checkedWith: pick.checkedWith, proofRequired: dep.proofRequired,
                                             provedProperties: pick.provedProperties)
            order.append(dep.name)
            queue += pick.dependencies.map { ($0, "\(pick.name)@\(pick.version)") }
        }
        return order.map { chosen[$0]! }
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
