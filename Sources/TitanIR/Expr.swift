import BigInt

public enum UnaryOp: String, Hashable, Sendable { case not }

public enum BinaryOp: String, Hashable, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case and = "&&", or = "||", implies = "==>"

    public var isArithmetic: Bool { [.add, .sub, .mul, .div, .mod].contains(self) }
    public var isComparison: Bool { [.eq, .ne, .lt, .le, .gt, .ge].contains(self) }
    public var isLogical: Bool { [.and, .or, .implies].contains(self) }
}

/// How uint arithmetic behaves on overflow, underflow and division by zero.
public enum Arithmetic: String, Hashable, Sendable, Codable {
    /// EVM semantics: wrap modulo 2^width; x / 0 == 0 and x % 0 == 0.
    case wrapping
    /// Solidity >= 0.8 semantics: overflow, underflow and division by zero revert the action.
    case checked
}

/// IR expressions. Every node is fully typed by the checker: `sort` is derivable without context.
public indirect enum Expr: Hashable, Sendable {
    case bool(Bool)
    case number(BigUInt, Sort)
    /// A state variable in the pre-state.
    case state(String, Sort)
    /// A state variable in the post-state (`x'`); rules only.
    case post(String, Sort)
    /// An action parameter, rule parameter or `let` binding.
    case name(String, Sort)
    case unary(UnaryOp, Expr)
    /// `arithmetic` matters only for arithmetic operators on uints inside actions; on ints
    /// (properties) arithmetic is exact.
    case binary(BinaryOp, Expr, Expr, arithmetic: Arithmetic)
    case select(Expr, Expr)
    case ite(Expr, Expr, Expr)
    /// The exact sum (uint512) of a map state variable's values, pre (`post == false`) or post.
    /// For a map of bools it counts the true entries. With `key`, the map is nested and the sum
    /// is over the inner map at `key`.
    case sum(String, key: Expr?, post: Bool)
    /// The length of a byte string, as uint256.
    case length(Expr)
    /// Zero-extension of a uint to a wider uint, inserted by the type checker.
    case widen(Expr, to: Int)
    /// An explicit conversion to a narrower uint (`uint8(e)`): a value that does not fit reverts
    /// in checked arithmetic and keeps its low `to` bits in wrapping arithmetic.
    case narrow(Expr, to: Int, arithmetic: Arithmetic)
    /// Whether the action reverted; rules only.
    case reverted
    /// A conversion where a signed integer is the source or the target (`int64(e)`,
    /// `uint256(e)` of an int, `int256(e)` of a uint): a value the target cannot hold reverts in
    /// checked arithmetic, and its low bits are kept (two's complement) in wrapping arithmetic.
    /// Widening a signed integer to a wider one is this conversion too, and never reverts.
    case convert(Expr, to: Sort, arithmetic: Arithmetic)
    /// A uint or int as a mathematical integer (sort `int(width)`), inserted by `MathInt.lift`.
    case toInt(Expr, width: Int)
    /// The floor square root, `r` with `r * r <= x < (r + 1) * (r + 1)`, of the operand's sort;
    /// 0 for a negative int (only a property's exact arithmetic can make one).
    case sqrt(Expr)

    public var sort: Sort {
        switch self {
        case .bool, .reverted: return .bool
        case .number(_, let s), .state(_, let s), .post(_, let s), .name(_, let s): return s
        case .unary: return .bool
        case .binary(let op, let l, _, _): return op.isArithmetic ? l.sort : .bool
        case .select(let m, _):
            if case .map(_, let v) = m.sort { return v }
            preconditionFailure("select on a non-map: the type checker admits none")
        case .ite(_, let t, _): return t.sort
        case .sum: return .uint(Sort.sumWidth)
        case .length: return .uint256
        case .widen(_, let w), .narrow(_, let w, _): return .uint(w)
        case .convert(_, let s, _): return s
        case .toInt(_, let w): return .int(w)
        case .sqrt(let a): return a.sort
        }
    }
}

extension Expr {
    /// The children of a node, in order.
    public var children: [Expr] {
        switch self {
        case .bool, .number, .state, .post, .name, .reverted, .sum(_, nil, _): return []
        case .sum(_, let k?, _): return [k]
        case .unary(_, let a), .widen(let a, _), .narrow(let a, _, _), .convert(let a, _, _), .length(let a), .toInt(let a, _), .sqrt(let a): return [a]
        case .binary(_, let a, let b, _), .select(let a, let b): return [a, b]
        case .ite(let a, let b, let c): return [a, b, c]
        }
    }

    /// Height and node count, stopping once the count passes `limit` (then the count returned
    /// is above `limit`), so a huge tree costs no more than `limit` steps to measure.
    public func measure(limit: Int) -> (height: Int, count: Int) {
        var count = 0
        func walk(_ e: Expr, _ depth: Int) -> Int {
            count += 1
            if count > limit { return depth }
            return e.children.reduce(depth) { max($0, walk($1, depth + 1)) }
        }
        let height = walk(self, 1)
        return (height, count)
    }
}
