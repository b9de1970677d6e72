/// The rules for a file path inside a bundle: relative, under the bundle's root, plain.
public enum BundlePath {
    public static let maxLength = 512

    /// Why a path may not appear in a bundle, or nil when it may.
    public static func problem(_ path: String) -> String? {
        if path.isEmpty { return "empty path" }
        if path.utf8.count > maxLength { return "longer than \(maxLength) bytes" }
        if path.hasPrefix("/") { return "absolute path" }
        if path.contains("\\") { return "backslash in path" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "control character in path" }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == ".." { return "'..' escapes the bundle root" }
            if part.isEmpty || part == "." { return "empty or '.' component" }
        }
        return nil
    }
}
