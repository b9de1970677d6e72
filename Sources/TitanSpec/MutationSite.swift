import BigInt
import TitanIR

/// A place in an action or view where `titan mutate` can plant a one-line bug, found by the
/// parser as it reads the text. Ranges are character offsets into the file's text.
public struct MutationSite: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `+ - * / %`: the operator token.
        case arithmetic(BinaryOp)
        /// `== != < <= > >=`: the operator token.
        case comparison(BinaryOp)
        case number(BigUInt)
        case bool(Bool)
        /// A whole `require` statement and its condition.
        case require(condition: Range<Int>)
        /// A whole assignment statement and the index expressions of its target.
        case assignment(indices: [Range<Int>])
        /// From `else` to the end of the else block (or else-if chain).
        case elseBranch
        /// The `unchecked {` opening and the matching `}`.
        case unchecked(close: Range<Int>)
        /// The arguments of a view call with two or more of them.
        case callArguments([Range<Int>])
    }
    public var kind: Kind
    public var range: Range<Int>
    /// The model it is in.
    public var model: String
    /// The action or view it is in.
    public var owner: String
    /// Names a map write may be moved to: the parameters and lets in scope.
    public var names: [String]
}

extension SpecLoader {
    /// Every mutation site of a file's actions and views, in text order. Throws like `parse`.
    public static func mutationSites(text: String) throws -> [MutationSite] {
        let source = SourceFile(path: "", text: text)
        do {
            var lexer = Lexer(source: source)
            var parser = Parser(source: source, tokens: try lexer.tokenize())
            _ = try parser.parseFile()
            return parser.sites.sorted { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        } catch let diagnostic as Diagnostic {
            throw SpecErrors(diagnostics: [diagnostic])
        }
    }
}
