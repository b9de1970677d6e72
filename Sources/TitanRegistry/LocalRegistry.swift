import Foundation

/// The registry itself, over a store file: embedded in `tpm`, and behind `tpm serve`.
public struct LocalRegistry: RegistryClient {
    public let store: RegistryStore
    public var recheck: Recheck
    /// Told what is happening during a publish (`re-checking ...`), for a person watching.
    public var progress: (@Sendable (String) -> Void)?

    public init(store: RegistryStore, recheck: Recheck = Recheck(), progress: (@Sendable (String) -> Void)? = nil) {
        self.store = store; self.recheck = recheck; self.progress = progress
    }

    /// Every check that can refuse the bundle runs before the prover, and nothing is written
    /// until the single transaction that records the verdicts.
    public func publish(_ data: Data) async throws -> PackageVersionInfo { try publishNow(data) }

    /// `publish`, synchronously: the server runs it on a thread of its own, since proving blocks.
    public func publishNow(_ data: Data) throws -> PackageVersionInfo {
        let bundle = try PackageBundle.open(data)
        guard let manifestEntry = bundle.file(Manifest.fileName) else {
            throw RegistryError.malformedBundle("no \(Manifest.fileName) in the bundle")
        }
        let manifest = try Manifest.parse(String(decoding: manifestEntry.content, as: UTF8.self))
        let key = bundle.signature!.publicKey
        if let owner = try store.ownerKey(of: manifest.name), owner != key { throw RegistryError.ownerMismatch(name: manifest.name) }
        let id = "\(manifest.name)@\(manifest.version)"
        if try store.exists(manifest.name, manifest.version.description) {
            throw RegistryError.conflict("\(id) is already published; versions are immutable (yank it and publish a new version)")
        }
        let specs = try Recheck.specs(of: bundle, manifest: manifest)
        progress?("re-checking \(manifest.properties.count) claimed properties of \(id) (timeout \(recheck.timeoutSeconds) s per query)")
        let outcome = recheck.run(specs, claimed: manifest.properties)
        return try store.insert(manifest: manifest, bundle: bundle, bundleData: data, publisherKey: key, outcome: outcome)
    }

    public func search(_ query: String) async throws -> [PackageSummary] { try store.search(query) }

    public func versions(of name: String) async throws -> [PackageVersionInfo] {
        let all = try store.versions(of: name)
        if all.isEmpty { throw RegistryError.notFound("no package named '\(name)'") }
        return all
    }

    public func version(_ name: String, _ version: String) async throws -> PackageVersionInfo {
        guard let v = try store.version(name, version) else { throw RegistryError.notFound("\(name)@\(version)") }
        return v
    }

    public func bundle(_ name: String, _ version: String) async throws -> Data {
        guard let b = try store.bundle(name, version) else { throw RegistryError.notFound("\(name)@\(version)") }
        return b
    }

    func checkOwner(_ name: String, _ signature: PackageBundle.Signature, _ message: Data) throws {
        guard let owner = try store.ownerKey(of: name) else { throw RegistryError.notFound("no package named '\(name)'") }
        guard owner == signature.publicKey else { throw RegistryError.ownerMismatch(name: name) }
        try PublisherKey.verify(signature: signature, message: message)
    }

    public func yank(_ name: String, _ version: String, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try checkOwner(name, signature, OwnerAction.yank(name, version))
        try store.yank(name, version)
        return try await self.version(name, version)
    }

    public func list(_ name: String, _ version: String, price: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        _ = try MarketplaceSplit(price: price)
        try checkOwner(name, signature, OwnerAction.list(name, version, price: price))
        let v = try await self.version(name, version)
        guard v.status == .verified else { throw RegistryError.invalidArgument("\(name)@\(version) is not verified; only verified packages can be listed") }
        guard !v.yanked else { throw RegistryError.invalidArgument("\(name)@\(version) is yanked") }
        try store.setPrice(name, version, price: price)
        return try await self.version(name, version)
    }

    public func buy(_ name: String, _ version: String, buyer: String) async throws -> Purchase {
        guard (1...128).contains(buyer.count), buyer.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ":_-.".contains($0)) }) else {
            throw RegistryError.invalidArgument("--buyer must be 1 to 128 letters, digits or ':_-.' (an address)")
        }
        let v = try await self.version(name, version)
        guard v.status == .verified, !v.yanked, let price = v.price else {
            throw RegistryError.notListed("\(name)@\(version) has no listing price (tpm list) or is not verified or is yanked")
        }
        return try store.recordPurchase(name, version, buyer: buyer, split: try MarketplaceSplit(price: price))
    }
}
