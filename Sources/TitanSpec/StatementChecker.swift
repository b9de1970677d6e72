import TitanIR
import BigInt

/// Statement typing for action bodies.
extension TypeChecker {
    /// Checks a block; lets it declares are added to `scope` (callers copy the scope for nested blocks).
    mutating func checkStatements(_ statements: [StmtSyntax], scope: inout Scope) -> [Stmt] {
        var result: [Stmt] = []
        for original in statements {
            // Function calls in the statement's expressions run first, in source order.
            let statement = hoistCalls(original, scope: &scope, into: &result)
            switch statement {
            case .require(let condition, let keyword):
                if let c = checkCondition(condition, of: "'require'", scope: scope) {
                    result.append(.require(c, keyword))
                }
            case .assign(let target, let value):
                if let s = checkAssign(target, value, scope: scope) { result.append(s) }
            case .bind(let name, let type, let value):
                if let s = checkBind(name, type, value, scope: &scope) { result.append(s) }
            case .declare(let name, let type, let value):
                if let s = checkBind(name, type, value, scope: &scope) { result.append(s) }
                scope.mutables.insert(name.name)
            case .ifElse(let condition, let thenBlock, let elseBlock):
                let c = checkCondition(condition, of: "'if'", scope: scope)
                // Each branch sees the outer names; its own lets end with it.
                var thenScope = scope
                let t = checkStatements(thenBlock, scope: &thenScope)
                var elseScope = scope
                let f = checkStatements(elseBlock, scope: &elseScope)
                if let c { result.append(.ifElse(c, t, f)) }
            case .unchecked(let block):
                // The block is inlined, so its lets stay visible after it, as they are in the IR.
                let mode = scope.arithmetic
                scope.arithmetic = .wrapping
                result += checkStatements(block, scope: &scope)
                scope.arithmetic = mode
            case .call(let name, let args):
                if functions[name.name] == nil {
                    report(views[name.name] != nil ? "view '\(name.name)' has no effect; a statement can only call a function"
                                                   : "unknown function '\(name.name)'", at: name.location)
                    checkDiscarded(args, scope: &scope)
                } else if let expanded = expand(name, args, caller: &scope) {
                    result += expanded.statements
                }
            case .forRange(let index, let count, let body, _):
                if scope.locals[index.name] != nil || scope.loopIndices[index.name] != nil || states[index.name] != nil {
                    report("the loop index '\(index.name)' is already a name here; choose another", at: index.location)
                    continue
                }
                // Unrolled: one copy of the body per index value, each a block of its own so its
                // lets end with it. An error in the body is reported once, from the first copy.
                for k in 0..<count {
                    var inner = scope
                    inner.loopIndices[index.name] = BigUInt(k)
                    let errorsBefore = diagnostics.count
                    let copy = checkStatements(body, scope: &inner)
                    if diagnostics.count > errorsBefore { break }
                    result.append(.ifElse(.bool(true), copy, []))
                }
            case .return(_, let keyword):
                report("'return' must be the last statement of a function or action body that declares a return type (set a 'var' in the branches and return it at the end)", at: keyword)
            }
        }
        return result
    }

    private mutating func checkCondition(_ e: ExprSyntax, of what: String, scope: Scope) -> Expr? {
        guard let c = checkExpr(e, expected: .bool, scope: scope) else { return nil }
        guard c.sort == .bool else {
            report("type mismatch: \(what) needs a bool condition, found \(c.sort)", at: e.location)
            return nil
        }
        return c
    }

    private mutating func checkAssign(_ target: LValueSyntax, _ value: ExprSyntax, scope: Scope) -> Stmt? {
        let root = target.root
        var rootSort: Sort?
        if let local = scope.locals[root.name] {
            guard scope.mutables.contains(root.name) else {
                report("cannot assign to '\(root.name)': a 'let' cannot be reassigned; declare it with 'var'", at: root.location)
                return nil
            }
            guard target.indices.isEmpty else {
                report("cannot index into '\(root.name)': a local is not a map", at: root.location)
                return nil
            }
            guard let sort = local, let x = checkExpr(value, expected: sort, scope: scope) else { return nil }
            guard let v = TypeChecker.implicitlyWidened(x, to: sort) else {
                report("cannot assign \(x.sort) to '\(root.name)', a var of \(sort)", at: value.location)
                return nil
            }
            return .set(scope.ir(root.name), v)
        } else if let state = states[root.name] {
            if immutables.contains(root.name), !scope.setsImmutables {
                report("cannot assign to '\(root.name)': it is immutable, and only the constructor sets it", at: root.location)
                return nil
            }
            rootSort = state
        } else {
            report("unknown name '\(root.name)'", at: root.location)
        }

        // Walk the indices even without a root sort, to report errors inside them.
        var current = rootSort
        var indices: [Expr] = []
        for index in target.indices {
            guard let sort = current else {
                _ = checkExpr(index, expected: nil, scope: scope)
                continue
            }
            guard case .map(let keySort, let valueSort) = sort else {
                report("cannot index into \(sort); only maps can be indexed", at: index.location)
                _ = checkExpr(index, expected: nil, scope: scope)
                current = nil
                continue
            }
            if let k = checkIndexValue(index, keySort: keySort, scope: scope) { indices.append(k) }
            current = valueSort
        }

        if let sort = current, sort.isMap {
            // A whole map can be copied from another state map of the same sort (a snapshot).
            if target.indices.isEmpty, case .name(let source) = value.kind, let sourceSort = states[source], sourceSort == sort,
               scope.locals[source] == nil, let rootSort {
                return .assign(LValue(root: root.name, rootSort: rootSort, indices: []), .state(source, sort))
            }
            report("a whole map can only be assigned from another state map of the same sort; assign its entries instead",
                   at: root.location)
            current = nil
        }
        guard let x = checkExpr(value, expected: current, scope: scope) else { return nil }
        guard let targetSort = current, let rootSort, indices.count == target.indices.count else { return nil }
        guard let v = TypeChecker.implicitlyWidened(x, to: targetSort) else {
            report("cannot assign \(x.sort) to \(targetSort)", at: value.location)
            return nil
        }
        return .assign(LValue(root: root.name, rootSort: rootSort, indices: indices), v)
    }

    private mutating func checkBind(_ name: NameSyntax, _ type: TypeSyntax?, _ value: ExprSyntax, scope: inout Scope) -> Stmt? {
        var declared: Sort?
        if let type {
            declared = sort(of: type)
            if let d = declared, d.isMap {
                report("cannot bind a map with 'let'", at: type.location)
                declared = nil
            }
        }
        var x = checkExpr(value, expected: declared, scope: scope)
        if let sort = x?.sort, sort.isMap {
            report("cannot bind a map with 'let'", at: value.location)
            x = nil
        }
        if let d = declared, let v = x, v.sort != d {
            if let widened = TypeChecker.implicitlyWidened(v, to: d) {
                x = widened
            } else {
                let hint = v.sort.isInteger && d.isInteger ? "; convert explicitly with '\(d)(...)'" : ""
                report("type mismatch: cannot bind \(v.sort) to '\(name.name)', declared \(d)\(hint)", at: value.location)
                x = nil
            }
        }
        if type != nil, declared == nil { x = nil }
        // Declared even when the value failed, so later uses do not cascade into "unknown name".
        guard declare(name.name, at: name.location, in: &scope.locals, sort: declared ?? x?.sort) else { return nil }
        return x.map { .bind(scope.ir(name.name), $0) }
    }
}
