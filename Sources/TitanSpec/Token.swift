import BigInt
import TitanIR

/// Words the language reserves; none of them can name anything.
enum Keyword: String, CaseIterable, Sendable {
    case model, arithmetic, checked, wrapping, state, action, invariant, rule, on
    case bool, address, uint, uint8, uint16, uint32, uint64, uint128, uint256, map
    case require, `let`, `if`, `else`, unchecked
    case `true`, `false`, reverted, max_uint256, sum, count, len
    case bytes, view, lemma, any
}

/// Operators and delimiters, spelled as in the source.
enum Punct: String, Sendable {
    case lbrace = "{", rbrace = "}", lparen = "(", rparen = ")", lbracket = "[", rbracket = "]"
    case comma = ",", colon = ":", semicolon = ";", question = "?"
    case assign = "=", eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case not = "!", and = "&&", or = "||", implies = "==>"
    /// Only in a weighted sum: `sum(k => e)`.
    case arrow = "=>"
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
    /// Only between constant literals, folded by the parser: `2**96`.
    case power = "**"
    /// Only in a loop's bounds: `for i in 0..4`.
    case range = ".."
}

enum TokenKind: Equatable, Sendable {
    case identifier(String)
    /// An identifier immediately followed by `'`, naming a post-state value.
    case primed(String)
    case number(BigUInt)
    /// `hex"0a1b"`: a byte string literal.
    case hexBytes([UInt8])
    case keyword(Keyword)
    case punct(Punct)
    case endOfFile
}

struct Token: Sendable {
    var kind: TokenKind
    /// The exact source spelling, used in "found '...'" messages.
    var text: String
    var location: SourceLocation
    /// Character offsets into the file, so properties can quote their own source text.
    var start: Int
    var end: Int

    /// How a diagnostic names this token.
    var quoted: String {
        if case .endOfFile = kind { return "end of file" }
        return "'\(text)'"
    }

    func isPunct(_ p: Punct) -> Bool { kind == .punct(p) }
    func isKeyword(_ k: Keyword) -> Bool { kind == .keyword(k) }
}
