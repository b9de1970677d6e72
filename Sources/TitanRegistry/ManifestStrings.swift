/// Finds control characters in the strings of a TOML text, written raw or as escapes.
///
/// TOMLKit hands strings over as C strings, so `"ledger\u0000-x"` would arrive as `ledger`:
/// the manifest the registry records would not be the one in the bundle. Every string (values
/// and quoted keys, basic and literal, single- and multi-line) is therefore scanned in the text
/// itself, and any character of Unicode category Cc (U+0000-U+001F, U+007F-U+009F), a tab or
/// newline included, refuses the manifest. The text has already parsed as TOML.
enum ManifestStrings {
    struct Finding: Equatable {
        /// 1-based line where the string holding it starts.
        var line: Int
        var scalar: UInt32
    }

    static func isControl(_ v: UInt32) -> Bool { v < 0x20 || (0x7f...0x9f).contains(v) }

    static func firstControlCharacter(in text: String) -> Finding? {
        let s = Array(text.unicodeScalars)
        var i = 0, line = 1
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func starts(_ p: String, _ k: Int) -> Bool {
            var j = k
            for c in p.unicodeScalars { guard at(j) == c else { return false }; j += 1 }
            return true
        }
        while i < s.count {
            let c = s[i]
            if c == "\n" { line += 1; i += 1; continue }
            if c == "#" {
                while i < s.count && s[i] != "\n" { i += 1 }
                continue
            }
            guard c == "\"" || c == "'" else { i += 1; continue }
            let quote = c
            let multi = starts(String(quote) + String(quote) + String(quote), i)
            let startLine = line
            i += multi ? 3 : 1
            if multi, at(i) == "\n" { line += 1; i += 1 }                       // the newline right after """ is trimmed
            else if multi, at(i) == "\r", at(i + 1) == "\n" { line += 1; i += 2 }
            while i < s.count {
                let d = s[i]
                if d == quote && (!multi || starts(String(quote) + String(quote) + String(quote), i)) {
                    i += multi ? 3 : 1
                    // A closing """ may be followed by up to two more quotes, which are content.
                    if multi { var extra = 0; while extra < 2 && at(i) == quote { i += 1; extra += 1 } }
                    break
                }
                if quote == "\"" && d == "\\" {
                    guard let e = at(i + 1) else { return nil }
                    switch e {
                    case "u", "U":
                        let n = e == "u" ? 4 : 8
                        let hex = String(String.UnicodeScalarView(s[min(i + 2, s.count)..<min(i + 2 + n, s.count)]))
                        if let v = UInt32(hex, radix: 16), isControl(v) { return Finding(line: startLine, scalar: v) }
                        i += 2 + n
                    case "b": return Finding(line: startLine, scalar: 0x08)
                    case "t": return Finding(line: startLine, scalar: 0x09)
                    case "n": return Finding(line: startLine, scalar: 0x0a)
                    case "f": return Finding(line: startLine, scalar: 0x0c)
                    case "r": return Finding(line: startLine, scalar: 0x0d)
                    case "e": return Finding(line: startLine, scalar: 0x1b)
                    default:
                        if multi && (e == " " || e == "\t" || e == "\n" || e == "\r") {
                            // A line-ending backslash: it and the whitespace after it are not content.
                            i += 1
                            while let w = at(i), w == " " || w == "\t" || w == "\n" || w == "\r" { if w == "\n" { line += 1 }; i += 1 }
                        } else {
                            i += 2
                        }
                    }
                    continue
                }
                if isControl(d.value) { return Finding(line: startLine, scalar: d.value) }
                i += 1
            }
        }
        return nil
    }
}
