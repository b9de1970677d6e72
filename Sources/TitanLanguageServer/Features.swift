import Foundation
import TitanIR
import TitanSpec

/// Hover, navigation, symbols and completion: all resolved on the lexer's tokens and the
/// parser's declarations, so a name inside a comment (never a token) is never matched.
extension LanguageServer {
    /// Built-in names and what they are, for hover and completion.
    static let builtins: [(name: String, detail: String)] = [
        ("msg.sender", "msg.sender: address — the caller of the action"),
        ("block.timestamp", "block.timestamp: uint256 — the time of the block the action runs in"),
        ("sum", "sum(m), sum(m[k]), sum(k => e) — the total of a map's values (unbounded)"),
        ("count", "count(m) — how many keys of a map hold a non-zero value"),
        ("mulDiv", "mulDiv(a, b, c) — a * b / c with the product in full precision, rounded down"),
        ("mulDivUp", "mulDivUp(a, b, c) — a * b / c with the product in full precision, rounded up"),
        ("min", "min(a, b) — the smaller of two uints"),
        ("max", "max(a, b) — the larger of two uints"),
        ("max_uint256", "max_uint256 — 2**256 - 1 (max_uint8 ... max_uint248: 2**N - 1)"),
        ("len", "len(b) — the length of a byte string"),
        ("reverted", "reverted — in a rule: whether the action reverted"),
        ("result", "result — in a rule: the value the action returned"),
    ]

    /// The token under the cursor and the declaration it denotes, if any.
    private func target(_ params: [String: Any]) throws -> (Document, SpecToken, SpecDeclaration?)? {
        let (document, offset) = try position(params)
        guard let token = document.token(at: offset) else { return nil }
        guard token.kind == .identifier || token.kind == .primed else { return (document, token, nil) }
        return (document, token, document.resolve(token.name, at: token.start))
    }

    func hover(_ params: [String: Any]) throws -> Any {
        guard let found = try target(params) else { return NSNull() }
        let (document, token, decl) = found
        var text: String
        if let decl {
            let label: String
            switch decl.kind {
            case .state: label = "state \(decl.name): \(decl.detail)"
            case .parameter: label = "(parameter) \(decl.name): \(decl.detail)"
            case .local: label = "(local) \(decl.name): \(decl.detail)"
            default: label = decl.detail
            }
            text = "```tspec\n\(label)\n```"
            let doc = document.docComment(decl)
            if !doc.isEmpty { text += "\n\n" + doc }
        } else if let builtin = LanguageServer.builtins.first(where: { $0.name == token.name }) {
            text = "```tspec\n\(builtin.detail)\n```"
        } else {
            return NSNull()
        }
        let range = document.range(start: token.start, end: token.end)
        return ["contents": ["kind": "markdown", "value": text], "range": range] as [String: Any]
    }

    func definition(_ params: [String: Any]) throws -> Any {
        guard let found = try target(params), let decl = found.2 else { return NSNull() }
        let document = found.0
        return location(document, decl.location, length: decl.name.count)
    }

    func references(_ params: [String: Any]) throws -> Any {
        guard let found = try target(params), let decl = found.2 else { return [Any]() }
        let document = found.0
        let context = params["context"] as? [String: Any]
        let includeDeclaration = context?["includeDeclaration"] as? Bool ?? true
        return document.references(to: decl).filter { t in
            includeDeclaration || !(t.line == decl.location.line && t.column == decl.location.column)
        }.map { t in
            ["uri": document.uri, "range": document.range(start: t.start, end: t.end)] as [String: Any]
        }
    }

    private func location(_ document: Document, _ location: TitanIR.SourceLocation, length: Int) -> [String: Any] {
        ["uri": document.uri, "range": document.range(line: location.line, column: location.column, length: length)]
    }

    /// LSP SymbolKind numbers.
    private static func symbolKind(_ kind: SpecDeclaration.Kind) -> Int {
        switch kind {
        case .model: return 5 // Class
        case .constant: return 14 // Constant
        case .state: return 8 // Field
        case .action: return 6 // Method
        case .constructor: return 9 // Constructor
        case .function: return 12 // Function
        case .view: return 7 // Property
        case .invariant, .rule, .lemma: return 24 // Event: a claim checked about the model
        case .scenario: return 2 // Module
        case .parameter, .local: return 13 // Variable
        }
    }

    func documentSymbols(_ params: [String: Any]) throws -> Any {
        let document = try document(params)
        func symbol(_ d: SpecDeclaration, children: [SpecDeclaration]) -> [String: Any] {
            let selection = document.range(line: d.location.line, column: d.location.column, length: d.name.count)
            // The range must contain the selection, even for a declaration the outline cut short.
            let end = max(d.end, d.start + 1)
            var s: [String: Any] = ["name": d.name, "detail": d.detail, "kind": LanguageServer.symbolKind(d.kind),
                                    "range": document.range(start: d.start, end: end), "selectionRange": selection]
            if !children.isEmpty { s["children"] = children.map { symbol($0, children: []) } }
            return s
        }
        return document.models.map { symbol($0, children: $0.children) }
    }

    func completion(_ params: [String: Any]) throws -> Any {
        let (document, offset) = try position(params)
        var items: [[String: Any]] = []
        var seen = Set<String>()
        func add(_ label: String, _ kind: Int, _ detail: String) {
            guard seen.insert(label).inserted else { return }
            items.append(["label": label, "kind": kind, "detail": detail])
        }
        if let model = document.model(at: offset) {
            if let member = model.children.first(where: { $0.start <= offset && offset < $0.end }) {
                for local in member.children where local.kind == .parameter || local.start < offset {
                    add(local.name, 6, local.detail) // Variable
                }
            }
            // CompletionItemKind: Field, Method, Function, Property; Reference for properties and scenarios.
            let kinds: [SpecDeclaration.Kind: Int] = [.state: 5, .action: 2, .function: 3, .view: 10]
            for member in model.children where member.kind != .constructor {
                let kind = kinds[member.kind] ?? 18
                add(member.name, kind, member.detail)
            }
        }
        for builtin in LanguageServer.builtins { add(builtin.name, 3, builtin.detail) }
        for keyword in SpecLoader.keywords { add(keyword, 14, "keyword") }
        return ["isIncomplete": false, "items": items] as [String: Any]
    }
}
