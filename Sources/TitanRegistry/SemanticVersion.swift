import Foundation

/// A semantic version `MAJOR.MINOR.PATCH` with an optional `-prerelease` and `+build`
/// metadata (semver 2.0). The whole text is validated and kept, build metadata included; build
/// metadata does not count for ordering, and two versions that differ only in it are the same
/// release (`precedenceText`), so a registry holds at most one of them.
public struct SemanticVersion: Comparable, Hashable, Sendable, CustomStringConvertible, Codable {
    public var major: Int, minor: Int, patch: Int
    public var prerelease: [String]
    public var build: [String]

    /// The longest version text accepted, in characters (prerelease and build included).
    public static let maxLength = 128
    /// What a version looks like, for messages.
    public static let expectedFormat = "MAJOR.MINOR.PATCH, e.g. 1.0.0, optionally followed by -PRERELEASE and +BUILD, each dot-separated identifiers of [0-9A-Za-z-]; at most \(maxLength) characters"

    public init(_ major: Int, _ minor: Int, _ patch: Int, prerelease: [String] = [], build: [String] = []) {
        self.major = major; self.minor = minor; self.patch = patch; self.prerelease = prerelease; self.build = build
    }

    /// Parses a full version (three numbers). Leading zeros (also in numeric prerelease
    /// identifiers), empty parts, characters outside `[0-9A-Za-z-]` and texts longer than
    /// `maxLength` are rejected.
    public init?(_ text: String) {
        guard case .success(let v) = Self.parse(text) else { return nil }
        self = v
    }

    /// Why `text` is not a version, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        if case .failure(let e) = parse(text) { return e.reason }
        return nil
    }

    /// `'TEXT' is not a semantic version (REASON; expected FORMAT)`.
    public static func message(_ text: String) -> String {
        "'\(printable(text))' is not a semantic version (\(problem(text) ?? "invalid"); expected \(expectedFormat))"
    }

    struct Problem: Error { var reason: String }

    static func identifiers(_ text: Substring, what: String) -> Result<[String], Problem> {
        let ids = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard ids.allSatisfy({ $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }) else {
            return .failure(Problem(reason: "the \(what) has a character other than [0-9A-Za-z-] and '.'"))
        }
        guard ids.allSatisfy({ !$0.isEmpty }) else { return .failure(Problem(reason: "an empty \(what) identifier")) }
        return .success(ids)
    }

    static func parse(_ text: String) -> Result<SemanticVersion, Problem> {
        guard text.count <= maxLength else { return .failure(Problem(reason: "longer than \(maxLength) characters")) }
        guard !text.isEmpty else { return .failure(Problem(reason: "empty")) }
        var core = Substring(text)
        var build: [String] = []
        if let plus = core.firstIndex(of: "+") {
            switch identifiers(core[core.index(after: plus)...], what: "build metadata") {
            case .failure(let e): return .failure(e)
            case .success(let ids): build = ids
            }
            core = core[..<plus]
        }
        var pre: [String] = []
        if let dash = core.firstIndex(of: "-") {
            switch identifiers(core[core.index(after: dash)...], what: "prerelease") {
            case .failure(let e): return .failure(e)
            case .success(let ids): pre = ids
            }
            // Numeric identifiers have no leading zeros (semver 2.0), so no two texts name one version.
            guard pre.allSatisfy({ id in !id.allSatisfy(\.isNumber) || id == "0" || !id.hasPrefix("0") }) else {
                return .failure(Problem(reason: "a numeric prerelease identifier has a leading zero"))
            }
            core = core[..<dash]
        }
        guard let numbers = Self.numbers(core), numbers.count == 3 else {
            return .failure(Problem(reason: "it needs three numbers MAJOR.MINOR.PATCH, without leading zeros, at most 9 digits each"))
        }
        return .success(SemanticVersion(numbers[0], numbers[1], numbers[2], prerelease: pre, build: build))
    }

    /// "1", "1.2" or "1.2.3" as numbers; nil when a part is not a plain decimal.
    static func numbers(_ text: Substring) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var out: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 9, p.allSatisfy({ $0.isASCII && $0.isNumber }), p == "0" || !p.hasPrefix("0"), let n = Int(p) else { return nil }
            out.append(n)
        }
        return out
    }

    public var description: String { precedenceText + (build.isEmpty ? "" : "+" + build.joined(separator: ".")) }

    /// The version without its build metadata: what ordering and uniqueness go by.
    public var precedenceText: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: "."))
    }

    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        // A prerelease sorts before its release; identifiers compare numerically when both are numbers.
        if a.prerelease.isEmpty || b.prerelease.isEmpty { return !a.prerelease.isEmpty && b.prerelease.isEmpty }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (Int(x), Int(y)) {
            case let (i?, j?): return i < j
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return x < y
            }
        }
        return a.prerelease.count < b.prerelease.count
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let v = SemanticVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: SemanticVersion.message(text)))
        }
        self = v
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A dependency's version range, as Cargo reads them: `^1.2` (and a bare `1.2`) allows changes
/// that keep the leftmost non-zero part; `~1.2` allows patch changes; `=1.2.3` is exact.
/// Prerelease versions match only an exact requirement.
public struct VersionRequirement: Hashable, Sendable, CustomStringConvertible, Codable {
    public enum Kind: String, Sendable, Codable { case caret, tilde, exact }
    public var kind: Kind
    public var lower: SemanticVersion
    /// How many parts were written (1 to 3): `^0.1` differs from `^0.1.0` only for 0.0.x.
    public var parts: Int
    public var text: String

    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        var body = Substring(t)
        var kind = Kind.caret
        if body.hasPrefix("^") { body = body.dropFirst() } else if body.hasPrefix("~") { kind = .tilde; body = body.dropFirst() } else if body.hasPrefix("=") { kind = .exact; body = body.dropFirst() }
        body = body.drop(while: { $0 == " " })
        if kind == .exact {
            guard let v = SemanticVersion(String(body)) else { return nil }
            self.kind = kind; lower = v; parts = 3; self.text = t
            return
        }
        guard let n = SemanticVersion.numbers(body) else { return nil }
        self.kind = kind
        lower = SemanticVersion(n[0], n.count > 1 ? n[1] : 0, n.count > 2 ? n[2] : 0)
        parts = n.count
        self.text = t
    }

    public var description: String { text }

    /// The first version past the range.
    var upper: SemanticVersion {
        switch kind {
        case .exact: return lower
        case .tilde:
            return parts == 1 ? SemanticVersion(lower.major + 1, 0, 0) : SemanticVersion(lower.major, lower.minor + 1, 0)
        case .caret:
            if lower.major > 0 || parts == 1 { return SemanticVersion(lower.major + 1, 0, 0) }
            if lower.minor > 0 || parts == 2 { return SemanticVersion(0, lower.minor + 1, 0) }
            return SemanticVersion(0, 0, lower.patch + 1)
        }
    }

    public func matches(_ v: SemanticVersion) -> Bool {
        if kind == .exact { return v.precedenceText == lower.precedenceText }
        guard v.prerelease.isEmpty else { return false }
        return v >= lower && v < upper
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let r = VersionRequirement(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a version requirement: \(text)"))
        }
        self = r
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
