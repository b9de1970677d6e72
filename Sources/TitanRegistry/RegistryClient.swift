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
    /// Owner-signed operations: the signature covers `OwnerAction.message`.
    func yank(_ name: String, _ version: String, signature: PackageBundle.Signature) async throws -> PackageVersionInfo
    func list(_ name: String, _ version: String, price: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo
    func buy(_ name: String, _ version: String, buyer: String) async throws -> Purchase
}

/// What an owner signs to yank or price a version, so only the name's key can do it.
public enum OwnerAction {
    public static func yank(_ name: String, _ version: String) -> Data { Data("titan-yank-v1:\(name)@\(version)".utf8) }
    public static func list(_ name: String, _ version: String, price: Int64) -> Data { Data("titan-list-v1:\(name)@\(version):\(price)".utf8) }
}

/// Opens the registry a `--registry` value names: an `http://` URL, or a store file path.
public func openRegistry(_ location: String?, recheck: Recheck = Recheck(), progress: (@Sendable (String) -> Void)? = nil) throws -> any RegistryClient {
    let location = location ?? RegistryStore.defaultPath
    if location.hasPrefix("http://") || location.hasPrefix("https://") {
        guard let url = URL(string: location) else { throw RegistryError.invalidArgument("--registry \(location) is not a URL") }
        return HTTPRegistryClient(base: url)
    }
    return LocalRegistry(store: try RegistryStore(path: location), recheck: recheck, progress: progress)
}
