import BigInt
import TitanIR

/// The untyped syntax tree. Every node keeps where it starts, so type errors point at it.

struct TypeSyntax: Sendable {
    indirect enum Kind: Sendable {
        case bool, address
        case uint(Int)
        /// `int8` ... `int256` (`int` is `int256`).
        case int(Int)
        case bytes(Int)
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
        /// `sum(m)`, `count(m)`, `sum(m[k])`; `counting` for `count`.
        case sum(String, primed: Bool, key: ExprSyntax?, counting: Bool)
        /// `sum(k => e)`: the sum over every key `k` of a term over maps read at `[k]`.
        case weightedSum(NameSyntax, ExprSyntax, text: String)
        case hexBytes([UInt8])
        case length(ExprSyntax)
        /// `uint8(e)`, `int64(e)` and the other integer types: an explicit conversion.
        case convert(Sort, ExprSyntax)
        /// A view applied to arguments; `primed` evaluates it in the post-state.
        case call(String, primed: Bool, [ExprSyntax])
        case not(ExprSyntax)
        /// Unary minus, `-e`.
        case negate(ExprSyntax)
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
        case .number, .bool, .maxUint256, .reverted, .name, .primed, .hexBytes, .sum(_, _, nil, _):
            height = 1
        case .sum(_, _, let k?, _), .length(let k), .convert(_, let k), .weightedSum(_, let k, _):
            height = k.height + 1
        case .call(_, _, let args):
            height = (args.map(\.height).max() ?? 0) + 1
        case .not(let e), .negate(let e):
            height = e.height + 1
        case .binary(_, let l, let r), .index(let l, let r):
            height = max(l.height, r.height) + 1
        case .ternary(let c, let t, let e):
            height = max(c.height, t.height, e.height) + 1
        }
    }

    /// The sub-expressions, in source order.
    var children: [ExprSyntax] {
        switch kind {
        case .number, .bool, .maxUint256, .reverted, .name, .primed, .hexBytes, .sum(_, _, nil, _): return []
        case .sum(_, _, let k?, _), .length(let k), .convert(_, let k), .weightedSum(_, let k, _), .not(let k), .negate(let k): return [k]
        case .call(_, _, let args): return args
        case .binary(_, let l, let r), .index(let l, let r): return [l, r]
        case .ternary(let c, let t, let e): return [c, t, e]
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
    /// `let name = e` or `let name: type = e`.
    case bind(NameSyntax, TypeSyntax?, ExprSyntax)
    /// `var name = e` or `var name: type = e`: a local that later statements may assign.
    case declare(NameSyntax, TypeSyntax?, ExprSyntax)
    case ifElse(ExprSyntax, [StmtSyntax], [StmtSyntax])
    case unchecked([StmtSyntax])
    /// `name(args)`: a function called for its effect (any value it returns is dropped).
    case call(NameSyntax, [ExprSyntax])
    /// `return e`: only as the last statement of a function or action that declares its type.
    case `return`(ExprSyntax, keyword: SourceLocation)
    /// `for i in 0..N { }`: N a number literal, at most `Parser.maxLoopBound`; unrolled by the
    /// checker, so both readers see N copies of the body.
    case forRange(NameSyntax, count: Int, [StmtSyntax], keyword: SourceLocation)
}

/// `const NAME: type = literal`: a named constant of the model, usable wherever its type is.
struct ConstantSyntax: Sendable {
    var name: NameSyntax
    var type: TypeSyntax
    var value: ExprSyntax
}

struct StateSyntax: Sendable {
    var name: NameSyntax
    var type: TypeSyntax
    var initial: ExprSyntax?
    /// `immutable name: type`: only the constructor may write it.
    var immutable = false
}

struct ActionSyntax: Sendable {
    var name: NameSyntax
    var params: [ParamSyntax]
    /// `action name(params): type { ... return e }`: what rules on it read as `result`.
    var returns: TypeSyntax?
    var body: [StmtSyntax]
    /// `action name(params) payable { ... }`: the call may send a value (`msg.value`).
    var payable = false
}

/// `function name(params) [: type] { ... [return e] }`: statements shared by actions (what
/// Solidity puts in internal functions and modifiers), expanded where called.
struct FunctionSyntax: Sendable {
    var name: NameSyntax
    var params: [ParamSyntax]
    var returns: TypeSyntax?
    var body: [StmtSyntax]
}

struct PropertySyntax: Sendable {
    enum Kind: Sendable {
        case invariant(params: [ParamSyntax])
        /// `action` nil: `on any`, every action.
        case rule(params: [ParamSyntax], action: NameSyntax?, actionArgs: [NameSyntax])
        case lemma(params: [ParamSyntax])
    }
    var name: NameSyntax
    var kind: Kind
    var body: ExprSyntax
    /// From the `invariant`/`rule` keyword to the end of the expression, as written.
    var sourceText: String
    /// Marked `expect violated`: the gate passes when it is refuted and fails when it is proved.
    var expectViolated = false
    /// `using lemma_a, lemma_b`: proved lemmas to assume in its queries.
    var using: [NameSyntax] = []
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
    case view(ViewSyntax)
    case scenario(ScenarioSyntax)
    case function(FunctionSyntax)
    /// `constructor[(params)] { ... }`: an action named `constructor`, run once to deploy.
    case constructor(ActionSyntax)
    case constant(ConstantSyntax)
}

/// `scenario name { call(args) [from E] [at E] [reverts] ... expect E ... }`.
struct ScenarioSyntax: Sendable {
    enum Step: Sendable {
        case call(action: NameSyntax, args: [ExprSyntax], sender: ExprSyntax?, time: ExprSyntax?, value: ExprSyntax? = nil, reverts: Bool)
        case expect(ExprSyntax)
    }
    var name: NameSyntax
    var steps: [Step]
    var sourceText: String
}

/// `view name(params): type = expr`: a named expression over the state, expanded where used.
struct ViewSyntax: Sendable {
    var name: NameSyntax
    var params: [ParamSyntax]
    var type: TypeSyntax
    var body: ExprSyntax
}

struct ModelSyntax: Sendable {
    var name: NameSyntax
    var members: [MemberSyntax]
}
