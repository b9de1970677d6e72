import TitanIR
import BigInt

/// Recursive descent over the token list; throws the first syntax error as a `Diagnostic`.
struct Parser {
    /// Limits that keep recursion (here and in the checker) far from the stack's end.
    static let maxNesting = 100
    static let maxHeight = 500

    private let source: SourceFile
    private let tokens: [Token]
    private var position = 0
    private var nesting = 0
    /// Mutation sites of actions and views (see `MutationSite`); `owner` is set inside one.
    private(set) var sites: [MutationSite] = []
    private var owner: String?
    private var model = ""
    private var namesInScope: [String] = []
    /// The model's constants whose value is a number, by name: a loop's bound may name one.
    private var numberConstants: [String: BigUInt] = [:]

    init(source: SourceFile, tokens: [Token]) {
        self.source = source
        self.tokens = tokens
    }

    // MARK: Token cursor

    private var current: Token { tokens[min(position, tokens.count - 1)] }
    private var previous: Token { tokens[max(0, min(position, tokens.count) - 1)] }
    /// The token after `current`.
    private var next: Token { tokens[min(position + 1, tokens.count - 1)] }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private func error(_ message: String, at location: SourceLocation? = nil) -> Diagnostic {
        source.diagnostic(message, at: location ?? current.location)
    }

    /// "expected X <context>, found Y" at the current token.
    private func expected(_ what: String) -> Diagnostic {
        error("expected \(what), found \(current.quoted)")
    }

    private mutating func accept(_ p: Punct) -> Bool {
        guard current.isPunct(p) else { return false }
        advance()
        return true
    }

    private mutating func accept(_ k: Keyword) -> Bool {
        guard current.isKeyword(k) else { return false }
        advance()
        return true
    }

    private mutating func expect(_ p: Punct, _ context: String) throws {
        guard accept(p) else { throw expected("'\(p.rawValue)' \(context)") }
    }

    private mutating func identifier(_ what: String) throws -> NameSyntax {
        guard case .identifier(let name) = current.kind else {
            if case .keyword(let k) = current.kind {
                throw error("expected \(what), found keyword '\(k.rawValue)' (keywords are reserved)")
            }
            throw expected(what)
        }
        let result = NameSyntax(name: name, location: current.location)
        advance()
        return result
    }

    /// Runs `body` one level deeper, refusing input nested beyond `maxNesting`.
    private mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        guard nesting < Parser.maxNesting else {
            throw error("nesting is too deep (more than \(Parser.maxNesting) levels)")
        }
        nesting += 1
        defer { nesting -= 1 }
        return try body(&self)
    }

    private mutating func site(_ kind: MutationSite.Kind, _ range: Range<Int>) {
        guard let owner else { return }
        sites.append(MutationSite(kind: kind, range: range, model: model, owner: owner, names: namesInScope))
    }

    private func node(_ kind: ExprSyntax.Kind, at location: SourceLocation) throws -> ExprSyntax {
        let expr = ExprSyntax(kind, at: location)
        guard expr.height <= Parser.maxHeight else {
            throw error("expression is too deeply nested", at: location)
        }
        return expr
    }

    // MARK: Models

    mutating func parseFile() throws -> [ModelSyntax] {
        var models: [ModelSyntax] = []
        while current.kind != .endOfFile {
            guard current.isKeyword(.model) else { throw expected("'model'") }
            models.append(try parseModel())
        }
        return models
    }

    private mutating func parseModel() throws -> ModelSyntax {
        advance() // 'model'
        let name = try identifier("model name after 'model'")
        model = name.name
        numberConstants = [:]
        try expect(.lbrace, "after model name")
        var members: [MemberSyntax] = []
        while !accept(.rbrace) {
            members.append(try parseMember(model: name.name))
        }
        return ModelSyntax(name: name, members: members)
    }

    private mutating func parseMember(model: String) throws -> MemberSyntax {
        let keyword = current
        switch keyword.kind {
        case .keyword(.arithmetic):
            advance()
            let mode: Arithmetic
            if accept(.checked) { mode = .checked } else if accept(.wrapping) { mode = .wrapping } else {
                throw expected("'checked' or 'wrapping' after 'arithmetic'")
            }
            return .arithmetic(ArithmeticSyntax(mode: mode, location: keyword.location))
        case .keyword(.state):
            advance()
            return .state(try parseState())
        case .keyword(.action):
            advance()
            return .action(try parseAction())
        case .keyword(.invariant), .keyword(.rule), .keyword(.lemma):
            advance()
            return .property(try parseProperty(keyword: keyword))
        case .keyword(.view):
            advance()
            let name = try identifier("view name after 'view'")
            try expect(.lparen, "after view name")
            let params = current.isPunct(.rparen) ? [] : try parseParams()
            try expect(.rparen, "after view parameters")
            try expect(.colon, "before the view's type")
            let type = try parseType()
            try expect(.assign, "before the view's expression")
            owner = name.name
            namesInScope = params.map(\.name)
            defer { owner = nil }
            return .view(ViewSyntax(name: name, params: params, type: type, body: try parseExpression()))
        case .identifier("scenario"):
            advance()
            return .scenario(try parseScenario(keyword: keyword))
        case .identifier("function"):
            advance()
            return .function(try parseFunction())
        case .identifier("constructor"):
            advance()
            return .constructor(try parseConstructor(keyword: keyword))
        case .identifier("immutable") where { if case .identifier = next.kind { return true } else { return false } }():
            advance()
            var state = try parseState(after: "'immutable'")
            state.immutable = true
            return .state(state)
        case .identifier("const") where { if case .identifier = next.kind { return true } else { return false } }():
            advance()
            let name = NameSyntax(name: current.text, location: current.location)
            advance()
            try expect(.colon, "after constant name '\(name.name)' (a constant is written 'const \(name.name): type = value')")
            let type = try parseType()
            try expect(.assign, "after the type of constant '\(name.name)'")
            let value = try parseExpression()
            if case .number(let n) = value.kind { numberConstants[name.name] = n }
            return .constant(ConstantSyntax(name: name, type: type, value: value))
        case .endOfFile:
            throw expected("'}' to close model '\(model)'")
        case .identifier(let word) where Parser.notInTheLanguage[word] != nil:
            throw error("'\(word)' is not part of the spec language: \(Parser.notInTheLanguage[word]!)")
        default:
            throw expected("'arithmetic', 'const', 'state', 'immutable', 'constructor', 'action', 'function', 'view', 'invariant', 'rule', 'lemma', 'scenario' or '}' in model '\(model)'")
        }
    }

    /// `constructor { ... }` or `constructor(params) { ... }`: read as an action of that name.
    private mutating func parseConstructor(keyword: Token) throws -> ActionSyntax {
        var params: [ParamSyntax] = []
        if accept(.lparen) {
            params = current.isPunct(.rparen) ? [] : try parseParams()
            try expect(.rparen, "after constructor parameters")
        }
        if current.isPunct(.colon) { throw expected("'{': a constructor returns nothing") }
        let name = NameSyntax(name: Action.constructorName, location: keyword.location)
        owner = name.name
        namesInScope = params.map(\.name)
        defer { owner = nil }
        let body = try parseBlock("constructor body")
        return ActionSyntax(name: name, params: params, returns: nil, body: body)
    }

    /// Steps are calls and `expect`s; `from`, `at`, `paying` and `reverts` after a call are read as words
    /// only there, so they stay free as names elsewhere.
    private mutating func parseScenario(keyword: Token) throws -> ScenarioSyntax {
        let name = try identifier("scenario name after 'scenario'")
        try expect(.lbrace, "after scenario name")
        namesInScope = []
        var steps: [ScenarioSyntax.Step] = []
        while !accept(.rbrace) {
            if case .endOfFile = current.kind { throw expected("'}' to close scenario '\(name.name)'") }
            if case .identifier("expect") = current.kind {
                advance()
                steps.append(.expect(try parseExpression()))
                continue
            }
            let action = try identifier("an action call or 'expect' in scenario '\(name.name)'")
            try expect(.lparen, "after action name in scenario '\(name.name)'")
            var args: [ExprSyntax] = []
            if !current.isPunct(.rparen) {
                repeat { args.append(try parseExpression()) } while accept(.comma)
            }
            try expect(.rparen, "after the arguments of '\(action.name)'")
            var sender: ExprSyntax?, time: ExprSyntax?, value: ExprSyntax?, reverts = false
            while true {
                if sender == nil, case .identifier("from") = current.kind { advance(); sender = try parseExpression(); continue }
                if time == nil, case .identifier("at") = current.kind { advance(); time = try parseExpression(); continue }
                if value == nil, case .identifier("paying") = current.kind { advance(); value = try parseExpression(); continue }
                if !reverts, case .identifier("reverts") = current.kind { advance(); reverts = true; continue }
                break
            }
            steps.append(.call(action: action, args: args, sender: sender, time: time, value: value, reverts: reverts))
        }
        return ScenarioSyntax(name: name, steps: steps, sourceText: source.text(from: keyword.start, to: previous.end))
    }

    private mutating func parseState(after keyword: String = "'state'") throws -> StateSyntax {
        let name = try identifier("state variable name after \(keyword)")
        try expect(.colon, "after state variable name")
        let type = try parseType()
        var initial: ExprSyntax?
        if accept(.assign) { initial = try parseExpression() }
        return StateSyntax(name: name, type: type, initial: initial)
    }

    private mutating func parseAction() throws -> ActionSyntax {
        let name = try identifier("action name after 'action'")
        try expect(.lparen, "after action name")
        let params = current.isPunct(.rparen) ? [] : try parseParams()
        try expect(.rparen, "after action parameters")
        let returns = accept(.colon) ? try parseType() : nil
        // `payable` is a word only here, so it stays free as a name elsewhere.
        var payable = false
        if case .identifier("payable") = current.kind { advance(); payable = true }
        owner = name.name
        namesInScope = params.map(\.name)
        defer { owner = nil }
        let body = try parseBlock("action body")
        return ActionSyntax(name: name, params: params, returns: returns, body: body, payable: payable)
    }

    private mutating func parseFunction() throws -> FunctionSyntax {
        let name = try identifier("function name after 'function'")
        try expect(.lparen, "after function name")
        let params = current.isPunct(.rparen) ? [] : try parseParams()
        try expect(.rparen, "after function parameters")
        let returns = accept(.colon) ? try parseType() : nil
        owner = name.name
        namesInScope = params.map(\.name)
        defer { owner = nil }
        let body = try parseBlock("function body")
        return FunctionSyntax(name: name, params: params, returns: returns, body: body)
    }

    private mutating func parseProperty(keyword: Token) throws -> PropertySyntax {
        let isRule = keyword.isKeyword(.rule)
        let word = keyword.isKeyword(.rule) ? "rule" : keyword.isKeyword(.lemma) ? "lemma" : "invariant"
        let name = try identifier("\(word) name after '\(word)'")
        var params: [ParamSyntax] = []
        if accept(.lparen) {
            if !current.isPunct(.rparen) { params = try parseParams() }
            try expect(.rparen, "after \(word) parameters")
        }
        let kind: PropertySyntax.Kind
        if isRule {
            guard accept(.on) else {
                throw expected(params.isEmpty ? "'on' or '(' after rule name" : "'on' after rule parameters")
            }
            if accept(.any) {
                kind = .rule(params: params, action: nil, actionArgs: [])
            } else {
                let action = try identifier("action name (or 'any') after 'on'")
                try expect(.lparen, "after action name in rule")
                var args: [NameSyntax] = []
                if !current.isPunct(.rparen) {
                    repeat { args.append(try identifier("argument name")) } while accept(.comma)
                }
                try expect(.rparen, "after rule arguments")
                kind = .rule(params: params, action: action, actionArgs: args)
            }
            try expect(.colon, "before rule body")
        } else {
            kind = word == "lemma" ? .lemma(params: params) : .invariant(params: params)
            try expect(.colon, "after \(word) name")
        }
        let body = try parseExpression()
        let text = source.text(from: keyword.start, to: previous.end)
        // `... using lemma, ...`: hints for the solver.
        var using: [NameSyntax] = []
        if case .identifier("using") = current.kind {
            advance()
            repeat { using.append(try identifier("lemma name after 'using'")) } while accept(.comma)
        }
        // `... expect violated`: a deliberate bug the property must refute.
        var expectViolated = false
        if case .identifier("expect") = current.kind {
            advance()
            guard case .identifier("violated") = current.kind else { throw expected("'violated' after 'expect'") }
            advance()
            expectViolated = true
        }
        return PropertySyntax(name: name, kind: kind, body: body, sourceText: Parser.trimmed(text), expectViolated: expectViolated, using: using)
    }

    private static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }), let last = text.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(text[first...last])
    }

    private mutating func parseParams() throws -> [ParamSyntax] {
        var params: [ParamSyntax] = []
        repeat {
            let name = try identifier("parameter name")
            try expect(.colon, "after parameter name")
            params.append(ParamSyntax(name: name.name, type: try parseType(), location: name.location))
        } while accept(.comma)
        return params
    }

    /// The most iterations of a `for` loop: it is unrolled, so its body is checked and proved
    /// that many times.
    static let maxLoopBound = 64

    /// The width of `uintN` for N a multiple of 8 from 8 to 256; the power-of-two widths are
    /// keywords, the others (`uint24`, `uint112`, ...) identifiers read here.
    static func uintWidth(_ name: String) -> Int? {
        guard name.hasPrefix("uint"), let n = Int(name.dropFirst(4)), String(n) == name.dropFirst(4),
              n >= 8, n <= 256, n % 8 == 0 else { return nil }
        return n
    }

    /// The width of `intN` for N a multiple of 8 from 8 to 256; `int` is int256, as in Solidity.
    static func intWidth(_ name: String) -> Int? {
        if name == "int" { return 256 }
        guard name.hasPrefix("int"), let n = Int(name.dropFirst(3)), String(n) == name.dropFirst(3),
              n >= 8, n <= 256, n % 8 == 0 else { return nil }
        return n
    }

    private mutating func parseType() throws -> TypeSyntax {
        let token = current
        let kind: TypeSyntax.Kind
        switch token.kind {
        case .keyword(.bool): kind = .bool
        case .keyword(.address): kind = .address
        case .keyword(.uint), .keyword(.uint256): kind = .uint(256)
        case .keyword(.uint8): kind = .uint(8)
        case .keyword(.uint16): kind = .uint(16)
        case .keyword(.uint32): kind = .uint(32)
        case .keyword(.uint64): kind = .uint(64)
        case .keyword(.uint128): kind = .uint(128)
        case .keyword(.bytes):
            advance()
            guard accept(.lt) else { return TypeSyntax(kind: .bytes(Sort.defaultBytesLength), location: token.location) }
            guard case .number(let n) = current.kind, n >= 1, n <= 1024 else {
                throw expected("a maximum length from 1 to 1024 in 'bytes<...>'")
            }
            advance()
            try expect(.gt, "to close 'bytes<'")
            return TypeSyntax(kind: .bytes(Int(n)), location: token.location)
        case .keyword(.map):
            advance()
            return try nested { p in
                try p.expect(.lt, "after 'map'")
                let key = try p.parseType()
                try p.expect(.comma, "after map key type")
                let value = try p.parseType()
                try p.expect(.gt, "to close map type")
                return TypeSyntax(kind: .map(key: key, value: value), location: token.location)
            }
        case .identifier(let name) where Parser.uintWidth(name) != nil:
            kind = .uint(Parser.uintWidth(name)!)
        case .identifier("bytes32"):
            kind = .bytes(32)
        case .identifier(let name) where name.hasPrefix("uint"):
            throw error("unknown type '\(name)'; uint widths are multiples of 8 from 8 to 256 (uint8, uint16, ..., uint112, ..., uint256)")
        case .identifier("mapping"):
            throw error("'mapping(K => V)' is written 'map<K, V>' in a spec")
        case .identifier(let name) where Parser.intWidth(name) != nil:
            kind = .int(Parser.intWidth(name)!)
        case .identifier(let name) where name.hasPrefix("int") && Int(name.dropFirst(3)) != nil:
            throw error("unknown type '\(name)'; int widths are multiples of 8 from 8 to 256 (int8, int16, ..., int128, ..., int256)")
        case .identifier("string"):
            throw error("'string' is not a spec type; use 'bytes<N>' with a maximum length")
        default:
            throw expected("a type")
        }
        advance()
        return TypeSyntax(kind: kind, location: token.location)
    }

    /// Solidity and Vyper words a model may reach for, with what to write instead.
    static let notInTheLanguage: [String: String] = [
        "struct": "use one map per field, all keyed alike (state owner: map<uint256, address>, state amount: map<uint256, uint256>)",
        "enum": "use a uint8 state variable and constants ('const OPEN: uint8 = 1')",
        "modifier": "write its checks as a 'function' called at the start of each action, or as 'require's",
        "event": "events are not modelled; keep what an event records in state",
        "mapping": "a map state variable is written 'state name: map<K, V>'",
        "contract": "a contract is written 'model Name { ... }'",
        "interface": "a model has no interfaces; model the calls it makes as actions",
        "library": "write shared logic as a 'function' or a 'view' in the model",
        "constant": "a constant is written 'const NAME: type = value'",
    ]

    // MARK: Statements

    private mutating func parseBlock(_ what: String) throws -> [StmtSyntax] {
        try expect(.lbrace, "to start \(what)")
        return try nested { p in
            var statements: [StmtSyntax] = []
            while !p.accept(.rbrace) {
                if p.current.kind == .endOfFile { throw p.expected("'}' to close \(what)") }
                statements.append(try p.parseStatement())
                _ = p.accept(.semicolon)
            }
            return statements
        }
    }

    private mutating func parseStatement() throws -> StmtSyntax {
        let token = current
        switch token.kind {
        case .keyword(.require):
            advance()
            let conditionStart = current.start
            let condition = try parseExpression()
            site(.require(condition: conditionStart..<previous.end), token.start..<previous.end)
            return .require(condition, keyword: token.location)
        case .keyword(.let):
            advance()
            let (name, type, value) = try parseLocal("let")
            return .bind(name, type, value)
        case .keyword(.if):
            advance()
            return try parseIf()
        case .keyword(.unchecked):
            advance()
            let block = try parseBlock("'unchecked' block")
            site(.unchecked(close: previous.start..<previous.end), token.start..<token.end)
            return .unchecked(block)
        case .identifier("for") where { if case .identifier = next.kind { return true } else { return false } }():
            // `for` is a word only here, as `var` is.
            advance()
            return try parseFor(keyword: token.location)
        case .identifier("while") where next.isPunct(.lparen) || { if case .identifier = next.kind { return true } else { return false } }():
            throw error("loops need a constant bound: write 'for i in 0..N { }' with N a number from 1 to \(Parser.maxLoopBound)")
        case .identifier("var") where { if case .identifier = next.kind { return true } else { return false } }():
            // `var` is a word only here: `var x = e`; elsewhere it stays free as a name.
            advance()
            let (name, type, value) = try parseLocal("var")
            return .declare(name, type, value)
        case .identifier("return") where !next.isPunct(.assign) && !next.isPunct(.lbracket):
            // `return` is a word only here; a variable of that name can still be assigned.
            advance()
            return .return(try parseExpression(), keyword: token.location)
        case .identifier(let name) where next.isPunct(.lparen):
            advance()
            advance()
            var args: [ExprSyntax] = []
            if !current.isPunct(.rparen) {
                repeat { args.append(try parseExpression()) } while accept(.comma)
            }
            try expect(.rparen, "after the arguments of '\(name)'")
            return .call(NameSyntax(name: name, location: token.location), args)
        case .identifier(let name):
            advance()
            return try parseAssignment(name, token)
        case .primed:
            throw error("primed names cannot be assigned; assign the state variable without the prime")
        default:
            throw expected("a statement or '}'")
        }
    }

    /// `for i in 0..N { ... }` after `for`: N a number or a constant, at most `maxLoopBound`.
    private mutating func parseFor(keyword: SourceLocation) throws -> StmtSyntax {
        let name = NameSyntax(name: current.text, location: current.location)
        advance()
        guard case .identifier("in") = current.kind else { throw expected("'in' after 'for \(name.name)'") }
        advance()
        guard case .number(let low) = current.kind, low == 0 else { throw expected("0, the start of the loop's range 0..N") }
        advance()
        try expect(.range, "in the loop's range 0..N")
        let high: BigUInt
        switch current.kind {
        case .number(let n): high = n
        case .identifier(let c) where numberConstants[c] != nil: high = numberConstants[c]!
        default:
            throw error("loops need a constant bound: write 'for \(name.name) in 0..N { }' with N a number from 1 to \(Parser.maxLoopBound), or a constant declared above with such a value")
        }
        guard high >= 1, high <= BigUInt(Parser.maxLoopBound) else {
            throw error("a loop runs at most \(Parser.maxLoopBound) times (it is unrolled), found 0..\(high)")
        }
        advance()
        let body = try parseBlock("the loop's body")
        return .forRange(name, count: Int(high), body, keyword: keyword)
    }

    /// `name[k]... = e` after the target's name, with the usual mistakes named (`x += e`, `x++`, `emit`).
    private mutating func parseAssignment(_ name: String, _ token: Token) throws -> StmtSyntax {
        var indices: [ExprSyntax] = []
        var indexRanges: [Range<Int>] = []
        while accept(.lbracket) {
            let start = current.start
            indices.append(try parseExpression())
            indexRanges.append(start..<previous.end)
            try expect(.rbracket, "after index")
        }
        if case .punct(let p) = current.kind, [.plus, .minus, .star, .slash, .percent].contains(p) {
            let op = current.text
            if next.isPunct(.assign) {
                throw error("compound assignment '\(name) \(op)= e' is written '\(name) = \(name) \(op) e'")
            }
            if next.isPunct(p) && (p == .plus || p == .minus) {
                throw error("'\(name)\(op)\(op)' is written '\(name) = \(name) \(op) 1'")
            }
        }
        if indices.isEmpty, name == "emit" {
            throw error("'emit' is not part of the spec language: events are not modelled; keep what an event records in state", at: token.location)
        }
        try expect(.assign, "after assignment target")
        let lvalue = LValueSyntax(root: NameSyntax(name: name, location: token.location), indices: indices)
        let value = try parseExpression()
        site(.assignment(indices: indexRanges), token.start..<previous.end)
        return .assign(lvalue, value)
    }

    /// `name [: type] = e` after `let` or `var`; the name is in scope from the next statement.
    private mutating func parseLocal(_ word: String) throws -> (NameSyntax, TypeSyntax?, ExprSyntax) {
        let name = try identifier("name after '\(word)'")
        let type = accept(.colon) ? try parseType() : nil
        try expect(.assign, "after '\(word) \(name.name)\(type == nil ? "" : ": type")'")
        let value = try parseExpression()
        namesInScope.append(name.name)
        return (name, type, value)
    }

    private mutating func parseIf() throws -> StmtSyntax {
        let condition = try parseExpression()
        let then = try parseBlock("'if' block")
        let elseToken = current
        guard accept(.else) else { return .ifElse(condition, then, []) }
        if accept(.if) {
            // Else-if chains recurse once per link, so they count toward the nesting limit.
            let nestedIf = try nested { p in try p.parseIf() }
            site(.elseBranch, elseToken.start..<previous.end)
            return .ifElse(condition, then, [nestedIf])
        }
        let otherwise = try parseBlock("'else' block")
        site(.elseBranch, elseToken.start..<previous.end)
        return .ifElse(condition, then, otherwise)
    }

    // MARK: Expressions

    mutating func parseExpression() throws -> ExprSyntax {
        try nested { p in try p.parseTernary() }
    }

    private mutating func parseTernary() throws -> ExprSyntax {
        let condition = try parseImplies()
        guard accept(.question) else { return condition }
        let then = try parseExpression()
        try expect(.colon, "in conditional expression")
        let otherwise = try parseExpression()
        return try node(.ternary(condition, then, otherwise), at: condition.location)
    }

    private mutating func parseImplies() throws -> ExprSyntax {
        let left = try parseOr()
        guard accept(.implies) else { return left }
        let right = try nested { p in try p.parseImplies() }
        return try node(.binary(.implies, left, right), at: left.location)
    }

    private mutating func parseOr() throws -> ExprSyntax {
        var left = try parseAnd()
        while accept(.or) {
            left = try node(.binary(.or, left, try parseAnd()), at: left.location)
        }
        return left
    }

    private mutating func parseAnd() throws -> ExprSyntax {
        var left = try parseComparison()
        while accept(.and) {
            left = try node(.binary(.and, left, try parseComparison()), at: left.location)
        }
        return left
    }

    private static let comparisons: [Punct: BinaryOp] = [.eq: .eq, .ne: .ne, .lt: .lt, .le: .le, .gt: .gt, .ge: .ge]

    private mutating func parseComparison() throws -> ExprSyntax {
        let left = try parseAdditive()
        guard case .punct(let p) = current.kind, let op = Parser.comparisons[p] else { return left }
        site(.comparison(op), current.start..<current.end)
        advance()
        let right = try parseAdditive()
        if case .punct(let next) = current.kind, Parser.comparisons[next] != nil {
            throw error("comparison operators cannot be chained; add parentheses")
        }
        return try node(.binary(op, left, right), at: left.location)
    }

    private mutating func parseAdditive() throws -> ExprSyntax {
        var left = try parseMultiplicative()
        while true {
            let op: BinaryOp
            let token = current
            if accept(.plus) { op = .add } else if accept(.minus) { op = .sub } else { return left }
            site(.arithmetic(op), token.start..<token.end)
            left = try node(.binary(op, left, try parseMultiplicative()), at: left.location)
        }
    }

    private mutating func parseMultiplicative() throws -> ExprSyntax {
        var left = try parseUnary()
        while true {
            let op: BinaryOp
            let token = current
            if accept(.star) { op = .mul } else if accept(.slash) { op = .div } else if accept(.percent) { op = .mod } else {
                return left
            }
            site(.arithmetic(op), token.start..<token.end)
            left = try node(.binary(op, left, try parseUnary()), at: left.location)
            if current.isPunct(.power) { throw error("'**' is only for constant literals, e.g. 2**96") }
        }
    }

    private mutating func parseUnary() throws -> ExprSyntax {
        let token = current
        if accept(.minus) {
            let operand = try nested { p in try p.parseUnary() }
            return try node(.negate(operand), at: token.location)
        }
        guard accept(.not) else { return try parsePostfix() }
        let operand = try nested { p in try p.parseUnary() }
        return try node(.not(operand), at: token.location)
    }

    private mutating func parsePostfix() throws -> ExprSyntax {
        var base = try parsePrimary()
        while accept(.lbracket) {
            let index = try parseExpression()
            try expect(.rbracket, "after index")
            base = try node(.index(base, index), at: base.location)
        }
        return base
    }

    private mutating func parsePrimary() throws -> ExprSyntax {
        let token = current
        let location = token.location
        switch token.kind {
        case .number(let value):
            return try parseNumber(value, token)
        case .keyword(.true), .keyword(.false):
            site(.bool(token.isKeyword(.true)), token.start..<token.end)
            advance()
            return ExprSyntax(.bool(token.isKeyword(.true)), at: location)
        case .keyword(.reverted):
            advance()
            return ExprSyntax(.reverted, at: location)
        case .keyword(.max_uint256):
            advance()
            return ExprSyntax(.maxUint256, at: location)
        case .identifier(let name) where name.hasPrefix("max_uint") && Parser.uintWidth(String(name.dropFirst(4))) != nil:
            // max_uint8 ... max_uint248: a literal, which takes the sort of where it is used.
            advance()
            return ExprSyntax(.number(BigUInt(1) << Parser.uintWidth(String(name.dropFirst(4)))! - 1), at: location)
        case .identifier(let name) where name.hasPrefix("max_int") && Parser.intWidth(String(name.dropFirst(4))) != nil:
            // max_int8 ... max_int256: a literal, which takes the sort of where it is used.
            advance()
            return ExprSyntax(.number(BigUInt(1) << (Parser.intWidth(String(name.dropFirst(4)))! - 1) - 1), at: location)
        case .identifier(let name) where name.hasPrefix("min_int") && Parser.intWidth(String(name.dropFirst(4))) != nil:
            advance()
            let magnitude = ExprSyntax(.number(BigUInt(1) << (Parser.intWidth(String(name.dropFirst(4)))! - 1)), at: location)
            return ExprSyntax(.negate(magnitude), at: location)
        case .identifier(let name) where (Parser.uintWidth(name) != nil || Parser.intWidth(name) != nil) && next.isPunct(.lparen):
            // A conversion to a width that is not a keyword, `uint112(e)`, or to an int, `int128(e)`.
            let target = Parser.uintWidth(name).map(Sort.uint) ?? .sint(Parser.intWidth(name)!)
            advance()
            try expect(.lparen, "after '\(name)'")
            let inner = try parseExpression()
            try expect(.rparen, "to close '\(name)('")
            return try node(.convert(target, inner), at: location)
        case .identifier(let name), .primed(let name):
            return try parseNameOrCall(name, token)
        case .hexBytes(let data):
            advance()
            return ExprSyntax(.hexBytes(data), at: location)
        case .keyword(.uint), .keyword(.uint256), .keyword(.uint8), .keyword(.uint16), .keyword(.uint32),
             .keyword(.uint64), .keyword(.uint128):
            // A conversion: the type name applied to one expression, `uint8(e)`.
            let type = try parseType()
            guard case .uint(let width) = type.kind else { throw expected("a uint type") }
            try expect(.lparen, "after '\(token.text)' (a conversion is written '\(token.text)(expression)')")
            let inner = try parseExpression()
            try expect(.rparen, "to close '\(token.text)('")
            return try node(.convert(.uint(width), inner), at: location)
        case .keyword(.len):
            advance()
            try expect(.lparen, "after 'len'")
            let inner = try parseExpression()
            try expect(.rparen, "to close 'len('")
            return try node(.length(inner), at: location)
        case .keyword(.sum), .keyword(.count):
            return try parseSum(token)
        case .punct(.lparen):
            advance()
            var inner = try parseExpression()
            try expect(.rparen, "to close '('")
            // A parenthesized expression starts at its '(' for diagnostics.
            inner.location = location
            return inner
        default:
            throw expected("an expression")
        }
    }

    /// A number literal, or a power of two literals (`2**96`), folded here.
    private mutating func parseNumber(_ value: BigUInt, _ token: Token) throws -> ExprSyntax {
        let location = token.location
        site(.number(value), token.start..<token.end)
        advance()
        guard accept(.power) else { return ExprSyntax(.number(value), at: location) }
        // `2**96`: a constant, folded here; the type checker bounds it like any literal.
        guard case .number(let exponent) = current.kind else { throw expected("a number literal after '**' (a power is written between constants, e.g. 2**96)") }
        guard exponent <= 1024, value.bitWidth * Int(exponent) <= 4096 else {
            throw error("the power \(value)**\(exponent) is too large", at: location)
        }
        advance()
        return ExprSyntax(.number(value.power(Int(exponent))), at: location)
    }

    /// A name, primed or not, or a call of a view, function or built-in by that name.
    private mutating func parseNameOrCall(_ name: String, _ token: Token) throws -> ExprSyntax {
        let location = token.location
        let primed: Bool
        if case .primed = token.kind { primed = true } else { primed = false }
        advance()
        if accept(.lparen) {
            var args: [ExprSyntax] = []
            var ranges: [Range<Int>] = []
            if !current.isPunct(.rparen) {
                repeat {
                    let start = current.start
                    args.append(try parseExpression())
                    ranges.append(start..<previous.end)
                } while accept(.comma)
            }
            if ranges.count >= 2 { site(.callArguments(ranges), token.start..<current.end) }
            try expect(.rparen, "after the arguments of '\(name)'")
            return try node(.call(name, primed: primed, args), at: location)
        }
        return ExprSyntax(primed ? .primed(name) : .name(name), at: location)
    }

    /// `sum(m)`, `sum(m[k])`, `count(m)` (primed or not), or a weighted sum `sum(k => term)`.
    private mutating func parseSum(_ token: Token) throws -> ExprSyntax {
        let location = token.location
        let word = token.isKeyword(.sum) ? "sum" : "count"
        advance()
        try expect(.lparen, "after '\(word)'")
        if word == "sum", case .identifier(let bound) = current.kind, next.isPunct(.arrow) {
            let name = NameSyntax(name: bound, location: current.location)
            advance()
            advance()
            let term = try parseExpression()
            try expect(.rparen, "to close 'sum(\(bound) => ...'")
            return try node(.weightedSum(name, term, text: source.text(from: token.start, to: previous.end)), at: location)
        }
        let name: String, primed: Bool
        switch current.kind {
        case .identifier(let n): name = n; primed = false
        case .primed(let n): name = n; primed = true
        default: throw expected("a state variable name in '\(word)(...)'")
        }
        advance()
        var key: ExprSyntax?
        if accept(.lbracket) {
            key = try parseExpression()
            try expect(.rbracket, "after index")
        }
        try expect(.rparen, "to close '\(word)('")
        return try node(.sum(name, primed: primed, key: key, counting: word == "count"), at: location)
    }
}
