import BigInt
import TitanIR

/// Turns a file's characters into tokens. Stops at the first malformed token.
struct Lexer {
    private let source: SourceFile
    /// The source's characters, held apart: reading them through `source` copies the whole
    /// struct at each read in a debug build, which was a tenth of an editor's re-check.
    private let chars: [Character]
    private var index = 0
    private var line = 1
    private var column = 1

    init(source: SourceFile) {
        self.source = source
        self.chars = source.characters
    }

    /// Every token of the file, ending with one `.endOfFile`.
    mutating func tokenize() throws -> [Token] {
        var tokens: [Token] = []
        try tokenize(into: &tokens)
        return tokens
    }

    /// Like `tokenize()`, but the tokens before a malformed one stay in `tokens` when it throws,
    /// so an editor can still resolve names in the rest of a file being typed.
    mutating func tokenize(into tokens: inout [Token]) throws {
        while true {
            skipTrivia()
            guard index < chars.count else { break }
            tokens.append(try nextToken())
        }
        tokens.append(endOfFile(after: tokens.last))
    }

    /// End of file sits just after the last token, so "found end of file" errors quote a real line.
    private func endOfFile(after last: Token?) -> Token {
        let location: SourceLocation
        if let last {
            location = source.location(line: last.location.line, column: last.location.column + last.text.count)
        } else {
            location = source.location(line: 1, column: 1)
        }
        return Token(kind: .endOfFile, text: "", location: location, start: chars.count, end: chars.count)
    }

    private func peek(_ offset: Int = 0) -> Character? {
        let i = index + offset
        return i < chars.count ? chars[i] : nil
    }

    private mutating func advance() {
        if chars[index].isNewline { line += 1; column = 1 } else { column += 1 }
        index += 1
    }

    /// Whitespace and `//` comments carry no meaning: statements need no separators.
    private mutating func skipTrivia() {
        while let c = peek() {
            if c.isWhitespace {
                advance()
            } else if c == "/", peek(1) == "/" {
                while let d = peek(), !d.isNewline { advance() }
            } else {
                return
            }
        }
    }

    private mutating func nextToken() throws -> Token {
        let start = index
        let location = source.location(line: line, column: column)
        func make(_ kind: TokenKind) -> Token {
            Token(kind: kind, text: source.slice(start, index), location: location, start: start, end: index)
        }
        let c = chars[index]

        if Lexer.isIdentifierStart(c) {
            while let d = peek(), Lexer.isIdentifierPart(d) { advance() }
            var word = source.slice(start, index)
            // The environment: `msg.sender` and `block.timestamp` are names of their own.
            if (word == "msg" || word == "block"), peek() == ".", index + 1 < chars.count, Lexer.isIdentifierStart(chars[index + 1]) {
                advance()
                while let d = peek(), Lexer.isIdentifierPart(d) { advance() }
                word = source.slice(start, index)
                guard Environment.words.contains(word) else {
                    throw source.diagnostic("unknown name '\(word)'; the environment provides \(Environment.words.joined(separator: ", "))", at: location)
                }
                if peek() == "'" { throw source.diagnostic("'\(word)' cannot be primed", at: location) }
                return make(.identifier(word))
            }
            if word == "hex", peek() == "\"" {
                return make(.hexBytes(try hexLiteral(at: location)))
            }
            let keyword = Keyword(rawValue: word)
            if peek() == "'" {
                if keyword != nil {
                    throw source.diagnostic("keyword '\(word)' cannot be primed", at: location)
                }
                advance()
                return make(.primed(word))
            }
            return make(keyword.map(TokenKind.keyword) ?? .identifier(word))
        }

        if Lexer.isDigit(c) {
            // Take the whole alphanumeric run so "12abc" is one bad literal, not "12" then "abc".
            while let d = peek(), Lexer.isIdentifierPart(d) { advance() }
            let spelling = source.slice(start, index)
            guard let value = Lexer.numberValue(spelling) else {
                throw source.diagnostic("invalid number literal '\(spelling)'", at: location)
            }
            return make(.number(value))
        }

        // Longest match first, so "==>" is not read as "==" then ">".
        for length in [3, 2, 1] where index + length <= chars.count {
            let spelling = source.slice(index, index + length)
            if let punct = Punct(rawValue: spelling) {
                for _ in 0..<length { advance() }
                return make(.punct(punct))
            }
        }

        let shown = c == "'" ? "'" : String(c)
        var message = "unexpected character '\(shown)'"
        if c == "'" { message += "; a prime must directly follow a state variable name" }
        if c == "&" { message += "; did you mean '&&'?" }
        if c == "|" { message += "; did you mean '||'?" }
        throw source.diagnostic(message, at: location)
    }

    /// The bytes of `hex"..."` (the `hex` is consumed): an even number of hex digits.
    private mutating func hexLiteral(at location: SourceLocation) throws -> [UInt8] {
        advance() // opening quote
        var digits: [Character] = []
        while let d = peek(), d != "\"" {
            guard d.isASCII, d.isHexDigit else {
                if d.isNewline { break }
                throw source.diagnostic("invalid character '\(d)' in hex literal; only 0-9 and a-f are allowed", at: location)
            }
            digits.append(d)
            advance()
        }
        guard peek() == "\"" else { throw source.diagnostic("unterminated hex literal", at: location) }
        advance()
        guard digits.count % 2 == 0 else {
            throw source.diagnostic("hex literal needs an even number of digits (whole bytes)", at: location)
        }
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8((digits[$0].hexDigitValue ?? 0) * 16 + (digits[$0 + 1].hexDigitValue ?? 0))
        }
    }

    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    static func isIdentifierStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_") }
    static func isIdentifierPart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }

    /// Decimal or `0x` hex, with `_` allowed only between digits; a decimal may carry a power of
    /// ten, `1e18` (an exponent of at most 1000 digits' worth: the type checker bounds the value).
    static func numberValue(_ spelling: String) -> BigUInt? {
        if !spelling.hasPrefix("0x"), !spelling.hasPrefix("0X"), let e = spelling.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let exponent = spelling[spelling.index(after: e)...]
            guard let mantissa = numberValue(String(spelling[..<e])), !exponent.isEmpty, exponent.allSatisfy(\.isASCII),
                  exponent.allSatisfy(\.isNumber), let power = Int(exponent), power <= 1000 else { return nil }
            return mantissa * BigUInt(10).power(power)
        }
        var digits = Substring(spelling)
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
        }
        guard let first = digits.first, let last = digits.last, first != "_", last != "_" else { return nil }
        let valid = digits.allSatisfy { $0 == "_" || ($0.isASCII && ($0.hexDigitValue.map { $0 < radix } ?? false)) }
        guard valid else { return nil }
        return BigUInt(String(digits.filter { $0 != "_" }), radix: radix)
    }
}
