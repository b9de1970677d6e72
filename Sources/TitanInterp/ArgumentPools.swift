import BigInt
import TitanIR

/// Where random searches draw action arguments from: for each scalar sort, its boundary values,
/// the model's own constants and their neighbours, and hints (a counterexample to induction's
/// values); addresses from a small pool with 0 in it, so that map entries are shared between
/// steps. The prover's simulation and `titan conform` draw from the same pools.
public struct ArgumentPools: Sendable {
    public var values: [Sort: [Value]]

    public init(values: [Sort: [Value]]) { self.values = values }

    /// The pools of every sort a parameter of the model (an action's, the constructor's or a
    /// property's) has, with `hints` added to their sorts' pools.
    public init(model: Model, hints: [Sort: [Value]] = [:]) {
        var sorts = Set<Sort>()
        for a in model.bodies { a.params.forEach { sorts.insert($0.sort) } }
        for p in model.properties { p.params.forEach { sorts.insert($0.sort) } }
        let constants = ArgumentPools.constants(of: model)
        var out: [Sort: [Value]] = [:]
        for sort in sorts {
            var values: [Value] = []
            switch sort {
            case .bool: values = [.bool(false), .bool(true)]
            case .address:
                let named = ArgumentPools.constants(of: model) { $0 == .address }
                values = Set((0...3).map { BigUInt($0) } + named + [(BigUInt(1) << 160) - 1]).sorted().map { .bits($0) }
            case .uint(let w):
                let top = (BigUInt(1) << w) - 1
                var numbers: Set<BigUInt> = [0, 1, 2, 3, top, top - 1, BigUInt(1) << (w - 1)]
                for c in constants where c <= top {
                    numbers.insert(c)
                    if c > 0 { numbers.insert(c - 1) }
                    if c < top { numbers.insert(c + 1) }
                }
                values = numbers.sorted().map { .bits($0) }
            case .sint(let w):
                // Around zero, the extremes (where min / -1 and -min overflow), and the model's
                // constants of either sign.
                let sort = Sort.sint(w), range = sort.integerRange!
                var numbers: Set<BigInt> = [0, 1, -1, 2, -2, range.lowerBound, range.lowerBound + 1, range.upperBound, range.upperBound - 1]
                let signedConstants = ArgumentPools.constants(of: model) { $0 == sort }.map { sort.integer(fromPattern: $0) }
                for c in constants.map(BigInt.init) + signedConstants {
                    for v in [c, c - 1, c + 1, -c] where range.contains(v) { numbers.insert(v) }
                }
                values = numbers.sorted().map { .bits(sort.pattern(of: $0)) }
            case .int:
                values = []  // no parameter is an int
            case .bytes(let n):
                values = [Value.bytes([], maxLength: n), Value.bytes([0], maxLength: n), Value.bytes([1, 2], maxLength: n),
                          Value.bytes([UInt8](repeating: 0xff, count: n), maxLength: n)]
            case .map:
                continue
            }
            for h in hints[sort] ?? [] where !values.contains(h) { values.append(h) }
            out[sort] = values
        }
        self.values = out
    }

    /// Every number literal in the model (uint or address): thresholds, limits and the
    /// accounts a model names (a council of members 1..7) are where bugs hide.
    public static func constants(of model: Model, sort wanted: (Sort) -> Bool = { $0.isUint }) -> [BigUInt] {
        var out = Set<BigUInt>()
        func visit(_ e: Expr) {
            if case .number(let n, let s) = e, wanted(s) { out.insert(n) }
            e.children.forEach(visit)
        }
        func visit(_ s: Stmt) {
            switch s {
            case .require(let e, _), .bind(_, let e), .set(_, let e): visit(e)
            case .assign(let lv, let e): lv.indices.forEach(visit); visit(e)
            case .ifElse(let c, let t, let f): visit(c); t.forEach(visit); f.forEach(visit)
            }
        }
        model.bodies.forEach { $0.body.forEach(visit) }
        model.properties.forEach { visit($0.body) }
        model.stateVars.compactMap(\.initial).forEach(visit)
        return out.sorted()
    }

    /// Arguments for `params`: a third of the time a value an earlier step of the same run used
    /// (`earlier`, by sort: a protocol refers back to what it created), else mostly from the
    /// pool and sometimes any value of the sort, so that no value is out of reach.
    public func arguments(_ params: [Param], earlier: [Sort: [Value]], _ rng: inout SplitMix64) -> [String: Value] {
        var out: [String: Value] = [:]
        for p in params {
            let pool = values[p.sort] ?? [Value.zero(p.sort)]
            if let earlier = earlier[p.sort], !earlier.isEmpty, rng.next() % 3 == 0 {
                out[p.name] = earlier[Int(rng.next() % UInt64(earlier.count))]
                continue
            }
            if let w = p.sort.isInteger ? p.sort.bitWidth : nil, rng.next() % 8 == 0 {
                let words = (0..<((w + 63) / 64)).map { _ in UInt(truncatingIfNeeded: rng.next()) }
                out[p.name] = .bits(BigUInt(words: words) & ((BigUInt(1) << w) - 1))
            } else {
                out[p.name] = pool[Int(rng.next() % UInt64(pool.count))]
            }
        }
        return out
    }

    /// Adds the arguments of a step that completed to `earlier`.
    public static func remember(_ step: Step, _ action: Action, in earlier: inout [Sort: [Value]]) {
        for p in action.params {
            guard let v = step.args[p.name], !(earlier[p.sort] ?? []).contains(v) else { continue }
            earlier[p.sort, default: []].append(v)
        }
    }
}
