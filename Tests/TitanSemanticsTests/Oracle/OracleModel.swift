import TitanTestSupport
/// The oracle's own reading of the spec language, deliberately separate from the product:
/// a tiny AST for the models the generator writes, a renderer to `.tspec` text, and an
/// evaluator written from the language's documentation (Docs/spec-language.md), not from the product's
/// semantics, interpreter or IR. Where the product and this file disagree, one of them is
/// wrong, and the oracle test says which verdict it cannot confirm.
///
/// Only what the generator needs is here: uints of 8 and 16 bits, bools, maps keyed by uint8
/// or bool (nested once), and sums, which are exact (the language's 512-bit sums never wrap at
/// these sizes, so a sum is an `Int`).

// MARK: Sorts and values

indirect enum OSort: Hashable, CustomStringConvertible {
    case bool
    /// Width 8 or 16 for declared sorts; `Self.sumWidth` for sums.
    case uint(Int)
    case map(OSort, OSort)

    /// Sums are exact; the language (Docs/spec-language.md) gives them 512 bits.
    static let sumWidth = 512

    var width: Int? { if case .uint(let w) = self { return w } else { return nil } }
    var isMap: Bool { if case .map = self { return true } else { return false } }
    var isUint: Bool { width != nil }

    var description: String {
        switch self {
        case .bool: return "bool"
        case .uint(let w): return "uint\(w)"
        case .map(let k, let v): return "map<\(k), \(v)>"
        }
    }

    /// Every value of a scalar sort (the oracle enumerates them); nil for maps and wide uints.
    var allValues: [OValue]? {
        switch self {
        case .bool: return [.bool(false), .bool(true)]
        case .uint(let w) where w <= 16: return (0..<(1 << w)).map { .uint($0) }
        default: return nil
        }
    }

    var zero: OValue {
        switch self {
        case .bool: return .bool(false)
        case .uint: return .uint(0)
        case .map(_, let v): return .map(OMap(fallback: v.zero))
        }
    }
}

enum OValue: Hashable, CustomStringConvertible {
    case bool(Bool)
    case uint(Int)
    indirect case map(OMap)

    var bool: Bool { if case .bool(let b) = self { return b }; preconditionFailure("not a bool: \(self)") }
    var uint: Int { if case .uint(let n) = self { return n }; preconditionFailure("not a uint: \(self)") }
    var map: OMap { if case .map(let m) = self { return m }; preconditionFailure("not a map: \(self)") }

    /// A scalar as a map key: bools are 0 and 1.
    var key: Int {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .uint(let n): return n
        case .map: preconditionFailure("maps are not keys")
        }
    }

    /// How the tool renders a scalar in a trace (decimal numbers, `true`/`false`).
    var description: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .uint(let n): return String(n)
        case .map(let m): return m.description
        }
    }

    /// Reads a scalar the tool rendered.
    static func parse(_ text: String, as sort: OSort) -> OValue? {
        switch sort {
        case .bool: return text == "true" ? .bool(true) : text == "false" ? .bool(false) : nil
        case .uint(let w):
            guard let n = Int(text), n >= 0, w > 62 || n < (1 << w) else { return nil }
            return .uint(n)
        case .map: return nil
        }
    }
}

/// A total map: the entries that differ from the fallback (so equal maps are equal values).
struct OMap: Hashable, CustomStringConvertible {
    var fallback: OValue
    private(set) var entries: [Int: OValue] = [:]

    init(fallback: OValue) { self.fallback = fallback }

    subscript(key: Int) -> OValue {
        get { entries[key] ?? fallback }
        set { entries[key] = newValue == fallback ? nil : newValue }
    }

    var description: String {
        "{" + entries.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }
}

// MARK: The AST

enum OArith: String, CaseIterable { case add = "+", sub = "-", mul = "*", div = "/", mod = "%" }
enum OCompare: String { case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }
enum OLogic: String { case and = "&&", or = "||", implies = "==>" }

/// Names are resolved when the generator builds a node: state variables by their index in
/// the model, locals (parameters, lets, a rule's arguments) by their slot in the frame.
indirect enum OExpr {
    case bool(Bool)
    /// A number literal; the type checker gives it the sort of the operand beside it.
    case number(Int)
    case state(Int)
    /// `x'` in a rule: the post-state.
    case post(Int)
    case local(slot: Int, name: String)
    case index(OExpr, OExpr)
    /// `sum(m)` over uint values, `count(m)` over bools; `key` for the inner map of a nested map.
    case sum(Int, key: OExpr?, post: Bool)
    /// Computed at `width`: the wider operand's width.
    case arith(OArith, OExpr, OExpr, width: Int)
    case compare(OCompare, OExpr, OExpr)
    case logic(OLogic, OExpr, OExpr)
    case not(OExpr)
    case ite(OExpr, OExpr, OExpr)
    /// A view call; primed (`v'(args)`) reads the view's state in the post-state.
    case call(Int, [OExpr], post: Bool)
    case reverted
}

indirect enum OStmt {
    case require(OExpr)
    /// `x = e`, `m[k] = e`, `m[k1][k2] = e`.
    case assign(Int, keys: [OExpr], OExpr)
    /// `dst = src`: a whole state map copied.
    case copy(Int, from: Int)
    case bind(slot: Int, name: String, OExpr)
    case ifElse(OExpr, [OStmt], [OStmt])
    case unchecked([OStmt])
}

struct OParam {
    var name: String
    var sort: OSort
}

struct OStateVar {
    var name: String
    var sort: OSort
    /// Written as `= literal` when set.
    var initial: OValue?
}

struct OView {
    var name: String
    var params: [OParam]
    var sort: OSort
    var body: OExpr
}

struct OAction {
    var name: String
    var params: [OParam]
    var body: [OStmt]
    /// Slots the body needs: parameters first, then lets.
    var frameSize: Int
}

enum OPropertyKind {
    case invariant
    /// The action's name (nil: `on any`) and the names the rule gives its arguments.
    case rule(action: String?, args: [String])
    case lemma
}

struct OProperty {
    var name: String
    var kind: OPropertyKind
    /// The property's own parameters: slots 0..<params.count; a rule's argument names follow.
    var params: [OParam]
    var body: OExpr

    var isRule: Bool { if case .rule = kind { return true } else { return false } }
    var isLemma: Bool { if case .lemma = kind { return true } else { return false } }
    var kindName: String {
        switch kind {
        case .invariant: return "invariant"
        case .rule: return "rule"
        case .lemma: return "lemma"
        }
    }
}

struct OModel {
    var name: String
    var checked: Bool
    /// Whether to write `arithmetic wrapping` (the default) explicitly.
    var spellsWrapping = false
    var stateVars: [OStateVar]
    var views: [OView] = []
    var actions: [OAction] = []
    var properties: [OProperty] = []
    /// `constructor(params) { ... }`, named "constructor": run once to make the initial states.
    var constructor: OAction?

    /// The declared state, before any deployment.
    var initialState: [OValue] { stateVars.map { $0.initial ?? $0.sort.zero } }
    func action(_ name: String) -> OAction? {
        name == "constructor" ? constructor : actions.first { $0.name == name }
    }

    /// Where every run starts: each deployment that completes (the constructor with every
    /// value of its parameters) and the state it makes; the declared state without a constructor.
    var deployments: [(step: OStep?, state: [OValue])] {
        guard let c = constructor else { return [(nil, initialState)] }
        return allValues(of: c.params).compactMap { args in
            execute(c, args: args, from: initialState).map { (OStep(action: c.name, args: args), $0) }
        }
    }
}

// MARK: Rendering to .tspec

/// A `require` statement: its action, its place in the body (statement indices, with 0 for a
/// then-block or an `unchecked` block and 1 for an else-block in between), and where the
/// rendered text puts its keyword.
struct ORequireSite {
    var action: Int
    var path: [Int]
    var line: Int
    var column: Int
}

extension OModel {
    /// The model as spec text. Every compound expression is parenthesized, so the text means
    /// exactly the tree whatever the parser's precedences.
    var text: String { renderLines().lines.joined(separator: "\n") + "\n" }

    /// Every `require` of the actions, where the tool locates it in `text`.
    var requireSites: [ORequireSite] { renderLines().requires }

    private func renderLines() -> (lines: [String], requires: [ORequireSite]) {
        var lines = ["model \(name) {"]
        var requires: [ORequireSite] = []
        if checked { lines.append("  arithmetic checked") } else if spellsWrapping { lines.append("  arithmetic wrapping") }
        for v in stateVars {
            lines.append("  state \(v.name): \(v.sort)" + (v.initial.map { " = \($0)" } ?? ""))
        }
        for v in views {
            let params = v.params.map { "\($0.name): \($0.sort)" }.joined(separator: ", ")
            lines.append("  view \(v.name)(\(params)): \(v.sort) = \(render(v.body))")
        }
        if let c = constructor {
            let params = c.params.map { "\($0.name): \($0.sort)" }.joined(separator: ", ")
            lines.append("  constructor(\(params)) {")
            // Its requires are no action's: not offered as require sites.
            var ignored: [ORequireSite] = []
            render(c.body, indent: "    ", at: ORequireSite(action: -1, path: [], line: 0, column: 0), into: &lines, &ignored)
            lines.append("  }")
        }
        for (i, a) in actions.enumerated() {
            let params = a.params.map { "\($0.name): \($0.sort)" }.joined(separator: ", ")
            lines.append("  action \(a.name)(\(params)) {")
            render(a.body, indent: "    ", at: ORequireSite(action: i, path: [], line: 0, column: 0), into: &lines, &requires)
            lines.append("  }")
        }
        for p in properties {
            let params = p.params.isEmpty ? "" : "(" + p.params.map { "\($0.name): \($0.sort)" }.joined(separator: ", ") + ")"
            switch p.kind {
            case .invariant: lines.append("  invariant \(p.name)\(params): \(render(p.body))")
            case .lemma: lines.append("  lemma \(p.name)\(params): \(render(p.body))")
            case .rule(let action, let args):
                let target = action.map { "\($0)(\(args.joined(separator: ", ")))" } ?? "any"
                lines.append("  rule \(p.name)\(params) on \(target): \(render(p.body))")
            }
        }
        lines.append("}")
        return (lines, requires)
    }

    /// Renders a block whose statements sit at `block.path` + [index], noting where each `require` lands.
    private func render(_ statements: [OStmt], indent: String, at block: ORequireSite, into lines: inout [String],
                        _ requires: inout [ORequireSite]) {
        for (i, s) in statements.enumerated() {
            var here = block
            here.path.append(i)
            switch s {
            case .require(let c):
                lines.append("\(indent)require \(render(c))")
                here.line = lines.count
                here.column = indent.count + 1
                requires.append(here)
            case .assign(let v, let keys, let e):
                lines.append("\(indent)\(stateVars[v].name)\(keys.map { "[\(render($0))]" }.joined()) = \(render(e))")
            case .copy(let dst, let src): lines.append("\(indent)\(stateVars[dst].name) = \(stateVars[src].name)")
            case .bind(_, let name, let e): lines.append("\(indent)let \(name) = \(render(e))")
            case .ifElse(let c, let t, let f):
                renderIf(c, t, f, opener: "\(indent)if", indent: indent, at: here, into: &lines, &requires)
            case .unchecked(let b):
                lines.append("\(indent)unchecked {")
                here.path.append(0)
                render(b, indent: indent + "  ", at: here, into: &lines, &requires)
                lines.append("\(indent)}")
            }
        }
    }

    /// An `if` at `site`: its then-block at path + [0], its else-block at path + [1]; an else
    /// block holding only an `if` is written `else if`.
    private func renderIf(_ c: OExpr, _ t: [OStmt], _ f: [OStmt], opener: String, indent: String, at site: ORequireSite,
                          into lines: inout [String], _ requires: inout [ORequireSite]) {
        var thenSite = site, elseSite = site
        thenSite.path.append(0)
        elseSite.path.append(1)
        lines.append("\(opener) \(render(c)) {")
        render(t, indent: indent + "  ", at: thenSite, into: &lines, &requires)
        if f.isEmpty {
            lines.append("\(indent)}")
        } else if f.count == 1, case .ifElse(let c2, let t2, let f2) = f[0] {
            elseSite.path.append(0)
            renderIf(c2, t2, f2, opener: "\(indent)} else if", indent: indent, at: elseSite, into: &lines, &requires)
        } else {
            lines.append("\(indent)} else {")
            render(f, indent: indent + "  ", at: elseSite, into: &lines, &requires)
            lines.append("\(indent)}")
        }
    }

    func render(_ e: OExpr) -> String {
        switch e {
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return String(n)
        case .state(let i): return stateVars[i].name
        case .post(let i): return stateVars[i].name + "'"
        case .local(_, let name): return name
        case .index(let m, let k): return "\(render(m))[\(render(k))]"
        case .sum(let i, let key, let post):
            let v = stateVars[i]
            var valueSort = v.sort
            if case .map(_, let inner) = valueSort { valueSort = inner }
            if key != nil, case .map(_, let inner) = valueSort { valueSort = inner }
            let word = valueSort == .bool ? "count" : "sum"
            return "\(word)(\(v.name)\(post ? "'" : "")\(key.map { "[\(render($0))]" } ?? ""))"
        case .arith(let op, let l, let r, _): return "(\(render(l)) \(op.rawValue) \(render(r)))"
        case .compare(let op, let l, let r): return "(\(render(l)) \(op.rawValue) \(render(r)))"
        case .logic(let op, let l, let r): return "(\(render(l)) \(op.rawValue) \(render(r)))"
        case .not(let x): return "!\(render(x))"
        case .ite(let c, let t, let f): return "(\(render(c)) ? \(render(t)) : \(render(f)))"
        case .call(let v, let args, let post):
            return "\(views[v].name)\(post ? "'" : "")(\(args.map(render).joined(separator: ", ")))"
        case .reverted: return "reverted"
        }
    }
}

// MARK: Evaluation
//
// A revert (checked arithmetic overflowing, underflowing or dividing by zero, or a failed
// `require`) is a nil result. Not a thrown error: the test library records a backtrace for
// every error thrown, and explorations revert hundreds of thousands of times.

/// What an expression reads: the state (the post-state of a rule as well), the frame of
/// locals, whether the action reverted, and the arithmetic at this place: exact (unbounded
/// integers) in properties, wrapping in `unchecked` blocks, the model's mode elsewhere in actions.
struct OFrame {
    var pre: [OValue]
    var post: [OValue]?
    var locals: [OValue]
    var reverted = false
    var checked: Bool
    var exact = false
}

extension OModel {
    /// The value of `e`, or nil when checked arithmetic in it faults.
    func evaluate(_ e: OExpr, _ f: OFrame) -> OValue? {
        switch e {
        case .bool(let b): return .bool(b)
        case .number(let n): return .uint(n)
        case .state(let i): return f.pre[i]
        case .post(let i): return f.post![i]
        case .local(let slot, _): return f.locals[slot]
        case .index(let m, let k):
            guard let map = evaluate(m, f), let key = evaluate(k, f) else { return nil }
            // Keys are uint8 or bool: an exact integer used as a key is taken modulo 2^8.
            return map.map[f.exact ? ((key.key % 256) + 256) % 256 : key.key]
        case .sum(let i, let key, let post):
            var m = (post ? f.post! : f.pre)[i].map
            if let key {
                guard let k = evaluate(key, f) else { return nil }
                m = m[k.key].map
            }
            // Unwritten keys read as zero or false, so only the stored entries count.
            return .uint(m.entries.values.reduce(0) { total, v in
                if case .bool(let b) = v { return total + (b ? 1 : 0) }
                return total + v.uint
            })
        case .arith(let op, let l, let r, let width):
            guard let a = evaluate(l, f), let b = evaluate(r, f) else { return nil }
            if f.exact { return .uint(OModel.exact(op, a.uint, b.uint)) }
            guard let n = arithmetic(op, a.uint, b.uint, width: width, checked: f.checked) else { return nil }
            return .uint(n)
        case .compare(let op, let l, let r):
            guard let a = evaluate(l, f), let b = evaluate(r, f) else { return nil }
            switch op {
            case .eq: return .bool(a == b)
            case .ne: return .bool(a != b)
            case .lt: return .bool(a.uint < b.uint)
            case .le: return .bool(a.uint <= b.uint)
            case .gt: return .bool(a.uint > b.uint)
            case .ge: return .bool(a.uint >= b.uint)
            }
        case .logic(let op, let l, let r):
            // The right side runs only when the left does not decide (it may hold checked arithmetic).
            guard let a = evaluate(l, f)?.bool else { return nil }
            switch op {
            case .and: return a ? evaluate(r, f) : .bool(false)
            case .or: return a ? .bool(true) : evaluate(r, f)
            case .implies: return a ? evaluate(r, f) : .bool(true)
            }
        case .not(let x):
            guard let b = evaluate(x, f)?.bool else { return nil }
            return .bool(!b)
        case .ite(let c, let t, let e):
            guard let b = evaluate(c, f)?.bool else { return nil }
            return b ? evaluate(t, f) : evaluate(e, f)
        case .call(let index, let args, let post):
            // The arguments are read where the call is; the body reads the state (primed: the
            // post-state) with the arithmetic of the place of use.
            var values: [OValue] = []
            for a in args {
                guard let v = evaluate(a, f) else { return nil }
                values.append(v)
            }
            return evaluate(views[index].body, OFrame(pre: post ? f.post! : f.pre, post: nil, locals: values, checked: f.checked, exact: f.exact))
        case .reverted: return .bool(f.reverted)
        }
    }

    /// `+ - * / %` on integers, as properties compute: nothing wraps, / and % truncate toward
    /// zero (Swift's Int and BigInt do), x / 0 == x % 0 == 0.
    static func exact<T: BinaryInteger>(_ op: OArith, _ a: T, _ b: T) -> T {
        switch op {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return b == 0 ? 0 : a / b
        case .mod: return b == 0 ? 0 : a % b
        }
    }

    /// `+ - * / %` on uints of `width` bits: checked faults (nil) on overflow, underflow and
    /// division by zero; wrapping is modulo 2^width with x / 0 == x % 0 == 0 (the EVM).
    func arithmetic(_ op: OArith, _ a: Int, _ b: Int, width: Int, checked: Bool) -> Int? {
        let exact: Int
        switch op {
        case .add: exact = a + b
        case .sub: exact = a - b
        case .mul: exact = a * b
        case .div, .mod:
            if b == 0 { return checked ? nil : 0 }
            return op == .div ? a / b : a % b
        }
        guard width < OSort.sumWidth else {
            precondition(exact >= 0, "the generator writes no subtraction on sums")
            return exact
        }
        let modulus = 1 << width
        if exact >= 0 && exact < modulus { return exact }
        if checked { return nil }
        return ((exact % modulus) + modulus) % modulus
    }

    /// Runs statements in order, each seeing what the ones before it wrote; false when one reverts.
    func run(_ statements: [OStmt], state: inout [OValue], locals: inout [OValue], checked: Bool) -> Bool {
        for s in statements {
            let f = OFrame(pre: state, post: nil, locals: locals, checked: checked)
            switch s {
            case .require(let c):
                guard let holds = evaluate(c, f), holds.bool else { return false }
            case .assign(let v, let keys, let e):
                guard let value = evaluate(e, f) else { return false }
                var k: [Int] = []
                for key in keys {
                    guard let x = evaluate(key, f) else { return false }
                    k.append(x.key)
                }
                switch k.count {
                case 0: state[v] = value
                case 1:
                    var m = state[v].map
                    m[k[0]] = value
                    state[v] = .map(m)
                default:
                    var outer = state[v].map
                    var inner = outer[k[0]].map
                    inner[k[1]] = value
                    outer[k[0]] = .map(inner)
                    state[v] = .map(outer)
                }
            case .copy(let dst, let src): state[dst] = state[src]
            case .bind(let slot, _, let e):
                guard let value = evaluate(e, f) else { return false }
                locals[slot] = value
            case .ifElse(let c, let t, let e):
                guard let b = evaluate(c, f)?.bool, run(b ? t : e, state: &state, locals: &locals, checked: checked) else { return false }
            case .unchecked(let block):
                guard run(block, state: &state, locals: &locals, checked: false) else { return false }
            }
        }
        return true
    }

    /// Whether the action, run from `state`, reaches the `require` at `path` and it passes.
    func reachesAndPasses(_ action: OAction, path: [Int], args: [OValue], from state: [OValue]) -> Bool {
        var s = state
        var locals = args
        if action.frameSize > args.count { locals += Array(repeating: OValue.bool(false), count: action.frameSize - args.count) }
        return reaches(action.body, path[...], state: &s, locals: &locals, checked: checked)
    }

    private func reaches(_ statements: [OStmt], _ path: ArraySlice<Int>, state: inout [OValue], locals: inout [OValue],
                         checked: Bool) -> Bool {
        let i = path.first!
        guard run(Array(statements[..<i]), state: &state, locals: &locals, checked: checked) else { return false }
        let f = OFrame(pre: state, post: nil, locals: locals, checked: checked)
        let rest = path.dropFirst(2)
        switch statements[i] {
        case .require(let c): return evaluate(c, f)?.bool == true
        case .ifElse(let c, let t, let e):
            guard let taken = evaluate(c, f)?.bool, taken == (path.dropFirst().first == 0) else { return false }
            return reaches(taken ? t : e, rest, state: &state, locals: &locals, checked: checked)
        case .unchecked(let block): return reaches(block, rest, state: &state, locals: &locals, checked: false)
        default: preconditionFailure("a require path ends at a require")
        }
    }

    /// The state an action leaves, or nil when it reverts (a reverted action changes nothing).
    func execute(_ action: OAction, args: [OValue], from state: [OValue]) -> [OValue]? {
        var s = state
        var locals = args
        if action.frameSize > args.count { locals += Array(repeating: OValue.bool(false), count: action.frameSize - args.count) }
        return run(action.body, state: &s, locals: &locals, checked: checked) ? s : nil
    }

    /// An invariant or lemma at `state` with its parameters' values (exact arithmetic never faults).
    func holds(_ p: OProperty, in state: [OValue], params: [OValue]) -> Bool {
        evaluate(p.body, OFrame(pre: state, post: nil, locals: params, checked: false, exact: true))!.bool
    }

    /// A rule for one execution: parameters, then the action's arguments under the rule's names.
    func ruleHolds(_ p: OProperty, pre: [OValue], post: [OValue]?, args: [OValue], params: [OValue]) -> Bool {
        let frame = OFrame(pre: pre, post: post ?? pre, locals: params.isEmpty ? args : params + args, reverted: post == nil, checked: false, exact: true)
        return evaluate(p.body, frame)!.bool
    }
}
