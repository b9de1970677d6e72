import TitanIR
import TitanSemantics
import TitanSMT

/// k-induction for an invariant that is true within the BMC bound but not inductive: from any
/// k consecutive states that satisfy it (and the proved invariants), linked by actions, the next
/// state satisfies it too. With the base case (no violation within k - 1 steps of the initial
/// state, which bounded model checking has shown), that proves it for every reachable state.
struct KInduction {
    let prover: Prover

    /// The method that proved `inv` (`"3-induction (assuming a, b)"`), or nil. `clean` is the
    /// depth within which bounded model checking found no violation and decided every depth: the
    /// base case of k-induction holds for every k up to `clean + 1`.
    func prove(_ inv: Property, assuming proved: [Property], clean: Int, records: inout [QueryRecord]) -> String? {
        guard clean >= 1, let k = smallestK(inv, assuming: proved, upTo: min(prover.options.maxInductionDepth, clean + 1), records: &records) else {
            return nil
        }
        let others = proved.map(\.name)
        return others.isEmpty ? "\(k)-induction"
            : others.count <= 2 ? "\(k)-induction (assuming \(others.joined(separator: ", ")))"
            : "\(k)-induction (assuming \(others.count) proved invariants)"
    }

    /// The smallest k in 2...maxK for which the step holds, or nil.
    private func smallestK(_ inv: Property, assuming proved: [Property], upTo maxK: Int, records: inout [QueryRecord]) -> Int? {
        guard maxK >= 2 else { return nil }
        for k in 2...maxK {
            let answer = prover.solve("\(inv.name).kind.\(k)", "\(inv.name): \(k)-induction step",
                                      inputs: ["question=k-induction", "invariant=\(inv.name)", "k=\(k)", "assumed=\(Prover.names(proved))",
                                               "lemmas=\(Prover.names(prover.hints(for: inv)))"], records: &records) { q in
                var states = [q.freshState("0")]
                for i in 0..<k { states.append(q.transition(from: states[i], step: i).next) }
                let params = q.freshParams(inv.params, prefix: "\(inv.name).")
                q.solver.assert(q.z3.not(q.exec.evaluate(inv.body, in: .init(pre: states[k], names: params))))
                for (i, s) in states.enumerated() {
                    q.assume(proved, in: s)
                    if i < k { q.assume([inv], in: s) }
                }
                q.assumeLemmas(prover.hints(for: inv), states: states)
                for s in states { q.assumeSumBounds(s) }
            }
            if case .unsat = answer { return k }
        }
        return nil
    }
}
