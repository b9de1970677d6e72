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
        // A point of small order verifies forged signatures (an all-zero key accepts an all-zero
        // signature of any message): nobody holds its private key, so nobody may sign with it.
        guard !hasSmallOrder(raw) else { throw RegistryError.badSignature("publicKey is a point of small order, which no private key stands behind") }
        guard let sig = Data(base64Encoded: s.signature), sig.count == 64 else {
            throw RegistryError.badSignature("signature is not a raw Ed25519 signature in base64 (64 bytes, 88 characters)")
        }
        guard key.isValidSignature(sig, for: message) else {
            throw RegistryError.badSignature("the signature does not match \(what) and the key")
        }
    }

    public static func publicKeyText(base64: String) -> String { publicPrefix + base64 }

    /// The encodings of the Ed25519 points of order 1, 2, 4 and 8 (libsodium's list; the sign
    /// bit is ignored, and the non-canonical p, p - 1, p + 1 are included).
    static let smallOrderPoints: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),
        [1] + [UInt8](repeating: 0, count: 31),
        [0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
         0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05],
        [0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
         0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a],
        [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
    ]

    static func hasSmallOrder(_ raw: Data) -> Bool {
        let b = [UInt8](raw)
        guard b.count == 32 else { return true }
        return smallOrderPoints.contains { p in (0..<31).allSatisfy { b[$0] == p[$0] } && (b[31] & 0x7f) == p[31] }
    }
}
