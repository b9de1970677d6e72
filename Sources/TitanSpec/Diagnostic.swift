import TitanIR

/// One error in a spec file, with enough context to show the offending line.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    /// The full text of the line `location` points into, without its line break.
    public var sourceLine: String
    /// A warning points at something legal that is easy to get wrong; it stops nothing.
    public var isWarning = false

    init(location: SourceLocation, message: String, sourceLine: String, isWarning: Bool = false) {
        self.location = location
        self.message = message
        self.sourceLine = sourceLine
        self.isWarning = isWarning
    }

    /// "file:line:col: error: message" (or "warning:"), then the line and a caret under the column.
    public var description: String {
        var text = "\(location): \(isWarning ? "warning" : "error"): \(message)"
        // A missing file has no line to show; a lone caret would point at nothing.
        guard !sourceLine.isEmpty else { return text }
        text += "\n" + sourceLine + "\n" + caretPadding + "^"
        return text
    }

    /// Copies tabs from the line so the caret lines up however tabs are displayed.
    private var caretPadding: String {
        let before = sourceLine.prefix(max(0, location.column - 1))
        let padding = before.map { $0 == "\t" ? "\t" : " " }.joined()
        let missing = max(0, location.column - 1 - before.count)
        return padding + String(repeating: " ", count: missing)
    }
}

/// Every diagnostic found, in file order; thrown by `SpecLoader`.
public struct SpecErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A file's text split into lines, so diagnostics can quote the line they point at.
struct SourceFile: Sendable {
    let path: String
    let text: String
    let characters: [Character]
    /// Where each character starts in `text`, and its end last: token spellings are slices of the
    /// text (building them character by character was a third of an editor's re-check).
    let offsets: [String.Index]
    let lines: [String]

    init(path: String, text: String) {
        self.path = path
        self.text = text
        self.characters = Array(text)
        self.offsets = Array(text.indices) + [text.endIndex]
        // Character-wise split keeps "\r\n" (one Character) as a single break, matching the lexer.
        self.lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
    }

    /// The text of characters `start..<end`.
    func slice(_ start: Int, _ end: Int) -> String { String(text[offsets[start]..<offsets[end]]) }

    func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }

    func diagnostic(_ message: String, at location: SourceLocation) -> Diagnostic {
        let index = location.line - 1
        let line = lines.indices.contains(index) ? lines[index] : ""
        return Diagnostic(location: location, message: message, sourceLine: line)
    }

    /// The exact text between two character offsets, for a property's `sourceText`.
    func text(from start: Int, to end: Int) -> String {
        let lo = max(0, min(start, characters.count))
        let hi = max(lo, min(end, characters.count))
        return slice(lo, hi)
    }
}
