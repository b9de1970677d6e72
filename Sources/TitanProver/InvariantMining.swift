import BigInt
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics

/// Candidate invariants mined Daikon-style from the states random walks reach: templates over the
/// state variables (a constant, a modulus every value shares, an order, a ratio every pair keeps,
/// a sum that never changes, exclusion and implication between flags; for maps of uints, a total
/// that equals or stays below a variable, every entry below a variable or below another map's
/// entry, and a flag map that marks the non-zero entries), instantiated with what the reached
/// states show. Only candidates no reached state falsifies are returned; that
/// they are invariants at all is for induction to show (`TitanSuggest`).
public enum InvariantMining {
    /// A candidate invariant: its parameters (`k: address`, or empty) and its expression, in the
    /// spec language.
    public struct Candidate: Hashable, Sendable {
        public var parameters: String
        public var expression: String
        init(_ expression: String, parameters: String = "") { self.parameters = parameters; self.expression = expression }
    }

    /// Candidate invariants that hold in every state the walks reached, most specific first
    /// within each template.
    public static func candidates(of model: Model, walks: Int = 200) -> [Candidate] {
        let interpreter = Interpreter(model: model)
        let search = SimulationSearch(model: model, interpreter: interpreter, seconds: 30, walkLength: 32)
        let uints = model.stateVars.filter { $0.sort.isUint }.map(\.name)
        let bools = model.stateVars.filter { $0.sort == .bool }.map(\.name)
        // Maps from a scalar key to a uint or a bool.
        func scalar(_ s: Sort) -> Bool { if case .map = s { return false } else { return true } }
        let uintMaps = model.stateVars.filter { if case .map(let k, let v) = $0.sort { return scalar(k) && v.isUint } else { return false } }
        let boolMaps = model.stateVars.filter { if case .map(let k, .bool) = $0.sort { return scalar(k) } else { return false } }
        // Every reached state has the model's one layout: the slots are looked up once.
        let layout = interpreter.initialState().layout
        let uintSlots = uints.compactMap(layout.slot), boolSlots = bools.compactMap(layout.slot)
        let mapSlots = (uintMaps + boolMaps).map(\.name).compactMap(layout.slot)
        var numbers: [[BigUInt]] = []   // per state, in the order of `uints`
        var flags: [[Bool]] = []
        var maps: [[MapValue]] = []     // per state, `uintMaps` then `boolMaps`
        search.explore(walks: walks) { state, _, _ in
            numbers.append(uintSlots.map { state.values[$0].asBits })
            flags.append(boolSlots.map { state.values[$0].asBool })
            maps.append(mapSlots.map { state.values[$0].asMap })
        }
        guard !numbers.isEmpty else { return [] }
        var plain: [String] = []
        func column(_ i: Int) -> [BigUInt] { numbers.map { $0[i] } }

        for (i, x) in uints.enumerated() {
            let values = column(i)
            if Set(values).count == 1 { plain.append("\(x) == \(values[0])"); continue }
            for m in [2, 3, 4, 5, 8, 10] {
                let r = values[0] % BigUInt(m)
                if values.allSatisfy({ $0 % BigUInt(m) == r }) { plain.append("\(x) % \(m) == \(r)") }
            }
        }
        for (i, x) in uints.enumerated() {
            for (j, y) in uints.enumerated() where i != j {
                let (a, b) = (column(i), column(j))
                if i < j && a == b { plain.append("\(x) == \(y)") }
                if a != b && zip(a, b).allSatisfy({ $0 <= $1 }) { plain.append("\(x) <= \(y)") }
                for k in 2...10 where zip(a, b).allSatisfy({ $0 == BigUInt(k) * $1 }) && b.contains(where: { $0 != 0 }) {
                    plain.append("\(x) == \(k) * \(y)")
                }
                if i < j, a != b, Set(zip(a, b).map { $0 + $1 }).count == 1 { plain.append("\(x) + \(y) == \(a[0] + b[0])") }
            }
        }
        for (i, b) in bools.enumerated() {
            let values = flags.map { $0[i] }
            if Set(values).count == 1 { plain.append(values[0] ? b : "!\(b)"); continue }
            for (j, c) in bools.enumerated() where i != j {
                let other = flags.map { $0[j] }
                if i < j && !zip(values, other).contains(where: { $0 && $1 }) { plain.append("!(\(b) && \(c))") }
                if zip(values, other).allSatisfy({ !$0 || $1 }) && values != other { plain.append("\(b) ==> \(c)") }
            }
            for (k, x) in uints.enumerated() {
                let n = column(k)
                if zip(values, n).allSatisfy({ !$0 || $1 != 0 }) { plain.append("\(b) ==> \(x) != 0") }
                if zip(values, n).allSatisfy({ $0 || $1 == 0 }) { plain.append("!\(b) ==> \(x) == 0") }
            }
        }
        var found = plain.map { Candidate($0) }
        mineMaps(uintMaps: uintMaps, boolMaps: boolMaps, maps: maps, uints: uints, numbers: numbers, into: &found)
        return found
    }

    /// The map templates. An entry of a map is read at every key any reached state wrote.
    private static func mineMaps(uintMaps: [StateVar], boolMaps: [StateVar], maps: [[MapValue]], uints: [String],
                                 numbers: [[BigUInt]], into found: inout [Candidate]) {
        func keySort(_ v: StateVar) -> Sort { if case .map(let k, _) = v.sort { return k }; return .uint256 }
        func entry(_ m: MapValue, _ k: Value) -> Value { m.entries[k] ?? m.defaultValue }
        for (i, m) in uintMaps.enumerated() {
            let totals = maps.map { $0[i].entries.values.reduce(BigUInt(0)) { $0 + $1.asBits } }
            let highest = maps.map { $0[i].entries.values.map(\.asBits).max() ?? 0 }
            let parameter = "k: \(keySort(m))"
            for (j, x) in uints.enumerated() {
                let xs = numbers.map { $0[j] }
                if totals == xs { found.append(Candidate("sum(\(m.name)) == \(x)")) }
                else if zip(totals, xs).allSatisfy({ $0 <= $1 }) { found.append(Candidate("sum(\(m.name)) <= \(x)")) }
                if zip(highest, xs).allSatisfy({ $0 <= $1 }) && totals != xs {
                    found.append(Candidate("\(m.name)[k] <= \(x)", parameters: parameter))
                }
            }
            for (j, other) in uintMaps.enumerated() where j != i && keySort(other) == keySort(m) {
                let holds = maps.allSatisfy { state in
                    Set(state[i].entries.keys).union(state[j].entries.keys).allSatisfy { entry(state[i], $0).asBits <= entry(state[j], $0).asBits }
                }
                if holds { found.append(Candidate("\(m.name)[k] <= \(other.name)[k]", parameters: parameter)) }
            }
            for (j, flag) in boolMaps.enumerated() where keySort(flag) == keySort(m) {
                let b = uintMaps.count + j
                let marks = maps.allSatisfy { state in
                    Set(state[i].entries.keys).union(state[b].entries.keys).allSatisfy { entry(state[b], $0).asBool == (entry(state[i], $0).asBits != 0) }
                }
                if marks { found.append(Candidate("\(flag.name)[k] == (\(m.name)[k] != 0)", parameters: parameter)) }
            }
        }
    }

}
