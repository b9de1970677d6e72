import Foundation
import TitanIR

/// What an editor needs of a spec besides its IR: every diagnostic, the tokens (so names are
/// resolved in code, never in comments) and the declarations with their sorts and signatures.
/// Built by the same lexer, parser and checker as `SpecLoader.parse`, so messages are identical.
public struct SpecAnalysis: Sendable {
    public var diagnostics: [Diagnostic]
    /// The file's tokens, up to a malformed one (without the end-of-file token).
    public var tokens: [SpecToken]
    /// The declarations, by model; nil when the file does not parse.
    public var models: [SpecDeclaration]?
    /// The typed IR; nil unless the file has no diagnostics.
    public var file: SpecFile?
}

public struct SpecToken: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case identifier, primed, keyword, number, punct, other }
    public var kind: Kind
    /// An identifier's name (without the prime of a primed one); otherwise the spelling.
    public var name: String
    /// 1-based, like diagnostics.
    public var line: Int
    public var column: Int
    /// Character offsets into the text.
    public var start: Int
    public var end: Int
}

public struct SpecDeclaration: Sendable {
    public enum Kind: String, Sendable {
        case model, constant, state, action, constructor, function, view, invariant, rule, lemma, scenario, parameter, local
    }
    public var kind: Kind
    public var name: String
    /// Where the name is written.
    public var location: SourceLocation
    /// The sort of a state variable, parameter or local; the signature of anything else.
    public var detail: String
    /// Character offsets from the declaring keyword to the next declaration: the scope of its
    /// parameters and locals.
    public var start: Int
    public var end: Int
    public var children: [SpecDeclaration] = []
}

extension SpecLoader {
    /// Never throws: a syntax error is the only diagnostic (the parser stops at the first one),
    /// type and function-expansion errors all come, in reading order.
    public static func analyze(text: String, path: String) -> SpecAnalysis {
        let source = SourceFile(path: path, text: text)
        var lexer = Lexer(source: source)
        var tokens: [Token] = []
        var analysis = SpecAnalysis(diagnostics: [], tokens: [], models: nil, file: nil)
        do {
            try lexer.tokenize(into: &tokens)
        } catch {
            analysis.tokens = tokens.map(SpecToken.init)
            analysis.diagnostics = [diagnostic(error, source)]
            return analysis
        }
        analysis.tokens = tokens.dropLast().map(SpecToken.init)
        var parser = Parser(source: source, tokens: tokens)
        let syntax: [ModelSyntax]
        do {
            syntax = try parser.parseFile()
        } catch {
            analysis.diagnostics = [diagnostic(error, source)]
            return analysis
        }
        var checker = TypeChecker(source: source)
        let models = checker.check(syntax)
        analysis.diagnostics = inReadingOrder(checker.diagnostics)
        if analysis.diagnostics.isEmpty {
            analysis.file = SpecFile(path: path, contentHash: contentHash(Data(text.utf8)), models: models)
        }
        analysis.diagnostics += inReadingOrder(checker.warnings)
        let outline = Outline(tokens: tokens, ir: analysis.file?.models ?? [])
        analysis.models = outline.models(syntax, textEnd: source.characters.count)
        return analysis
    }

    /// The tokens of any text, by the language's lexer alone, up to a character it rejects: for
    /// highlighting a property's source in a report (comments are not tokens: the text between).
    public static func tokens(of text: String) -> [SpecToken] {
        var lexer = Lexer(source: SourceFile(path: "", text: text))
        var tokens: [Token] = []
        _ = try? lexer.tokenize(into: &tokens)
        return tokens.filter { $0.kind != .endOfFile }.map(SpecToken.init)
    }

    private static func diagnostic(_ error: Error, _ source: SourceFile) -> Diagnostic {
        (error as? Diagnostic) ?? source.diagnostic("\(error)", at: source.location(line: 1, column: 1))
    }
}

extension SpecToken {
    init(_ token: Token) {
        let kind: Kind
        var name = token.text
        switch token.kind {
        case .identifier: kind = .identifier
        case .primed(let n): kind = .primed; name = n
        case .keyword: kind = .keyword
        case .number: kind = .number
        case .punct: kind = .punct
        case .hexBytes, .endOfFile: kind = .other
        }
        self.init(kind: kind, name: name, line: token.location.line, column: token.location.column,
                  start: token.start, end: token.end)
    }
}

/// Builds `SpecDeclaration`s from the syntax; extents come from the tokens, since the syntax
/// keeps only where names start.
private struct Outline {
    let tokens: [Token]
    let ir: [Model]
    /// Token index by name position.
    let index: [SourceLocation: Int]

    init(tokens: [Token], ir: [Model]) {
        self.tokens = tokens
        self.ir = ir
        var index: [SourceLocation: Int] = [:]
        for (i, t) in tokens.enumerated() where index[t.location] == nil { index[t.location] = i }
        self.index = index
    }

    /// The offset of the keyword before a name (or the name itself for `constructor`).
    func keywordStart(_ name: NameSyntax) -> Int {
        guard let i = index[name.location] else { return 0 }
        if tokens[i].text == "constructor" || i == 0 { return tokens[i].start }
        return tokens[i - 1].start
    }

    func models(_ syntax: [ModelSyntax], textEnd: Int) -> [SpecDeclaration] {
        var result: [SpecDeclaration] = []
        for (m, model) in syntax.enumerated() {
            let end = m + 1 < syntax.count ? keywordStart(syntax[m + 1].name) : textEnd
            let checked = ir.first { $0.name == model.name.name }
            var members = model.members.compactMap { member($0, model: checked) }
            for i in members.indices { members[i].end = i + 1 < members.count ? members[i + 1].start : end }
            var decl = SpecDeclaration(kind: .model, name: model.name.name, location: model.name.location,
                                       detail: "model \(model.name.name)", start: keywordStart(model.name), end: end)
            decl.children = members
            result.append(decl)
        }
        return result
    }

    func member(_ member: MemberSyntax, model: Model?) -> SpecDeclaration? {
        func decl(_ kind: SpecDeclaration.Kind, _ name: NameSyntax, _ detail: String,
                  _ children: [SpecDeclaration] = []) -> SpecDeclaration {
            let start = keywordStart(name)
            return SpecDeclaration(kind: kind, name: name.name, location: name.location, detail: detail,
                                   start: start, end: start, children: children)
        }
        switch member {
        case .arithmetic:
            return nil
        case .state(let s):
            return decl(.state, s.name, Outline.describe(s.type))
        case .constant(let c):
            return decl(.constant, c.name, "const \(c.name.name): \(Outline.describe(c.type))")
        case .action(let a):
            let sig = "action \(a.name.name)(\(Outline.params(a.params)))" + (a.returns.map { ": " + Outline.describe($0) } ?? "")
            let action = model?.actions.first { $0.name == a.name.name }
            return decl(.action, a.name, sig, parameters(a.params) + locals(a.body, ir: action?.body ?? []))
        case .constructor(let a):
            let action = model?.constructor
            return decl(.constructor, a.name, "constructor(\(Outline.params(a.params)))",
                        parameters(a.params) + locals(a.body, ir: action?.body ?? []))
        case .function(let f):
            let sig = "function \(f.name.name)(\(Outline.params(f.params)))" + (f.returns.map { ": " + Outline.describe($0) } ?? "")
            return decl(.function, f.name, sig, parameters(f.params) + locals(f.body, ir: []))
        case .view(let v):
            return decl(.view, v.name, "view \(v.name.name)(\(Outline.params(v.params))): \(Outline.describe(v.type))",
                        parameters(v.params))
        case .property(let p):
            let kind: SpecDeclaration.Kind
            let params: [ParamSyntax]
            switch p.kind {
            case .invariant(let ps): kind = .invariant; params = ps
            case .rule(let ps, _, _): kind = .rule; params = ps
            case .lemma(let ps): kind = .lemma; params = ps
            }
            return decl(kind, p.name, p.sourceText, parameters(params))
        case .scenario(let s):
            return decl(.scenario, s.name, "scenario \(s.name.name)")
        }
    }

    func parameters(_ params: [ParamSyntax]) -> [SpecDeclaration] {
        params.map {
            let offset = index[$0.location].map { tokens[$0].start } ?? 0
            return SpecDeclaration(kind: .parameter, name: $0.name, location: $0.location,
                                   detail: Outline.describe($0.type), start: offset, end: offset)
        }
    }

    /// `let` and `var` locals; an unannotated one takes its sort from the checked IR when there is one.
    func locals(_ body: [StmtSyntax], ir: [Stmt]) -> [SpecDeclaration] {
        var sorts: [String: Sort] = [:]
        func visit(_ stmts: [Stmt]) {
            for s in stmts {
                switch s {
                case .bind(let n, let e): if sorts[n] == nil { sorts[n] = e.sort }
                case .ifElse(_, let a, let b): visit(a); visit(b)
                default: break
                }
            }
        }
        visit(ir)
        var result: [SpecDeclaration] = []
        func walk(_ stmts: [StmtSyntax]) {
            for s in stmts {
                switch s {
                case .bind(let n, let t, _), .declare(let n, let t, _):
                    let offset = index[n.location].map { tokens[$0].start } ?? 0
                    let detail = t.map(Outline.describe) ?? sorts[n.name].map(\.description) ?? "local (sort inferred)"
                    result.append(SpecDeclaration(kind: .local, name: n.name, location: n.location, detail: detail,
                                                  start: offset, end: offset))
                case .ifElse(_, let a, let b): walk(a); walk(b)
                case .unchecked(let a), .forRange(_, _, let a, _): walk(a)
                default: break
                }
            }
        }
        walk(body)
        return result
    }

    static func params(_ params: [ParamSyntax]) -> String {
        params.map { "\($0.name): \(describe($0.type))" }.joined(separator: ", ")
    }

    /// A type as written in a spec.
    static func describe(_ type: TypeSyntax) -> String {
        switch type.kind {
        case .bool: return "bool"
        case .address: return "address"
        case .uint(let n): return "uint\(n)"
        case .int(let n): return "int\(n)"
        case .bytes(let n): return n == Sort.defaultBytesLength ? "bytes" : "bytes<\(n)>"
        case .map(let k, let v): return "map<\(describe(k)), \(describe(v))>"
        }
    }
}

extension SpecLoader {
    /// The reserved words, then the words the parser reads as keywords only in place; for completion.
    public static let keywords: [String] = Keyword.allCases.map(\.rawValue)
        + ["function", "constructor", "scenario", "var", "return", "using", "expect", "violated", "payable", "immutable", "const",
           "int256", "int128", "int64", "int32", "int8", "uint112"]
}
