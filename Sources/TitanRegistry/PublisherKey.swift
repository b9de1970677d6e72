import Crypto
import Foundation

/// A publisher's Ed25519 key pair. The private key file holds `titan-ed25519-private:<base64>`
/// and is created with permissions 0600; the public key is shared as `ed25519:<base64>`.
public struct PublisherKey {
    public let privateKey: Curve25519.Signing.PrivateKey

    public init() { privateKey = Curve25519.Signing.PrivateKey() }

    static let privatePrefix = "titan-ed25519-private:"
    public static let publicPrefix = "ed25519:"

    /// `ed25519:<base64>` of the public key.
    public var publicKeyText: String { Self.publicPrefix + privateKey.publicKey.rawRepresentation.base64EncodedString() }

    /// Writes the private key to a new file readable only by its owner; refuses to overwrite one.
    public func write(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw RegistryError.invalidArgument("\(path) exists; refusing to overwrite a key")
        }
        let text = Self.privatePrefix + privateKey.rawRepresentation.base64EncodedString() + "\n"
        // Created 0600 from the start, so the key is never readable by others, even briefly.
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw RegistryError.invalidArgument("cannot write \(path)")
        }
    }

    public static func load(_ path: String) throws -> PublisherKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw RegistryError.invalidArgument("cannot read key \(path)") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(privatePrefix), let raw = Data(base64Encoded: String(text.dropFirst(privatePrefix.count))),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw RegistryError.invalidArgument("\(path) is not a tpm private key (tpm keygen writes one)")
        }
        return PublisherKey(key)
    }

    init(_ key: Curve25519.Signing.PrivateKey) { privateKey = key }

    public func sign(_ message: Data) throws -> PackageBundle.Signature {
        PackageBundle.Signature(publicKey: privateKey.publicKey.rawRepresentation.base64EncodedString(),
                                signature: try privateKey.signature(for: message).base64EncodedString())
    }

    /// Checks a signature against the public key it names.
    /// `what` names what was signed, for the message ("the bundle digest", "the request").
    public static func verify(signature s: PackageBundle.Signature, message: Data, what: String = "the bundle digest") throws {
        guard let raw = Data(base64Encoded: s.publicKey), raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw RegistryError.badSignature("publicKey is not a raw Ed25519 public key in base64 (32 bytes, 44 characters)")
        }
        guard let sig = Data(base64Encoded: s.signature), sig.count == 64 else {
            throw RegistryError.badSignature("signature is not a raw Ed25519 signature in base64 (64 bytes, 88 characters)")
        }
        guard key.isValidSignature(sig, for: message) else {
            throw RegistryError.badSignature("the signature does not match \(what) and the key")
        }
    }

    public static func publicKeyText(base64: String) -> String { publicPrefix + base64 }
}
