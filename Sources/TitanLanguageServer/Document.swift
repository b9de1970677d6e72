import Foundation
import TitanIR
import TitanSpec

/// An open spec: its text, the analysis of that text, and name resolution over it.
struct Document {
    let uri: String
    let path: String
    let text: String
    /// Lines split character-wise like the lexer's (a "\r\n" is one break).
    let lines: [String]
    /// Character offset at which each line starts.
    let lineStarts: [Int]
    let analysis: SpecAnalysis
    /// The declarations of this text, or of the last text that parsed while this one does not:
    /// symbols and navigation keep working while an edit is half typed.
    let models: [SpecDeclaration]

    init(uri: String, text: String, previous: Document?) {
        self.uri = uri
        self.path = Document.path(of: uri)
        self.text = text
        var lines: [String] = []
        var starts = [0]
        var current = ""
        var offset = 0
        for c in text {
            offset += 1
            if c.isNewline { lines.append(current); current = ""; starts.append(offset) } else { current.append(c) }
        }
        lines.append(current)
        self.lines = lines
        self.lineStarts = starts
        analysis = SpecLoader.analyze(text: text, path: path)
        models = analysis.models ?? previous?.models ?? []
    }

    /// A file URI's path, percent-decoded; anything else is used as given.
    static func path(of uri: String) -> String {
        if let url = URL(string: uri), url.isFileURL { return url.path }
        return uri
    }

    // MARK: Positions (LSP: 0-based lines, UTF-16 characters; specs: 1-based lines, Characters)

    /// The LSP position of a 1-based line and Character column.
    func position(line: Int, column: Int) -> [String: Int] {
        let l = max(0, line - 1)
        guard l < lines.count else { return ["line": l, "character": max(0, column - 1)] }
        let text = lines[l]
        let prefix = text.prefix(max(0, column - 1))
        let beyond = max(0, column - 1 - prefix.count)
        return ["line": l, "character": String(prefix).utf16.count + beyond]
    }

    /// The LSP position of a character offset.
    func position(offset: Int) -> [String: Int] {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return position(line: lo + 1, column: offset - lineStarts[lo] + 1)
    }

    /// The character offset of an LSP position, clamped into the text.
    func offset(line: Int, character: Int) -> Int {
        guard line >= 0 else { return 0 }
        guard line < lines.count else { return lineStarts.last.map { $0 + lines[lines.count - 1].count } ?? 0 }
        var units = 0
        var column = 0
        for c in lines[line] {
            if units >= character { break }
            units += c.utf16.count
            column += 1
        }
        return lineStarts[line] + column
    }

    /// A range covering the token at a 1-based position (one character when there is none).
    func range(line: Int, column: Int, length: Int? = nil) -> [String: Any] {
        let start = position(line: line, column: column)
        let width = length ?? token(line: line, column: column).map { $0.end - $0.start } ?? 1
        return ["start": start, "end": position(line: line, column: column + max(1, width))]
    }

    func range(start: Int, end: Int) -> [String: Any] {
        ["start": position(offset: start), "end": position(offset: max(start, end))]
    }

    // MARK: Tokens and names

    func token(line: Int, column: Int) -> SpecToken? {
        analysis.tokens.first { $0.line == line && $0.column == column }
    }

    /// The token under a character offset (or just before it, when the cursor ends a name).
    func token(at offset: Int) -> SpecToken? {
        let tokens = analysis.tokens
        var lo = 0, hi = tokens.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].end <= offset { lo = mid + 1 } else { hi = mid }
        }
        if lo < tokens.count, tokens[lo].start <= offset { return tokens[lo] }
        if lo > 0, tokens[lo - 1].end == offset { return tokens[lo - 1] }
        return nil
    }

    /// The model whose text holds an offset.
    func model(at offset: Int) -> SpecDeclaration? {
        models.first { $0.start <= offset && offset < $0.end } ?? models.last { $0.start <= offset }
    }

    /// What a name at an offset denotes: a parameter or local of the enclosing declaration,
    /// else a member of the enclosing model.
    func resolve(_ name: String, at offset: Int) -> SpecDeclaration? {
        guard let model = model(at: offset) else { return nil }
        if let member = model.children.first(where: { $0.start <= offset && offset < $0.end }),
           let local = member.children.last(where: { $0.name == name && ($0.kind == .parameter || $0.start <= offset) }) {
            return local
        }
        return model.children.first { $0.name == name } ?? (model.name == name ? model : nil)
    }

    /// Every identifier token that denotes the same declaration as `target`.
    func references(to target: SpecDeclaration) -> [SpecToken] {
        analysis.tokens.filter { t in
            (t.kind == .identifier || t.kind == .primed) && t.name == target.name
                && resolve(t.name, at: t.start).map { $0.location == target.location } == true
        }
    }

    /// The `//` lines directly above a declaration, without their slashes.
    func docComment(_ decl: SpecDeclaration) -> String {
        let declLine = position(offset: decl.start)["line"] ?? 0
        var found: [String] = []
        var l = declLine - 1
        while l >= 0, l < lines.count {
            let trimmed = lines[l].trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("//") else { break }
            found.append(String(trimmed.dropFirst(2)).trimmingCharacters(in: .whitespaces))
            l -= 1
        }
        return found.reversed().joined(separator: "\n")
    }
}
