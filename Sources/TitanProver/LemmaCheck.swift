import BigInt
import Crypto
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// Lemmas: statements about their parameters alone, proved for all values.
extension Prover {
    /// A lemma holds for all values of its parameters; a violation is a set of values, which
    /// the interpreter evaluates before it is reported.
    func verifyLemma(_ lemma: Property) -> PropertyResult {
        let start = clock()
        var recs: [QueryRecord] = []
        var params: [String: Term] = [:]
        let answer = solve("\(lemma.name).lemma", "\(lemma.name): lemma for all parameter values",
                           inputs: ["question=lemma", "lemma=\(lemma.name)"], records: &recs) { q in
            params = q.freshParams(lemma.params, prefix: "\(lemma.name).")
            q.solver.assert(q.z3.not(q.exec.evaluate(lemma.body, in: .init(pre: q.exec.initialState(), names: params))))
        }
        switch answer {
        case .unsat:
            return result(lemma, .proved, method: "lemma", seconds: since(start), queries: recs)
        case .unknown(let why):
            return result(lemma, .unknown, method: "lemma", reason: "the solver could not decide the lemma: \(why)",
                          seconds: since(start), queries: recs)
        case .satisfiable:
            return result(lemma, .error, method: "lemma", reason: "internal error: no model to read a violation from",
                          seconds: since(start), queries: recs)
        case .sat(let q, let cached):
            let m = self.solverModel(q, cached)
            guard let values = read(lemma.params, params, q, m) else {
                return result(lemma, .error, method: "lemma", reason: "internal error: unreadable model", seconds: since(start), queries: recs)
            }
            guard !interpreter.holds(lemma, in: interpreter.initialState(), params: values) else {
                return result(lemma, .error, method: "lemma",
                              reason: "internal error: the solver's counterexample did not replay (the interpreter sees the lemma hold)",
                              seconds: since(start), queries: recs)
            }
            let cex = Counterexample(initialState: [], holdsInitially: false, steps: [],
                                     ruleParams: rendered(lemma.params, values), lastReverted: nil, replayed: true)
            return result(lemma, .violated, method: "lemma", cex: cex, seconds: since(start), queries: recs)
        }
    }
}
