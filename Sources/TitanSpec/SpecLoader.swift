import Crypto
import Foundation
import TitanIR

/// Entry points: spec text or files in, typed IR out.
public enum SpecLoader {
    /// Parses and type-checks one file's text. `path` is used in locations as given.
    /// Throws `SpecErrors`: the first syntax error, or every type error of the file.
    public static func parse(text: String, path: String) throws -> SpecFile {
        try parse(text: text, path: path, contentHash: contentHash(Data(text.utf8)))
    }

    /// Hex SHA-256 of a spec file's bytes: proof certificates name the exact text they cover.
    public static func contentHash(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    static func parse(text: String, path: String, contentHash: String) throws -> SpecFile {
        let source = SourceFile(path: path, text: text)
        let syntax: [ModelSyntax]
        do {
            var lexer = Lexer(source: source)
            var parser = Parser(source: source, tokens: try lexer.tokenize())
            syntax = try parser.parseFile()
        } catch let diagnostic as Diagnostic {
            throw SpecErrors(diagnostics: [diagnostic])
        }
        var checker = TypeChecker(source: source)
        let models = checker.check(syntax)
        guard checker.diagnostics.isEmpty else {
            throw SpecErrors(diagnostics: inReadingOrder(checker.diagnostics))
        }
        return SpecFile(path: path, contentHash: contentHash, models: models, warnings: inReadingOrder(checker.warnings).map(\.description))
    }

    /// Checking goes declaration kind by kind; diagnostics are reported in reading order instead.
    static func inReadingOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let (x, y) = (a.element.location, b.element.location)
            return (x.line, x.column, a.offset) < (y.line, y.column, b.offset)
        }.map(\.element)
    }

    /// Reads a file (or every *.tspec under a directory, recursively, sorted by path) and parses each.
    /// Throws `SpecErrors` with the diagnostics of all files, including unreadable paths.
    public static func load(paths: [String]) throws -> [SpecFile] {
        var files: [SpecFile] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            for file in specFiles(at: path) {
                guard let bytes = FileManager.default.contents(atPath: file),
                      let text = String(data: bytes, encoding: .utf8) else {
                    diagnostics.append(Diagnostic(location: SourceLocation(file: file, line: 1, column: 1),
                                                  message: "cannot read file: \(file)", sourceLine: ""))
                    continue
                }
                do {
                    // Hashed from the bytes on disk, not the decoded text, so a BOM or encoding detail counts.
                    files.append(try parse(text: text, path: file, contentHash: contentHash(bytes)))
                } catch let errors as SpecErrors {
                    diagnostics += errors.diagnostics
                }
            }
        }
        guard diagnostics.isEmpty else { throw SpecErrors(diagnostics: diagnostics) }
        return files
    }

    /// The path itself, or the *.tspec files under it when it is a directory.
    /// A missing path is returned as is, so reading it reports it.
    public static func specFiles(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [path]
        }
        let base = path.hasSuffix("/") ? path : path + "/"
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return [path] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".tspec") else { continue }
            let full = base + relative
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue {
                found.append(full)
            }
        }
        return found.sorted()
    }
}
