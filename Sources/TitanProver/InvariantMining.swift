import BigInt
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics

/// Candidate invariants mined Daikon-style from the states random walks reach: templates over the
/// scalar state variables (a constant, a modulus every value shares, an order, a ratio every pair
/// keeps, a sum that never changes, exclusion and implication between flags), instantiated with
/// what the reached states show. Only candidates no reached state falsifies are returned; that
/// they are invariants at all is for induction to show (`TitanSuggest`).
public enum InvariantMining {
    /// Candidate invariants (expressions in the spec language) that hold in every state the
    /// walks reached, most specific first within each template.
    public static func candidates(of model: Model, walks: Int = 200) -> [String] {
        let interpreter = Interpreter(model: model)
        let search = SimulationSearch(model: model, interpreter: interpreter, seconds: 30, walkLength: 32)
        let uints = model.stateVars.filter { $0.sort.isUint }.map(\.name)
        let bools = model.stateVars.filter { $0.sort == .bool }.map(\.name)
        var numbers: [[BigUInt]] = []   // per state, in the order of `uints`
        var flags: [[Bool]] = []
        search.explore(walks: walks) { state, _, _ in
            numbers.append(uints.map { name in state.layout.slot(name).map { state.values[$0].asBits } ?? 0 })
            flags.append(bools.map { name in state.layout.slot(name).map { state.values[$0].asBool } ?? false })
        }
        guard !numbers.isEmpty else { return [] }
        var found: [String] = []
        func column(_ i: Int) -> [BigUInt] { numbers.map { $0[i] } }

        for (i, x) in uints.enumerated() {
            let values = column(i)
            if Set(values).count == 1 { found.append("\(x) == \(values[0])"); continue }
            for m in [2, 3, 4, 5, 8, 10] {
                let r = values[0] % BigUInt(m)
                if values.allSatisfy({ $0 % BigUInt(m) == r }) { found.append("\(x) % \(m) == \(r)") }
            }
        }
        for (i, x) in uints.enumerated() {
            for (j, y) in uints.enumerated() where i != j {
                let (a, b) = (column(i), column(j))
                if i < j && a == b { found.append("\(x) == \(y)") }
                if a != b && zip(a, b).allSatisfy({ $0 <= $1 }) { found.append("\(x) <= \(y)") }
                for k in 2...10 where zip(a, b).allSatisfy({ $0 == BigUInt(k) * $1 }) && b.contains(where: { $0 != 0 }) {
                    found.append("\(x) == \(k) * \(y)")
                }
                if i < j, a != b, Set(zip(a, b).map { $0 + $1 }).count == 1 { found.append("\(x) + \(y) == \(a[0] + b[0])") }
            }
        }
        for (i, b) in bools.enumerated() {
            let values = flags.map { $0[i] }
            if Set(values).count == 1 { found.append(values[0] ? b : "!\(b)"); continue }
            for (j, c) in bools.enumerated() where i != j {
                let other = flags.map { $0[j] }
                if i < j && !zip(values, other).contains(where: { $0 && $1 }) { found.append("!(\(b) && \(c))") }
                if zip(values, other).allSatisfy({ !$0 || $1 }) && values != other { found.append("\(b) ==> \(c)") }
            }
            for (k, x) in uints.enumerated() {
                let n = column(k)
                if zip(values, n).allSatisfy({ !$0 || $1 != 0 }) { found.append("\(b) ==> \(x) != 0") }
                if zip(values, n).allSatisfy({ $0 || $1 == 0 }) { found.append("!\(b) ==> \(x) == 0") }
            }
        }
        return found
    }

}
