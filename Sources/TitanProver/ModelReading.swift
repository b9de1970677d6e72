import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

extension Query {
    /// A state read back from a solver's model: scalars exactly; maps at the keys of their key
    /// sort that the query touched (every other entry is left out, so the state is partial).
    func readState(_ s: State<Term>, _ m: ModelValues) -> [String: Value] {
        var out: [String: Value] = [:]
        for v in model.stateVars {
            if let value = readValue(s[v.name], v.sort, m) { out[v.name] = value }
        }
        return out
    }

    func readValue(_ t: Term, _ sort: Sort, _ m: ModelValues) -> Value? {
        guard case .map(let keySort, let valueSort) = sort else { return concrete(t, sort, in: m) }
        var map = MapValue(defaultValue: Value.zero(valueSort))
        for key in domain.pool[keySort] ?? [] {
            guard let k = concrete(key, keySort, in: m), let v = readValue(z3.select(t, key), valueSort, m) else { continue }
            if v != Value.zero(valueSort) { map[k] = v }
        }
        return .map(map)
    }
}
