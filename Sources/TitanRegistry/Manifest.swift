import Foundation
import TOMLKit

/// `package.titan.toml`: what a package is, what it depends on, which chains it targets, and
/// which properties its specs claim. Its `verified` key is read but never trusted: the
/// registry computes verification itself.
public struct Manifest: Sendable, Equatable, Codable {
    public static let fileName = "package.titan.toml"

    public var name: String
    public var version: SemanticVersion
    /// What the publisher wrote; informational only.
    public var declaredVerified: Bool?
    public var dependencies: [Dependency]
    public var targets: [Target]
    /// Spec files, relative to the package root.
    public var specs: [String]
    /// Claimed properties as `Model.property`.
    public var properties: [String]

    public struct Dependency: Sendable, Equatable, Codable {
        public var name: String
        public var requirement: VersionRequirement
        /// `proof = "required"`: install refuses a version that is not verified.
        public var proofRequired: Bool
    }

    public struct Target: Sendable, Equatable, Codable {
        public var chain: String
        public var features: [String]
    }

    public static let chains: Set<String> = ["solana", "evm", "ton", "bitcoin", "wasm"]

    /// What a package name looks like, for messages.
    public static let nameFormat = "lowercase letters, digits, '-' and '_', starting with a letter or digit; at most 64 characters"

    /// Package names: lowercase letters, digits and `-`/`_`, starting with a letter or digit.
    public static func isValidName(_ n: String) -> Bool {
        guard (1...64).contains(n.count), let first = n.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return n.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Parses and checks a manifest. Every error names the key and its line.
    public static func parse(_ text: String, file: String = Manifest.fileName) throws -> Manifest {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw RegistryError.malformedManifest("\(file):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        }
        let lines = ManifestLines(text: text, file: file)
        if let f = ManifestStrings.firstControlCharacter(in: text) {
            let what = lines.key(onLine: f.line).map { "\($0): " } ?? ""
            throw RegistryError.malformedManifest("\(file):\(f.line): \(what)a string holds the control character U+\(String(format: "%04X", f.scalar)); manifest strings must be printable text (no control characters, tabs or newlines)")
        }
        func fail(_ table: String?, _ key: String, _ message: String) -> RegistryError {
            .malformedManifest("\(lines.location(table: table, key: key)): \(table.map { "\($0)." } ?? "")\(key): \(message)")
        }
        func table(_ key: String, required: Bool) throws -> TOMLTable? {
            guard let v = root[key] else {
                if required { throw RegistryError.malformedManifest("\(file): missing table [\(key)]") }
                return nil
            }
            guard let t = v.table else { throw fail(nil, key, "must be a table") }
            return t
        }
        for key in root.keys where !["package", "dependencies", "targets", "proofs"].contains(key) {
            throw fail(nil, key, "unknown table (expected package, dependencies, targets, proofs)")
        }

        let package = try table("package", required: true)!
        for key in package.keys where !["name", "version", "verified", "description", "license"].contains(key) {
            throw fail("package", key, "unknown key")
        }
        guard let name = package["name"]?.string else { throw fail("package", "name", "missing or not a string") }
        guard isValidName(name) else { throw fail("package", "name", "'\(printable(name))' is not a package name (\(nameFormat))") }
        guard let versionText = package["version"]?.string else { throw fail("package", "version", "missing or not a string") }
        guard let version = SemanticVersion(versionText) else { throw fail("package", "version", SemanticVersion.message(versionText)) }
        var declared: Bool?
        if let v = package["verified"] {
            guard let b = v.bool else { throw fail("package", "verified", "must be true or false") }
            declared = b
        }

        let dependencies = try (try table("dependencies", required: false)).map { try parseDependencies($0, fail) } ?? []

        var targets: [Target] = []
        if let t = try table("targets", required: false) {
            for chain in t.keys.sorted() {
                guard chains.contains(chain) else { throw fail("targets", chain, "unknown chain (expected \(chains.sorted().joined(separator: ", ")))") }
                guard let spec = t[chain]!.table else { throw fail("targets", chain, "must be { features = [...] }") }
                var features: [String] = []
                if let f = spec["features"] {
                    guard let list = strings(f) else { throw fail("targets", chain, "features must be a list of strings") }
                    features = list
                }
                targets.append(Target(chain: chain, features: features))
            }
        }

        let (specs, properties) = try (try table("proofs", required: false)).map { try parseProofs($0, fail) } ?? ([], [])
        return Manifest(name: name, version: version, declaredVerified: declared, dependencies: dependencies,
                        targets: targets, specs: specs, properties: properties)
    }

    typealias Failure = (_ table: String?, _ key: String, _ message: String) -> RegistryError

    /// `[dependencies]`: each a version range, or `{ version = RANGE, proof = "required" | "optional" }`.
    static func parseDependencies(_ deps: TOMLTable, _ fail: Failure) throws -> [Dependency] {
        var dependencies: [Dependency] = []
        for key in deps.keys.sorted() {
            guard isValidName(key) else { throw fail("dependencies", key, "'\(key)' is not a package name") }
            let value = deps[key]!
            var reqText: String?
            var proofRequired = false
            if let s = value.string {
                reqText = s
            } else if let t = value.table {
                for k in t.keys where !["version", "proof"].contains(k) { throw fail("dependencies", key, "unknown key '\(k)'") }
                reqText = t["version"]?.string
                if reqText == nil { throw fail("dependencies", key, "needs version = \"RANGE\"") }
                if let p = t["proof"] {
                    guard let s = p.string, ["required", "optional"].contains(s) else {
                        throw fail("dependencies", key, "proof must be \"required\" or \"optional\"")
                    }
                    proofRequired = s == "required"
                }
            } else {
                throw fail("dependencies", key, "must be a version string or { version = ..., proof = ... }")
            }
            guard let req = VersionRequirement(reqText!) else {
                throw fail("dependencies", key, "'\(reqText!)' is not a version range (^1.2, ~1.2, =1.2.3, 1.2)")
            }
            dependencies.append(Dependency(name: key, requirement: req, proofRequired: proofRequired))
        }
        return dependencies
    }

    /// `[proofs]`: the specs in the bundle, and the properties claimed proved (`Model.property`).
    static func parseProofs(_ p: TOMLTable, _ fail: Failure) throws -> (specs: [String], properties: [String]) {
        var specs: [String] = [], properties: [String] = []
        for key in p.keys where !["specs", "properties"].contains(key) { throw fail("proofs", key, "unknown key") }
        if let v = p["specs"] {
            guard let list = strings(v) else { throw fail("proofs", "specs", "must be a list of strings") }
            for s in list {
                guard s.hasSuffix(".tspec") else { throw fail("proofs", "specs", "'\(s)' is not a .tspec file") }
                if let why = BundlePath.problem(s) { throw fail("proofs", "specs", "'\(s)': \(why)") }
            }
            specs = list
        }
        if let v = p["properties"] {
            guard let list = strings(v) else { throw fail("proofs", "properties", "must be a list of strings") }
            for s in list where s.split(separator: ".").count != 2 {
                throw fail("proofs", "properties", "'\(s)' must name Model.property")
            }
            properties = list
        }
        if !properties.isEmpty && specs.isEmpty { throw fail("proofs", "specs", "properties are claimed but no spec is named") }
        return (specs, properties)
    }

    static func strings(_ v: TOMLValueConvertible) -> [String]? {
        guard let a = v.array else { return nil }
        var out: [String] = []
        for e in a {
            guard let s = e.string else { return nil }
            out.append(s)
        }
        return out
    }

    /// What `tpm init` writes.
    public static func template(name: String, specs: [String], properties: [String]) -> String {
        func list(_ xs: [String]) -> String {
            xs.isEmpty ? "[]" : "[\n" + xs.map { "  \"\($0)\",\n" }.joined() + "]"
        }
        return """
        [package]
        name = "\(name)"
        version = "0.1.0"
        # Computed by the registry when the package is published; the value here is never trusted.
        verified = false

        [dependencies]
        # titan-std = "^0.1"
        # defi-core = { version = "2.0", proof = "required" }

        [targets]
        # solana = { features = ["spl-token"] }

        [proofs]
        specs = \(list(specs))
        properties = \(list(properties))

        """
    }
}

/// Finds the line of a key in manifest text, for error messages (TOMLKit gives positions only
/// for syntax errors).
struct ManifestLines {
    var text: String
    var file: String

    /// `table.key` (or `key`) of the assignment on a 1-based line, when there is one.
    func key(onLine n: Int) -> String? {
        var current: String?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") && !line.hasPrefix("[[") {
                current = line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
            }
            guard i + 1 == n else { continue }
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("[") else { return nil }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !key.contains("\"") || key.hasPrefix("\"") else { return nil }
            let shown = key.hasPrefix("\"") ? "(quoted key)" : key
            return current.map { "\($0).\(shown)" } ?? shown
        }
        return nil
    }

    func location(table: String?, key: String) -> String {
        var current: String?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") && !line.hasPrefix("[[") {
                current = line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                if table == nil && current == key { return "\(file):\(i + 1)" }
                continue
            }
            guard current == table else { continue }
            for form in [key, "\"\(key)\""] where line.hasPrefix(form) {
                let rest = line.dropFirst(form.count).drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") || rest.hasPrefix(".") { return "\(file):\(i + 1)" }
            }
        }
        return file
    }
}
