import BigInt
import TitanIR

/// The untyped syntax tree. Every node keeps where it starts, so type errors point at it.

struct TypeSyntax: Sendable {
    indirect enum Kind: Sendable {
        case bool, address
        case uint(Int)
        case map(key: TypeSyntax, value: TypeSyntax)
    }
    var kind: Kind
    var location: SourceLocation
}

struct ExprSyntax: Sendable {
    indirect enum Kind: Sendable {
        case number(BigUInt)
        case bool(Bool)
        case maxUint256
        case reverted
        case name(String)
        case primed(String)
        case sum(String, primed: Bool)
        case not(ExprSyntax)
        case binary(BinaryOp, ExprSyntax, ExprSyntax)
        case index(ExprSyntax, ExprSyntax)
        case ternary(ExprSyntax, ExprSyntax, ExprSyntax)
    }
    var kind: Kind
    /// Where the expression starts (its opening parenthesis, if it was parenthesized).
    var location: SourceLocation
    /// Nesting height, bounded by the parser so checking can never exhaust the stack.
    var height: Int

    init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
        switch kind {
        case .number, .bool, .maxUint256, .reverted, .name, .primed, .sum:
            height = 1
        case .not(let e):
            height = e.height + 1
        case .binary(_, let l, let r), .index(let l, let r):
            height = max(l.height, r.height) + 1
        case .ternary(let c, let t, let e):
            height = max(c.height, t.height, e.height) + 1
        }
    }
}

struct ParamSyntax: Sendable {
    var name: String
    var type: TypeSyntax
    var location: SourceLocation
}

struct NameSyntax: Sendable {
    var name: String
    var location: SourceLocation
}

struct LValueSyntax: Sendable {
    var root: NameSyntax
    var indices: [ExprSyntax]
}

indirect enum StmtSyntax: Sendable {
    case require(ExprSyntax, keyword: SourceLocation)
    case assign(LValueSyntax, ExprSyntax)
    case bind(NameSyntax, ExprSyntax)
    case ifElse(ExprSyntax, [StmtSyntax], [StmtSyntax])
    case unchecked([StmtSyntax])
}

struct StateSyntax: Sendable {
    var name: NameSyntax
    var type: TypeSyntax
    var initial: ExprSyntax?
}

struct ActionSyntax: Sendable {
    var name: NameSyntax
    var params: [ParamSyntax]
    var body: [StmtSyntax]
}

struct PropertySyntax: Sendable {
    enum Kind: Sendable {
        case invariant
        case rule(params: [ParamSyntax], action: NameSyntax, actionArgs: [NameSyntax])
    }
    var name: NameSyntax
    var kind: Kind
    var body: ExprSyntax
    /// From the `invariant`/`rule` keyword to the end of the expression, as written.
    var sourceText: String
}

struct ArithmeticSyntax: Sendable {
    var mode: Arithmetic
    var location: SourceLocation
}

/// Members in source order, since `arithmetic` must precede the actions.
enum MemberSyntax: Sendable {
    case arithmetic(ArithmeticSyntax)
    case state(StateSyntax)
    case action(ActionSyntax)
    case property(PropertySyntax)
}

struct ModelSyntax: Sendable {
    var name: NameSyntax
    var members: [MemberSyntax]
}
