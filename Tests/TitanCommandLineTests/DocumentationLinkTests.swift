import Foundation
import TitanTestSupport
import Testing

/// README.md is the front door and Docs/ holds one page per topic (issue #26). The links between
/// them are relative paths nothing else checks, so a moved page or a renamed heading would leave
/// a dead link: every relative link and image must name a file that exists, and every `#anchor`
/// a heading of the page it points into (by GitHub's slug of the heading).
@Suite("Documentation links", .watched)
struct DocumentationLinkTests {
    /// The pages checked, relative to the package root: README.md, then Docs/*.md.
    static func pages() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Docs").path)
        return ["README.md"] + names.filter { $0.hasSuffix(".md") }.sorted().map { "Docs/" + $0 }
    }

    static func read(_ relative: String) throws -> String {
        try String(contentsOf: packageRoot.appendingPathComponent(relative), encoding: .utf8)
    }

    /// The lines outside fenced code blocks, numbered from 1: inside a block, `#` starts a shell
    /// comment and `](` is code, neither a heading nor a link.
    static func proseLines(_ text: String) -> [(number: Int, text: String)] {
        var out: [(number: Int, text: String)] = []
        var inFence = false
        for (i, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence.toggle()
                continue
            }
            if !inFence { out.append((number: i + 1, text: line)) }
        }
        return out
    }

    /// GitHub's anchor for a heading: lowercase, spaces to `-`, and every character other than a
    /// letter, a digit, `-` or `_` removed (backticks, colons, quotes, apostrophes).
    static func slug(_ heading: String) -> String {
        var out = ""
        for c in heading.lowercased() {
            if c == " " {
                out.append("-")
            } else if c == "-" || c == "_" || c.isLetter || c.isNumber {
                out.append(c)
            }
        }
        return out
    }

    /// The anchors of a markdown page. A repeated heading gets `-1`, `-2`, ... as on GitHub.
    static func anchors(_ text: String) throws -> Set<String> {
        let heading = try NSRegularExpression(pattern: #"^#{1,6}\s+(.*?)\s*#*\s*$"#)
        var seen: [String: Int] = [:]
        var result: Set<String> = []
        for line in proseLines(text) {
            let range = NSRange(line.text.startIndex..., in: line.text)
            guard let match = heading.firstMatch(in: line.text, options: [], range: range),
                  let title = Range(match.range(at: 1), in: line.text) else { continue }
            let s = slug(String(line.text[title]))
            let k = seen[s, default: 0]
            seen[s] = k + 1
            result.insert(k == 0 ? s : "\(s)-\(k)")
        }
        return result
    }

    /// `relative` resolved against `directory` (both relative to the package root), `.` and
    /// `..` removed, so the result can be looked up under the root.
    static func resolve(_ relative: String, from directory: String) -> String {
        var parts = directory.split(separator: "/").map(String.init)
        for part in relative.split(separator: "/").map(String.init) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    @Test("every relative link and image in README.md and Docs/*.md names a file that exists, and each anchor a heading")
    func linksResolve() throws {
        let link = try NSRegularExpression(pattern: #"\]\(([^)\s]+)(?:\s+"[^"]*")?\)"#)
        let codeSpan = try NSRegularExpression(pattern: "`[^`]*`")
        var problems: [String] = []
        var checked = 0
        var anchorsOf: [String: Set<String>] = [:]
        for page in try Self.pages() {
            let directory = page.split(separator: "/").dropLast().joined(separator: "/")
            let content = try Self.read(page)
            for line in Self.proseLines(content) {
                // A code span may show link syntax as text; it links nowhere.
                let text = codeSpan.stringByReplacingMatches(in: line.text, options: [],
                                                             range: NSRange(line.text.startIndex..., in: line.text), withTemplate: "")
                for match in link.matches(in: text, options: [], range: NSRange(text.startIndex..., in: text)) {
                    guard let r = Range(match.range(at: 1), in: text) else { continue }
                    let target = String(text[r])
                    if target.hasPrefix("http:") || target.hasPrefix("https:") || target.hasPrefix("mailto:") { continue }
                    checked += 1
                    let hash = target.firstIndex(of: "#")
                    let rawPath = hash.map { String(target[..<$0]) } ?? target
                    let anchor = hash.map { String(target[target.index(after: $0)...]) } ?? ""
                    let path = rawPath.removingPercentEncoding ?? rawPath
                    // A bare `#anchor` points into the page itself.
                    let destination = path.isEmpty ? page : Self.resolve(path, from: directory)
                    let origin = "\(page):\(line.number): \(target)"
                    guard FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(destination).path) else {
                        problems.append("\(origin): no file \(destination)")
                        continue
                    }
                    if anchor.isEmpty { continue }
                    guard destination.hasSuffix(".md") else {
                        problems.append("\(origin): an anchor into \(destination), which is not markdown")
                        continue
                    }
                    if anchorsOf[destination] == nil { anchorsOf[destination] = try Self.anchors(Self.read(destination)) }
                    if anchorsOf[destination]?.contains(anchor) != true {
                        problems.append("\(origin): \(destination) has no heading #\(anchor)")
                    }
                }
            }
        }
        // The pages link to each other; none found means the pattern, not the pages, is wrong.
        #expect(checked > 0, "no relative link found in README.md or Docs/*.md")
        #expect(problems.isEmpty, "broken links:\n\(problems.joined(separator: "\n"))")
    }

    @Test("README.md is a front door of at most 250 lines; the rest lives in Docs/")
    func readmeIsShort() throws {
        var lines = try Self.read("README.md").components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        #expect(lines.count <= 250, "README.md has \(lines.count) lines: move the detail to a page under Docs/")
    }
}
