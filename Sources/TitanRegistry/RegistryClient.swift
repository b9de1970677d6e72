import Foundation

/// What `tpm` asks of a registry, embedded (`LocalRegistry`) or over HTTP (`HTTPRegistryClient`).
public protocol RegistryClient: Sendable {
    /// Checks, re-proves and records a signed bundle; returns the recorded version.
    func publish(_ bundle: Data) async throws -> PackageVersionInfo
    func search(_ query: String) async throws -> [PackageSummary]
    /// Every version of a name, newest first.
    func versions(of name: String) async throws -> [PackageVersionInfo]
    func version(_ name: String, _ version: String) async throws -> PackageVersionInfo
    func bundle(_ name: String, _ version: String) async throws -> Data
    /// Owner-signed operations: the signature covers `SignedAction.yank` / `.list`.
    func yank(_ name: String, _ version: String, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo
    func list(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo
    /// Buyer-signed: the signature covers `SignedAction.buy`; the buyer is the signing key.
    func buy(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> Purchase
    /// Re-checks and records a bundle, telling `progress` what the prover is doing as it goes.
    func publish(_ bundle: Data, progress: (@Sendable (String) -> Void)?) async throws -> PackageVersionInfo
}

extension RegistryClient {
    public func publish(_ bundle: Data, progress: (@Sendable (String) -> Void)?) async throws -> PackageVersionInfo { try await publish(bundle) }
}

/// The messages a key signs to act on a version: an owner to yank or price it, a buyer to buy
/// it. Each carries a sequence number the registry requires to be greater than every one that
/// key has used before (per key, across its requests), so a request sent again is refused.
/// `tpm` uses the current time in milliseconds.
public enum SignedAction {
    /// The largest sequence number (2^53 - 1, exact in every JSON implementation).
    public static let maxSequence: Int64 = 9_007_199_254_740_991
    /// The largest price in minor units (as `maxSequence`).
    public static let maxPrice: Int64 = 9_007_199_254_740_991

    public static func yank(_ name: String, _ version: String, sequence: Int64) -> Data {
        Data("titan-yank-v2:\(name)@\(version):\(sequence)".utf8)
    }
    public static func list(_ name: String, _ version: String, price: Int64, sequence: Int64) -> Data {
        Data("titan-list-v2:\(name)@\(version):\(price):\(sequence)".utf8)
    }
    public static func buy(_ name: String, _ version: String, price: Int64, sequence: Int64) -> Data {
        Data("titan-buy-v1:\(name)@\(version):\(price):\(sequence)".utf8)
    }

    /// A fresh sequence number: milliseconds since 1970, strictly increasing within this process.
    public static func nextSequence() -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        lock.lock(); defer { lock.unlock() }
        last = max(now, last + 1)
        return last
    }
    nonisolated(unsafe) static var last: Int64 = 0
    static let lock = NSLock()
}

/// Opens the registry a `--registry` value names: an `http://` URL, a `postgresql://` database
/// URL, or a store file path.
public func openRegistry(_ location: String?, recheck: Recheck = Recheck(), progress: (@Sendable (String) -> Void)? = nil) async throws -> any RegistryClient {
    let location = location ?? RegistryStore.defaultPath
    if location.hasPrefix("http://") || location.hasPrefix("https://") {
        guard let url = URL(string: location) else { throw RegistryError.invalidArgument("--registry \(location) is not a URL") }
        return HTTPRegistryClient(base: url)
    }
    return LocalRegistry(store: try await openStore(location), recheck: recheck, progress: progress)
}
