import Crypto
import Foundation
import TitanProver

/// A package as one file (`NAME-VERSION.titanpkg`): a JSON document listing every file with its
/// path, SHA-256 and content (base64), the bundle digest, and the publisher's signature.
///
/// The digest is the SHA-256 of the text made of one line `<sha256 hex>  <path>\n` per file,
/// sorted by path (byte order); the signature is Ed25519 over `titan-bundle-v1:<digest hex>`.
/// Only regular files exist in a bundle (entry type `file`); paths follow `BundlePath`.
public struct PackageBundle: Sendable, Equatable, Codable {
    public static let format = "titan-bundle-1"
    /// The largest bundle file accepted, in bytes (base64 and JSON included).
    public static let maxBytes = 8 * 1024 * 1024
    public static let maxFiles = 2000
    public static let fileExtension = "titanpkg"

    public var format: String
    public var files: [Entry]
    public var digest: String
    public var signature: Signature?

    public struct Entry: Sendable, Equatable, Codable {
        public var path: String
        public var type: String
        public var sha256: String
        public var content: Data
        public init(path: String, content: Data) {
            self.path = path; type = "file"; sha256 = sha256Hex(content); self.content = content
        }
    }

    public struct Signature: Sendable, Equatable, Codable {
        /// Raw Ed25519 public key, base64.
        public var publicKey: String
        /// Raw Ed25519 signature, base64.
        public var signature: String
    }

    public init(files: [Entry]) {
        format = Self.format
        self.files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        digest = Self.digest(of: self.files)
        signature = nil
    }

    public static func digest(of files: [Entry]) -> String {
        let sorted = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return sha256Hex(Data(sorted.map { "\($0.sha256)  \($0.path)\n" }.joined().utf8))
    }

    /// The bytes a publisher signs.
    public static func signedMessage(digest: String) -> Data { Data("titan-bundle-v1:\(digest)".utf8) }

    public func file(_ path: String) -> Entry? { files.first { $0.path == path } }

    public func encoded() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return try enc.encode(self)
    }

    /// Decodes a bundle and checks everything that needs no registry: size, format, paths, file
    /// hashes, the digest, and the signature against the key it names. Nothing else is trusted.
    public static func open(_ data: Data) throws -> PackageBundle {
        guard data.count <= maxBytes else {
            throw RegistryError.tooLarge("bundle is \(data.count) bytes; the limit is \(maxBytes) bytes")
        }
        let b: PackageBundle
        do {
            b = try JSONDecoder().decode(PackageBundle.self, from: data)
        } catch {
            throw RegistryError.malformedBundle("not a \(format) JSON document: \(describeDecodingError(error))")
        }
        guard b.format == format else { throw RegistryError.malformedBundle("format '\(printable(b.format))' is not \(format)") }
        // The signature first: what an unsigned or forged bundle holds is nobody's business, and
        // every check after it applies to content its signer vouched for.
        guard let s = b.signature else { throw RegistryError.badSignature("the bundle is not signed (tpm sign)") }
        try PublisherKey.verify(signature: s, message: signedMessage(digest: b.digest))
        // Then that the content is what was signed: each file's hash, and the digest of the list.
        for f in b.files where sha256Hex(f.content) != f.sha256 { throw RegistryError.tamperedFile(path: printable(f.path, limit: 600)) }
        let actual = digest(of: b.files)
        guard actual == b.digest else { throw RegistryError.digestMismatch(stated: b.digest, actual: actual) }
        guard !b.files.isEmpty else { throw RegistryError.malformedBundle("the bundle holds no files (it needs at least \(Manifest.fileName))") }
        guard b.files.count <= maxFiles else { throw RegistryError.tooLarge("\(b.files.count) files; the limit is \(maxFiles)") }
        var seen = Set<String>()
        for f in b.files {
            if let why = BundlePath.problem(f.path) { throw RegistryError.unsafePath(path: printable(f.path, limit: 600), reason: why) }
            guard f.type == "file" else {
                throw RegistryError.unsafePath(path: f.path, reason: "entry type '\(printable(f.type))': only regular files, no links")
            }
            guard seen.insert(f.path).inserted else { throw RegistryError.malformedBundle("'\(f.path)' appears twice") }
        }
        return b
    }

    /// Reads a package directory: the manifest, the specs it names, every certificate under
    /// `Proofs/`, and `include` (files or directories). Links are refused, not followed.
    public static func pack(directory: URL, include: [String] = []) throws -> (PackageBundle, Manifest) {
        let manifestURL = directory.appendingPathComponent(Manifest.fileName)
        guard let manifestData = FileManager.default.contents(atPath: manifestURL.path) else {
            throw RegistryError.malformedManifest("no \(Manifest.fileName) in \(directory.path) (tpm init writes one)")
        }
        let manifest = try Manifest.parse(String(decoding: manifestData, as: UTF8.self))
        var paths = [Manifest.fileName] + manifest.specs
        var roots = include
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Proofs").path) { roots.append("Proofs") }
        for root in roots {
            if let why = BundlePath.problem(root) { throw RegistryError.unsafePath(path: root, reason: why) }
            paths += try regularFiles(under: root, in: directory)
        }
        var entries: [Entry] = []
        var seen = Set<String>()
        var total = 0
        for path in paths where seen.insert(path).inserted {
            let url = directory.appendingPathComponent(path)
            try refuseLink(url, path: path)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw RegistryError.notFound("\(path) (named in the manifest or --include) cannot be read")
            }
            total += data.count
            guard total <= maxBytes else { throw RegistryError.tooLarge("the package's files exceed \(maxBytes) bytes") }
            entries.append(Entry(path: path, content: data))
        }
        return (PackageBundle(files: entries), manifest)
    }

    static func refuseLink(_ url: URL, path: String) throws {
        let attrs = try? FileManager.default.attributesOfItem(atPath: url.path)
        if attrs?[.type] as? FileAttributeType == .typeSymbolicLink {
            throw RegistryError.unsafePath(path: path, reason: "a symbolic link: bundles hold only regular files")
        }
    }

    /// A file itself, or the regular files under a directory (sorted), relative to `base`.
    static func regularFiles(under relative: String, in base: URL) throws -> [String] {
        let url = base.appendingPathComponent(relative)
        try refuseLink(url, path: relative)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw RegistryError.notFound("\(relative) does not exist in \(base.path)")
        }
        guard isDir.boolValue else { return [relative] }
        var out: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where !name.hasPrefix(".") {
            out += try regularFiles(under: relative + "/" + name, in: base)
        }
        return out
    }
}
