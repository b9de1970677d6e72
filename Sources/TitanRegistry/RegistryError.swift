import Foundation

/// Everything the registry or `tpm` refuses, with the precise reason. A rejected publish leaves
/// no trace in the store. `code` is stable: the HTTP API returns it, and the client maps it back.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedManifest(String)
    case malformedBundle(String)
    case unsafePath(path: String, reason: String)
    case tooLarge(String)
    case tamperedFile(path: String)
    /// The digest a bundle states is not the hash of its file list.
    case digestMismatch(stated: String, actual: String)
    case badSignature(String)
    case ownerMismatch(name: String)
    case specError(String)
    case unknownProperty([String])
    case conflict(String)
    case notFound(String)
    case notListed(String)
    /// A signed request whose sequence number is not above the last one the signer's key used:
    /// a replay, or a request signed before a later one.
    case staleSequence(String)
    /// The version exists but is not in a state that allows the request (listing an unverified
    /// or yanked version).
    case notEligible(String)
    case invalidArgument(String)
    case unresolvable(String)
    case proofRequired(String)
    case unavailable(String)
    /// An answer from a remote registry: its code, message and HTTP status.
    case remote(code: String, message: String, status: Int)

    public var code: String {
        switch self {
        case .malformedManifest: return "malformed-manifest"
        case .malformedBundle: return "malformed-bundle"
        case .unsafePath: return "unsafe-path"
        case .tooLarge: return "too-large"
        case .tamperedFile, .digestMismatch: return "tampered-file"
        case .badSignature: return "bad-signature"
        case .ownerMismatch: return "owner-mismatch"
        case .specError: return "spec-error"
        case .unknownProperty: return "unknown-property"
        case .conflict: return "conflict"
        case .notFound: return "not-found"
        case .notListed: return "not-listed"
        case .staleSequence: return "stale-sequence"
        case .notEligible: return "not-eligible"
        case .invalidArgument: return "invalid-argument"
        case .unresolvable: return "unresolvable"
        case .proofRequired: return "proof-required"
        case .unavailable: return "unavailable"
        case .remote(let code, _, _): return code
        }
    }

    public var description: String {
        switch self {
        case .malformedManifest(let m): return "malformed manifest: \(m)"
        case .malformedBundle(let m): return "malformed bundle: \(m)"
        case .unsafePath(let p, let why): return "unsafe path in bundle: '\(p)': \(why)"
        case .tooLarge(let m): return "too large: \(m)"
        case .tamperedFile(let p): return "tampered file: the SHA-256 of '\(p)' does not match the bundle's list"
        case .digestMismatch(let stated, let actual):
            return "tampered bundle: the stated digest '\(printable(stated))' is not the SHA-256 of the bundle's file list (\(actual))"
        case .badSignature(let m): return "bad signature: \(m)"
        case .ownerMismatch(let n): return "'\(n)' is registered to another publisher key; later versions must be signed by the key of the first publish"
        case .specError(let m): return "spec does not parse:\n\(m)"
        case .unknownProperty(let names): return "claimed propert\(names.count == 1 ? "y is" : "ies are") not in the specs: \(names.joined(separator: ", "))"
        case .conflict(let m): return "conflict: \(m)"
        case .notFound(let m): return "not found: \(m)"
        case .notListed(let m): return "not for sale: \(m)"
        case .staleSequence(let m): return "refused replay: \(m)"
        case .notEligible(let m): return "refused: \(m)"
        case .invalidArgument(let m): return m
        case .unresolvable(let m): return "cannot resolve dependencies: \(m)"
        case .proofRequired(let m): return "refused: \(m)"
        case .unavailable(let m): return "registry unavailable: \(m)"
        case .remote(_, let message, _): return message
        }
    }

    /// The HTTP status the service answers with.
    public var httpStatus: Int {
        switch self {
        case .malformedManifest, .malformedBundle, .unsafePath, .specError, .unknownProperty,
             .invalidArgument, .unresolvable, .proofRequired:
            return 422
        case .tooLarge: return 413
        // A tampered file or digest: the content is not what the key signed.
        case .badSignature, .ownerMismatch, .tamperedFile, .digestMismatch: return 403
        case .conflict, .notListed, .staleSequence, .notEligible: return 409
        case .notFound: return 404
        case .unavailable: return 503
        case .remote(_, _, let status): return status
        }
    }
}

/// A text from a request or a file as a message shows it: control characters escaped
/// (`\u{0}`), and cut after `limit` characters with the length said.
public func printable(_ text: String, limit: Int = 64) -> String {
    let cut = text.count > limit ? String(text.prefix(limit)) : text
    let escaped = cut.unicodeScalars.map { s -> String in
        (s.value < 0x20 || (0x7f...0x9f).contains(s.value)) ? "\\u{\(String(s.value, radix: 16))}" : String(s)
    }.joined()
    return text.count > limit ? escaped + "... (\(text.count) characters)" : escaped
}
