import Foundation
import TitanIR

/// The registry itself, over a store (a SQLite file or a PostgreSQL database): embedded in
/// `tpm`, and behind `tpm serve`.
public struct LocalRegistry: RegistryClient {
    public let store: any RegistryStorage
    public var recheck: Recheck
    /// Told what is happening during a publish (`re-checking ...`), for a person watching.
    public var progress: (@Sendable (String) -> Void)?

    public init(store: any RegistryStorage, recheck: Recheck = Recheck(), progress: (@Sendable (String) -> Void)? = nil) {
        self.store = store; self.recheck = recheck; self.progress = progress
    }

    /// Every check that can refuse the bundle runs before the prover, and nothing is written
    /// until the single transaction that records the verdicts.
    public func publish(_ data: Data) async throws -> PackageVersionInfo { try await publish(data, progress: nil) }

    public func publish(_ data: Data, progress: (@Sendable (String) -> Void)?) async throws -> PackageVersionInfo {
        try await commit(try await prepare(data), progress: progress)
    }

    /// A bundle that passed every check that needs no prover.
    public struct PreparedPublish: Sendable {
        public var data: Data
        public var bundle: PackageBundle
        public var manifest: Manifest
        public var specs: [SpecFile]
        public var key: String
    }

    /// Opens the bundle and runs every check before the re-check: a refusal here is final and
    /// nothing has been written.
    public func prepare(_ data: Data) async throws -> PreparedPublish {
        let bundle = try PackageBundle.open(data)
        guard let manifestEntry = bundle.file(Manifest.fileName) else {
            throw RegistryError.malformedBundle("no \(Manifest.fileName) in the bundle")
        }
        guard let manifestText = String(data: manifestEntry.content, encoding: .utf8) else {
            throw RegistryError.malformedManifest("\(Manifest.fileName): not UTF-8 text")
        }
        let manifest = try Manifest.parse(manifestText)
        let key = bundle.signature!.publicKey
        if let owner = try await store.ownerKey(of: manifest.name), owner != key { throw RegistryError.ownerMismatch(name: manifest.name) }
        if let existing = try await store.existing(manifest.name, manifest.version) {
            throw RegistryError.conflict(RegistryStore.conflictMessage(manifest.name, manifest.version.description, existing: existing))
        }
        let specs = try Recheck.specs(of: bundle, manifest: manifest)
        return PreparedPublish(data: data, bundle: bundle, manifest: manifest, specs: specs, key: key)
    }

    /// Re-checks a prepared bundle and records it in one transaction. The prover runs on a
    /// thread of its own (it blocks for as long as it proves), off the cooperative threads.
    public func commit(_ p: PreparedPublish, progress extra: (@Sendable (String) -> Void)? = nil) async throws -> PackageVersionInfo {
        let id = "\(p.manifest.name)@\(p.manifest.version)"
        let own = progress
        let tell: @Sendable (String) -> Void = { line in own?(line); extra?(line) }
        tell("re-checking \(p.manifest.properties.count) claimed properties of \(id) (timeout \(recheck.timeoutSeconds) s per query)")
        let recheck = recheck
        let outcome = await onOwnThread { recheck.run(p.specs, claimed: p.manifest.properties, progress: tell) }
        return try await store.insert(manifest: p.manifest, bundle: p.bundle, bundleData: p.data, publisherKey: p.key, outcome: outcome)
    }

    public func search(_ query: String) async throws -> [PackageSummary] { try await store.search(query) }

    public func versions(of name: String) async throws -> [PackageVersionInfo] {
        let all = try await store.versions(of: name)
        if all.isEmpty { throw RegistryError.notFound("no package named '\(printable(name))'") }
        return all
    }

    public func version(_ name: String, _ version: String) async throws -> PackageVersionInfo {
        guard let v = try await store.version(name, version) else { throw RegistryError.notFound("\(printable(name))@\(printable(version)) is not published") }
        return v
    }

    public func bundle(_ name: String, _ version: String) async throws -> Data {
        guard let b = try await store.bundle(name, version) else { throw RegistryError.notFound("\(printable(name))@\(printable(version)) is not published") }
        return b
    }

    /// A signed request's checks: the key is an Ed25519 key, the signature covers `message`,
    /// and the sequence number is in range (the store checks it is new).
    static func checkSigned(_ signature: PackageBundle.Signature, _ message: Data, sequence: Int64) throws {
        guard (1...SignedAction.maxSequence).contains(sequence) else {
            throw RegistryError.invalidArgument("sequence must be an integer from 1 to \(SignedAction.maxSequence)")
        }
        try PublisherKey.verify(signature: signature, message: message, what: "the request")
    }

    func checkOwner(_ name: String, _ signature: PackageBundle.Signature, _ message: Data, sequence: Int64) async throws {
        try Self.checkSigned(signature, message, sequence: sequence)
        guard let owner = try await store.ownerKey(of: name) else { throw RegistryError.notFound("no package named '\(printable(name))'") }
        guard owner == signature.publicKey else { throw RegistryError.ownerMismatch(name: name) }
    }

    static func checkPrice(_ price: Int64) throws {
        guard (1...SignedAction.maxPrice).contains(price) else {
            throw RegistryError.invalidArgument("price must be an integer number of minor units from 1 to \(SignedAction.maxPrice)")
        }
    }

    public func yank(_ name: String, _ version: String, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try await checkOwner(name, signature, SignedAction.yank(name, version, sequence: sequence), sequence: sequence)
        try await store.yank(name, version, key: signature.publicKey, sequence: sequence)
        return try await self.version(name, version)
    }

    public func list(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try Self.checkPrice(price)
        try await checkOwner(name, signature, SignedAction.list(name, version, price: price, sequence: sequence), sequence: sequence)
        try await store.setPrice(name, version, price: price, key: signature.publicKey, sequence: sequence)
        return try await self.version(name, version)
    }

    public func buy(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> Purchase {
        try Self.checkPrice(price)
        try Self.checkSigned(signature, SignedAction.buy(name, version, price: price, sequence: sequence), sequence: sequence)
        return try await store.recordPurchase(name, version, buyerKey: signature.publicKey, price: price, sequence: sequence)
    }
}

/// Runs blocking work (the prover) on a thread of its own and awaits it, so no cooperative
/// thread or event loop waits while it runs.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { c in Thread.detachNewThread { c.resume(returning: work()) } }
}
