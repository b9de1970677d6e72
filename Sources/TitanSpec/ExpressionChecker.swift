import BigInt
import TitanIR

/// Expression typing. Number literals have no sort of their own: they take one from
/// `expected` or from the other operand, so `x8 + 1` is uint8 and `owner == 0` is an address.
extension TypeChecker {
    static func maxValue(bits: Int) -> BigUInt { (BigUInt(1) << bits) - 1 }

    /// The most nodes one view call may expand to.
    static let maxExpandedNodes = 100_000

    /// A literal of `sort`, or nil (reported) if it does not fit.
    mutating func numberLiteral(_ value: BigUInt, sort: Sort, at location: SourceLocation) -> Expr? {
        numberLiteral(BigInt(value), sort: sort, at: location)
    }

    /// A literal of `sort`, held as its bit pattern (two's complement for an intN), or nil
    /// (reported) if it does not fit.
    mutating func numberLiteral(_ value: BigInt, sort: Sort, at location: SourceLocation) -> Expr? {
        let range = sort.integerRange ?? 0...BigInt(TypeChecker.maxValue(bits: sort.bitWidth ?? 256))
        guard value <= range.upperBound else {
            report("number literal \(value) is too large for \(sort) (max \(range.upperBound))", at: location)
            return nil
        }
        guard value >= range.lowerBound else {
            report(sort.isSint ? "number literal \(value) is too small for \(sort) (min \(range.lowerBound))"
                   : "negative number \(value) where \(sort) is expected; only intN types hold negative values", at: location)
            return nil
        }
        return .number(sort.pattern(of: value), sort)
    }

    /// Names a call may use without declaring them; no view or function may take them.
    static let builtinFunctions: Set<String> = ["mulDiv", "mulDivUp", "min", "max", "abs", "sqrt"]

    /// Whether the expression's sort comes entirely from its context.
    static func isLiteralOnly(_ e: ExprSyntax) -> Bool {
        switch e.kind {
        case .number, .hexBytes: return true
        case .negate(let inner): return isLiteralOnly(inner)
        case .binary(let op, let l, let r): return op.isArithmetic && isLiteralOnly(l) && isLiteralOnly(r)
        case .ternary(_, let t, let f): return isLiteralOnly(t) && isLiteralOnly(f)
        default: return false
        }
    }

    /// Returns nil after reporting an error (or when an operand already failed).
    mutating func checkExpr(_ e: ExprSyntax, expected: Sort?, scope: Scope) -> Expr? {
        switch e.kind {
        case .number(let value):
            let sort: Sort
            switch expected {
            case .uint?, .sint?, .address?: sort = expected ?? .uint256
            default: sort = .uint256
            }
            return numberLiteral(value, sort: sort, at: e.location)
        case .negate(let operand):
            return checkNegation(operand, at: e.location, expected: expected, scope: scope)
        case .bool(let b):
            return .bool(b)
        case .maxUint256:
            return .number(TypeChecker.maxValue(bits: 256), .uint256)
        case .reverted:
            guard scope.context == .rule else {
                report("'reverted' is only allowed in rules", at: e.location)
                return nil
            }
            return .reverted
        case .name(let name) where scope.loopIndices[name] != nil:
            let sort: Sort
            switch expected {
            case .uint?, .sint?: sort = expected ?? .uint256
            default: sort = .uint256
            }
            return numberLiteral(scope.loopIndices[name]!, sort: sort, at: e.location)
        case .name(let name):
            return checkName(name, at: e.location, scope: scope)
        case .primed(let name):
            return checkPrimed(name, at: e.location, scope: scope)
        case .sum(let name, let primed, let key, let counting):
            return checkSum(name, primed: primed, key: key, counting: counting, at: e.location, scope: scope)
        case .weightedSum(let key, let term, let text):
            return checkWeightedSum(key, term, text: text, at: e.location, scope: scope)
        case .hexBytes(let data):
            let sort: Sort
            if case .bytes? = expected { sort = expected! } else { sort = .bytes(Sort.defaultBytesLength) }
            guard case .bytes(let max) = sort, data.count <= max else {
                report("byte string of \(data.count) bytes is too long for \(sort)", at: e.location)
                return nil
            }
            let content = data.reduce(BigUInt(0)) { ($0 << 8) | BigUInt($1) }
            return .number((BigUInt(data.count) << (8 * max)) | content, sort)
        case .length(let inner):
            guard let x = checkExpr(inner, expected: nil, scope: scope) else { return nil }
            guard case .bytes = x.sort else {
                report("type mismatch: 'len' needs a byte string, found \(x.sort)", at: inner.location)
                return nil
            }
            return .length(x)
        case .call(let name, let primed, let args):
            return checkCall(name, primed: primed, args, at: e.location, scope: scope)
        case .convert(let target, let inner):
            return checkConversion(to: target, inner, at: e.location, scope: scope)
        case .not(let operand):
            guard let x = checkExpr(operand, expected: .bool, scope: scope) else { return nil }
            guard x.sort == .bool else {
                report("type mismatch: '!' needs a bool operand, found \(x.sort)", at: operand.location)
                return nil
            }
            return .unary(.not, x)
        case .binary(let op, let l, let r):
            return checkBinary(op, l, r, at: e.location, expected: expected, scope: scope)
        case .index(let m, let k):
            return checkIndex(m, k, scope: scope)
        case .ternary(let c, let t, let f):
            return checkTernary(c, t, f, at: e.location, expected: expected, scope: scope)
        }
    }

    private mutating func checkName(_ name: String, at location: SourceLocation, scope: Scope) -> Expr? {
        if name == Environment.value, scope.context == .action, !scope.payable, scope.locals[name] != nil {
            report("'msg.value' is only available in payable actions: declare 'action name(...) payable { ... }' (an action that is not payable reverts when a value is sent)", at: location)
            return nil
        }
        for (previous, field, what) in [(Environment.previousTimestamp, Environment.timestamp, "time"), (Environment.previousNumber, Environment.number, "block")]
        where name == previous {
            guard scope.context == .rule, states[field] != nil else {
                report("'\(previous)' is the \(what) of the step before a rule's step, in rules only (in invariants and views, \(field) is the latest step's \(what))", at: location)
                return nil
            }
            // The pre-state keeps the block fields of the latest step before this one.
            return .state(field, .uint(64))
        }
        if let local = scope.locals[name] {
            return local.map { .name(scope.ir(name), $0) }
        }
        if let constant = constants[name] {
            return constant
        }
        if let state = states[name] {
            if scope.context == .lemma {
                report("a lemma cannot read state variable '\(name)'; it is about its parameters only", at: location)
                return nil
            }
            return state.map { .state(name, $0) }
        }
        if views[name] != nil {
            report("view '\(name)' needs arguments: '\(name)(...)'", at: location)
            return nil
        }
        if name == Property.resultName, scope.context == .rule {
            report("'result' is only available in a rule on one action that returns a value (declare 'action name(...): type' and end it with 'return e')", at: location)
            return nil
        }
        if Environment.names[name] != nil {
            report("'\(name)' is only available in actions and rules" + (name == Environment.timestamp || name == Environment.number ? " (and, as the latest step's, in invariants and views)" : ""), at: location)
            return nil
        }
        report("unknown name '\(name)'", at: location)
        return nil
    }

    /// A view call is expanded in place: the view's expression with the arguments substituted
    /// for its parameters, read in the post-state when primed.
    private mutating func checkCall(_ name: String, primed: Bool, _ args: [ExprSyntax], at location: SourceLocation,
                                    scope: Scope) -> Expr? {
        if functions[name] != nil {
            report(scope.context == .action
                   ? "a call of function '\(name)' under &&, ||, ==> or ?: would run whether or not that part is evaluated; call it in a statement of its own"
                   : "function '\(name)' can only be called in an action or function body", at: location)
            return nil
        }
        if views[name] == nil, name == "mulDiv" || name == "mulDivUp" {
            return checkMulDiv(roundUp: name == "mulDivUp", args, at: location, scope: scope)
        }
        if views[name] == nil, name == "min" || name == "max" {
            return checkMinMax(max: name == "max", args, at: location, scope: scope)
        }
        if views[name] == nil, name == "abs" {
            return checkAbs(args, at: location, scope: scope)
        }
        if views[name] == nil, name == "sqrt" {
            // The floor square root, of the argument's width (Uniswap's first mint, `Math.sqrt`).
            return checkUintArguments("sqrt", "x", args, at: location, scope: scope).map { .sqrt($0[0]) }
        }
        guard let view = views[name] else {
            report("unknown view '\(name)'", at: location)
            args.forEach { _ = checkExpr($0, expected: nil, scope: scope) }
            return nil
        }
        if primed && scope.context != .rule {
            report("primed names are only allowed in rules", at: location)
            return nil
        }
        if scope.context == .lemma {
            report("a lemma cannot use view '\(name)', which reads the state", at: location)
            return nil
        }
        guard args.count == view.params.count else {
            report("view '\(name)' takes \(view.params.count) argument\(view.params.count == 1 ? "" : "s"), found \(args.count)",
                   at: location)
            return nil
        }
        var bound: [String: Expr] = [:]
        var ok = true
        for (p, arg) in zip(view.params, args) {
            guard let x = checkExpr(arg, expected: p.sort, scope: scope) else { ok = false; continue }
            guard x.sort == p.sort else {
                report("type mismatch: argument '\(p.name)' of view '\(name)' must be \(p.sort), found \(x.sort)", at: arg.location)
                ok = false
                continue
            }
            bound[p.name] = x
        }
        guard ok, let body = view.body else { return nil }
        // Views expand in place, so chains of views can build trees far larger than their text:
        // bound the expansion as the parser bounds written expressions.
        let expanded = ViewExpansion.substitute(body, bound, primed: primed, arithmetic: scope.arithmetic)
        if scope.context == .rule, !primed, TypeChecker.readsState(Environment.timestamp, body) {
            // The trap: in a rule, block.timestamp is this step's time, but an unprimed view reads
            // the pre-state, whose time is the previous step's.
            warn("view '\(name)' reads block.timestamp, and unprimed in a rule it reads the previous step's time; write '\(name)'(...)' for this step's time, or block.previousTimestamp to mean the previous one", at: location)
        }
        let (height, count) = expanded.measure(limit: TypeChecker.maxExpandedNodes)
        guard height <= Parser.maxHeight, count <= TypeChecker.maxExpandedNodes else {
            report("view '\(name)' expands to an expression too large to check (more than \(Parser.maxHeight) levels or \(TypeChecker.maxExpandedNodes) nodes)", at: location)
            return nil
        }
        return expanded
    }

    /// The arguments of a built-in over uints (`mulDiv`, `min`, ...), one per name in
    /// `parameters`; literals take the sort of the other arguments, as with an operator.
    private mutating func checkUintArguments(_ name: String, _ parameters: String, _ args: [ExprSyntax],
                                             signed: Bool = false, at location: SourceLocation, scope: Scope) -> [Expr]? {
        let admits: (Sort) -> Bool = { signed ? $0.isInteger : TypeChecker.isUint($0) }
        let count = parameters.split(separator: ",").count
        guard args.count == count else {
            report("'\(name)' takes \(count) arguments (\(parameters)), found \(args.count)", at: location)
            args.forEach { _ = checkExpr($0, expected: nil, scope: scope) }
            return nil
        }
        var checked: [Expr?] = args.map { TypeChecker.isLiteralOnly($0) ? nil : checkExpr($0, expected: nil, scope: scope) }
        let literalSort: Sort = args.contains { if case .negate = $0.kind { return true } else { return false } } ? .sint(256) : .uint256
        let sort = checked.lazy.compactMap { $0?.sort }.first(where: admits) ?? (signed ? literalSort : .uint256)
        for (i, a) in args.enumerated() where TypeChecker.isLiteralOnly(a) { checked[i] = checkExpr(a, expected: sort, scope: scope) }
        var xs: [Expr] = []
        for (a, x) in zip(args, checked) {
            guard let x else { return nil }
            guard admits(x.sort) else {
                report("type mismatch: '\(name)' needs \(signed ? "integer" : "uint") arguments, found \(x.sort)", at: a.location)
                return nil
            }
            xs.append(x)
        }
        if let mixed = TypeChecker.mixedSignedness(xs.map(\.sort)), !scope.isExact {
            report("type mismatch: '\(name)' mixes \(mixed); convert one with intN(...) or uintN(...)", at: location)
            return nil
        }
        return xs
    }

    /// `mulDiv(a, b, c)`: a * b / c with the product in full precision, rounded down
    /// (`mulDivUp`: rounded up). In an action the operands are uints of one width w, the
    /// product is computed in 2w bits and the quotient must fit in w: in checked arithmetic a
    /// zero divisor or a quotient that does not fit reverts, in wrapping arithmetic x / 0 == 0
    /// and the low w bits are kept. In a property it is exact integer arithmetic.
    private mutating func checkMulDiv(roundUp: Bool, _ args: [ExprSyntax], at location: SourceLocation, scope: Scope) -> Expr? {
        guard let xs = checkUintArguments(roundUp ? "mulDivUp" : "mulDiv", "a, b, divisor", args, at: location, scope: scope) else { return nil }
        let w = xs.map { $0.sort.bitWidth! }.max()!
        let wide = roundUp ? 2 * w + 1 : 2 * w
        func up(_ x: Expr) -> Expr {
            if case .number(let n, _) = x { return .number(n, .uint(wide)) }
            return .widen(x, to: wide)
        }
        // The product (plus c - 1) cannot overflow `wide` bits: only the division can fault.
        var product = Expr.binary(.mul, up(xs[0]), up(xs[1]), arithmetic: .wrapping)
        if roundUp {
            // (a * b + c - 1) / c; with c == 0 the quotient is 0 (or a revert) either way.
            product = .binary(.sub, .binary(.add, product, up(xs[2]), arithmetic: .wrapping), .number(1, .uint(wide)), arithmetic: .wrapping)
        }
        let arithmetic = scope.context.isProperty ? Arithmetic.wrapping : scope.arithmetic
        let quotient = Expr.binary(.div, product, up(xs[2]), arithmetic: arithmetic)
        // A property keeps the exact quotient: MathInt lifts it, so no narrowing here.
        return scope.context.isProperty ? quotient : .narrow(quotient, to: w, arithmetic: scope.arithmetic)
    }

    /// `min(a, b)` and `max(a, b)`: the smaller or larger of two uints, of the wider operand's
    /// width. Written as a conditional over a comparison, so both readers share its meaning.
    private mutating func checkMinMax(max: Bool, _ args: [ExprSyntax], at location: SourceLocation, scope: Scope) -> Expr? {
        guard let xs = checkUintArguments(max ? "max" : "min", "a, b", args, signed: true, at: location, scope: scope) else { return nil }
        let (a, b) = TypeChecker.widened(xs[0], xs[1])
        return .ite(.binary(max ? .ge : .le, a, b, arithmetic: .wrapping), a, b)
    }

    /// `abs(x)`: the magnitude of an intN as a uintN, which always holds it (abs(min_int8) is 128),
    /// as OpenZeppelin's `SignedMath.abs`; of a uint, the uint itself. In a property, exact.
    private mutating func checkAbs(_ args: [ExprSyntax], at location: SourceLocation, scope: Scope) -> Expr? {
        guard let xs = checkUintArguments("abs", "x", args, signed: true, at: location, scope: scope) else { return nil }
        let x = xs[0]
        guard case .sint(let w) = x.sort else { return x }
        let negative = Expr.binary(.lt, x, .number(0, x.sort), arithmetic: .wrapping)
        if scope.isExact {
            // MathInt lifts both branches to exact integers: -x never overflows there.
            return .ite(negative, .binary(.sub, .number(0, x.sort), x, arithmetic: .wrapping), x)
        }
        // Negated one bit wider, where even the least intN has its magnitude, so that no step can
        // overflow in any mode (a view takes the arithmetic of where it is used).
        let wide = Sort.sint(w + 1)
        let negated = Expr.binary(.sub, .number(0, wide), .convert(x, to: wide, arithmetic: .wrapping), arithmetic: .wrapping)
        return .ite(negative, .convert(negated, to: .uint(w), arithmetic: .wrapping), .convert(x, to: .uint(w), arithmetic: .wrapping))
    }

    /// `-e`: a negative literal takes the sort expected of it (an intN, int256 by default); any
    /// other operand must be an intN, and `-min_intN` overflows like any subtraction. In a
    /// property, arithmetic is exact, so a uint may be negated too.
    private mutating func checkNegation(_ operand: ExprSyntax, at location: SourceLocation, expected: Sort?, scope: Scope) -> Expr? {
        if TypeChecker.isLiteralOnly(operand), let value = TypeChecker.foldSigned(operand) {
            if scope.isExact, let e = expected, e.isUint, value.sign == .plus {
                // Exact arithmetic: 0 - value, lifted to an integer, in a uint wide enough for it.
                let wide = Sort.uint(Swift.max(e.bitWidth!, (value.magnitude.bitWidth + 7) / 8 * 8))
                guard let magnitude = numberLiteral(value, sort: wide, at: location) else { return nil }
                return .binary(.sub, .number(0, wide), magnitude, arithmetic: .wrapping)
            }
            let sort = expected.flatMap { $0.isSint || $0.isUint || $0 == .address ? $0 : nil } ?? .sint(256)
            return numberLiteral(-value, sort: sort, at: location)
        }
        guard let x = checkExpr(operand, expected: expected, scope: scope) else { return nil }
        if x.sort.isSint || (scope.isExact && x.sort.isUint) {
            return .binary(.sub, .number(0, x.sort), x, arithmetic: x.sort.isSint ? scope.arithmetic : .wrapping)
        }
        report("type mismatch: unary '-' needs an intN operand, found \(x.sort)" + (x.sort.isUint ? "; convert it with int\(x.sort.bitWidth!)(...) first" : ""), at: operand.location)
        return nil
    }

    /// `uintN(e)` and `intN(e)`: widening is exact; a value the target cannot hold reverts in
    /// checked arithmetic and keeps its low bits (two's complement) in wrapping arithmetic
    /// (inside `unchecked`, in properties).
    private mutating func checkConversion(to target: Sort, _ inner: ExprSyntax, at location: SourceLocation, scope: Scope) -> Expr? {
        let hint: Sort? = TypeChecker.isLiteralOnly(inner) ? target : nil
        guard let x = checkExpr(inner, expected: hint, scope: scope) else { return nil }
        guard x.sort.isInteger else {
            report("type mismatch: '\(target)(...)' converts a uint or an int, found \(x.sort)", at: inner.location)
            return nil
        }
        guard case .uint(let width) = target, case .uint(let from) = x.sort else {
            // In a property, arithmetic is exact: intN(e) is how it asks for e wrapped into intN.
            if x.sort == target { return scope.isExact ? .convert(x, to: target, arithmetic: .wrapping) : x }
            if let widened = TypeChecker.implicitlyWidened(x, to: target) { return widened }
            return .convert(x, to: target, arithmetic: scope.arithmetic)
        }
        // In a property, arithmetic is exact: uintN(e) is how it asks for e modulo 2^N.
        if from == width { return scope.context.isProperty ? .narrow(x, to: width, arithmetic: .wrapping) : x }
        if from < width { return .widen(x, to: width) }
        return .narrow(x, to: width, arithmetic: scope.arithmetic)
    }

    private mutating func checkPrimed(_ name: String, at location: SourceLocation, scope: Scope) -> Expr? {
        guard scope.context == .rule else {
            report("primed names are only allowed in rules", at: location)
            return nil
        }
        if let state = states[name] {
            return state.map { .post(name, $0) }
        }
        if scope.locals[name] != nil {
            report("only state variables can be primed; '\(name)' is not one", at: location)
        } else {
            report("unknown name '\(name)'", at: location)
        }
        return nil
    }

    private mutating func checkSum(_ name: String, primed: Bool, key: ExprSyntax?, counting: Bool,
                                   at location: SourceLocation, scope: Scope) -> Expr? {
        let word = counting ? "count" : "sum"
        if scope.context == .lemma {
            report("a lemma cannot read state variable '\(name)'", at: location)
            return nil
        }
        if primed && scope.context != .rule {
            report("primed names are only allowed in rules", at: location)
            return nil
        }
        guard let state = states[name] else {
            if scope.locals[name] != nil {
                report("sum needs a state variable; '\(name)' is not one", at: location)
            } else {
                report("unknown name '\(name)'", at: location)
            }
            return nil
        }
        guard let sort = state else { return nil }
        func summable(_ v: Sort) -> Bool { counting ? v == .bool : v.isUint }
        let needs = counting ? "a map with bool values" : "a map with uint values"
        func fits(_ k: Sort, _ v: Sort) -> Bool {
            guard Sort.sumBits(key: k, value: v) <= Sort.sumWidth else {
                report("\(word) over \(sort) could exceed \(Sort.sumWidth) bits, which sums are computed in; use narrower keys (at most \(Sort.sumWidth - (v == .bool ? 1 : v.bitWidth ?? 0)) bits)", at: location)
                return false
            }
            return true
        }
        guard let key else {
            guard case .map(let k, let v) = sort, summable(v) else {
                report("\(word) needs \(needs), found \(sort)", at: location)
                return nil
            }
            guard fits(k, v) else { return nil }
            return .sum(name, key: nil, post: primed)
        }
        guard case .map(let outerKey, .map(let innerKey, let v)) = sort, summable(v) else {
            report("\(word)(\(name)[...]) needs a map of maps with \(counting ? "bool" : "uint") values, found \(sort)", at: location)
            return nil
        }
        guard fits(innerKey, v) else { return nil }
        guard let kx = checkIndexValue(key, keySort: outerKey, scope: scope) else { return nil }
        return .sum(name, key: kx, post: primed)
    }

    /// Types two operands so that a literal-only side takes the sort of the other side
    /// (when `adopts` accepts it), and two literal-only sides take `hint` or uint256.
    private mutating func checkOperands(_ a: ExprSyntax, _ b: ExprSyntax, hint: Sort?, scope: Scope,
                                        adopts: (Sort) -> Bool) -> (Expr?, Expr?) {
        let aLiteral = TypeChecker.isLiteralOnly(a)
        let bLiteral = TypeChecker.isLiteralOnly(b)
        func from(_ other: Expr?) -> Sort? {
            guard let sort = other?.sort, adopts(sort) else { return hint }
            return sort
        }
        /// In a property, arithmetic is exact: a literal too large for the other operand's
        /// width takes a width that holds it (the other operand is then widened), so
        /// `x + 300 > 299` with a uint8 `x` means what it says.
        func fitting(_ literal: ExprSyntax, _ sort: Sort?) -> Sort? {
            guard scope.context.isProperty, let sort, let range = sort.integerRange,
                  let value = TypeChecker.foldSigned(literal), !range.contains(value) else { return sort }
            // A negative literal beside a uint is negated exactly (checkNegation).
            if sort.isUint, value.sign == .minus { return sort }
            let bits = (value.magnitude.bitWidth + (sort.isSint ? 1 : 0) + 7) / 8 * 8
            guard bits <= 256 else { return sort }
            return sort.isSint ? .sint(bits) : .uint(bits)
        }
        if aLiteral && !bLiteral {
            let bx = checkExpr(b, expected: hint, scope: scope)
            return (checkExpr(a, expected: fitting(a, from(bx)), scope: scope), bx)
        }
        if bLiteral && !aLiteral {
            let ax = checkExpr(a, expected: hint, scope: scope)
            return (ax, checkExpr(b, expected: fitting(b, from(ax)), scope: scope))
        }
        return (checkExpr(a, expected: hint, scope: scope), checkExpr(b, expected: hint, scope: scope))
    }

    /// Extends the narrower of two uints (or of two intN) so both have the wider width.
    private static func widened(_ l: Expr, _ r: Expr) -> (Expr, Expr) {
        guard l.sort.isInteger, r.sort.isInteger, l.sort.isSint == r.sort.isSint,
              let wl = l.sort.bitWidth, let wr = r.sort.bitWidth, wl != wr else { return (l, r) }
        return wl < wr ? (implicitlyWidened(l, to: r.sort)!, r) : (l, implicitlyWidened(r, to: l.sort)!)
    }

    private static func isUint(_ s: Sort) -> Bool { if case .uint = s { return true } else { return false } }

    /// "uint256 and int256" when the sorts mix uints and intN (actions refuse that, as Solidity
    /// does: one side is converted explicitly), nil otherwise.
    static func mixedSignedness(_ sorts: [Sort]) -> String? {
        guard let u = sorts.first(where: \.isUint), let i = sorts.first(where: \.isSint) else { return nil }
        return "\(u) and \(i)"
    }

    private mutating func checkBinary(_ op: BinaryOp, _ l: ExprSyntax, _ r: ExprSyntax, at location: SourceLocation,
                                      expected: Sort?, scope: Scope) -> Expr? {
        let symbol = "'\(op.rawValue)'"
        if op.isLogical {
            let lx = checkExpr(l, expected: .bool, scope: scope)
            let rx = checkExpr(r, expected: .bool, scope: scope)
            guard let lx, let rx else { return nil }
            guard lx.sort == .bool, rx.sort == .bool else {
                let at = lx.sort != .bool && rx.sort == .bool ? l.location : rx.sort != .bool && lx.sort == .bool ? r.location : location
                report("type mismatch: \(symbol) needs bool operands, found \(lx.sort) and \(rx.sort)", at: at)
                return nil
            }
            return .binary(op, lx, rx, arithmetic: .wrapping)
        }

        if op.isArithmetic {
            let hint = expected.flatMap { $0.isInteger ? $0 : nil }
            let (lx, rx) = checkOperands(l, r, hint: hint, scope: scope, adopts: \.isInteger)
            guard let lx, let rx else { return nil }
            let lOK = lx.sort.isInteger, rOK = rx.sort.isInteger
            guard lOK, rOK else {
                let at = !lOK && rOK ? l.location : lOK && !rOK ? r.location : location
                report("type mismatch: \(symbol) needs uint operands, found \(lx.sort) and \(rx.sort)", at: at)
                return nil
            }
            guard !reportMixed(symbol, lx, rx, at: location, scope: scope) else { return nil }
            let (a, b) = TypeChecker.widened(lx, rx)
            return .binary(op, a, b, arithmetic: scope.arithmetic)
        }

        // Comparisons.
        let equality = op == .eq || op == .ne
        let (lx, rx) = checkOperands(l, r, hint: nil, scope: scope) { sort in
            if case .bytes = sort { return equality }
            return sort.isInteger || (equality && sort == .address)
        }
        guard let lx, let rx else { return nil }
        if equality {
            if lx.sort.isMap || rx.sort.isMap {
                guard lx.sort == rx.sort else {
                    report("type mismatch: \(symbol) needs maps of the same sort, found \(lx.sort) and \(rx.sort)", at: location)
                    return nil
                }
                return .binary(op, lx, rx, arithmetic: .wrapping)
            }
            guard lx.sort == rx.sort || (lx.sort.isInteger && rx.sort.isInteger) else {
                report("type mismatch: \(symbol) needs operands of the same sort, found \(lx.sort) and \(rx.sort)",
                       at: location)
                return nil
            }
        } else {
            let lOK = lx.sort.isInteger, rOK = rx.sort.isInteger
            guard lOK, rOK else {
                let at = !lOK && rOK ? l.location : lOK && !rOK ? r.location : location
                report("type mismatch: \(symbol) needs uint operands, found \(lx.sort) and \(rx.sort)", at: at)
                return nil
            }
        }
        guard !reportMixed(symbol, lx, rx, at: location, scope: scope) else { return nil }
        let (a, b) = TypeChecker.widened(lx, rx)
        return .binary(op, a, b, arithmetic: .wrapping)
    }

    /// Whether `e` reads the state variable `name` in the pre-state.
    static func readsState(_ name: String, _ e: Expr) -> Bool {
        if case .state(name, _) = e { return true }
        return e.children.contains { readsState(name, $0) }
    }

    /// Reports an operator between a uint and an intN outside a property (where both are exact
    /// integers and may meet); true when reported.
    private mutating func reportMixed(_ symbol: String, _ l: Expr, _ r: Expr, at location: SourceLocation, scope: Scope) -> Bool {
        guard !scope.isExact, let mixed = TypeChecker.mixedSignedness([l.sort, r.sort]) else { return false }
        report("type mismatch: \(symbol) mixes \(mixed); convert one side with intN(...) or uintN(...)", at: location)
        return true
    }

    private mutating func checkIndex(_ m: ExprSyntax, _ k: ExprSyntax, scope: Scope) -> Expr? {
        guard let mx = checkExpr(m, expected: nil, scope: scope) else {
            _ = checkExpr(k, expected: nil, scope: scope) // still report errors inside the index
            return nil
        }
        guard case .map(let keySort, _) = mx.sort else {
            report("cannot index into \(mx.sort); only maps can be indexed", at: m.location)
            _ = checkExpr(k, expected: nil, scope: scope)
            return nil
        }
        guard let kx = checkIndexValue(k, keySort: keySort, scope: scope) else { return nil }
        return .select(mx, kx)
    }

    /// A map key must have exactly the key sort: keys are never widened.
    mutating func checkIndexValue(_ k: ExprSyntax, keySort: Sort, scope: Scope) -> Expr? {
        guard let kx = checkExpr(k, expected: keySort, scope: scope) else { return nil }
        guard kx.sort == keySort else {
            report("type mismatch: map key must be \(keySort), found \(kx.sort)", at: k.location)
            return nil
        }
        return kx
    }

    private mutating func checkTernary(_ c: ExprSyntax, _ t: ExprSyntax, _ f: ExprSyntax, at location: SourceLocation,
                                       expected: Sort?, scope: Scope) -> Expr? {
        let cx = checkExpr(c, expected: .bool, scope: scope)
        if let cx, cx.sort != .bool {
            report("type mismatch: the condition of '?:' must be bool, found \(cx.sort)", at: c.location)
        }
        let (tx, fx) = checkOperands(t, f, hint: expected, scope: scope) { sort in
            if case .bytes = sort { return true }
            return sort.isInteger || sort == .address
        }
        guard let cx, cx.sort == .bool, let tx, let fx else { return nil }
        if tx.sort.isMap || fx.sort.isMap {
            report("the branches of '?:' cannot be maps", at: t.location)
            return nil
        }
        guard tx.sort == fx.sort || (tx.sort.isInteger && fx.sort.isInteger && (tx.sort.isSint == fx.sort.isSint || scope.isExact)) else {
            report("type mismatch: the branches of '?:' have different sorts, \(tx.sort) and \(fx.sort)", at: t.location)
            return nil
        }
        let (a, b) = TypeChecker.widened(tx, fx)
        return .ite(cx, a, b)
    }
}
