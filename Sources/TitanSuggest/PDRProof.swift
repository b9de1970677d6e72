import Foundation
import TitanIR
import TitanProver

/// What `titan verify` does with the invariants of a model that are left unknown: hands each
/// to Spacer (`PDRSearch`), checks the helpers it yields by induction with the property
/// (`InvariantSuggestion.pdrHelpers`), and marks the ones proved that way with method `pdr`.
public enum PDRProof {
    /// `results` of `model` with every unknown invariant that PDR proves marked proved.
    /// The invariants of `model` among `results` that PDR is tried on: those left unknown.
    public static func candidates(in results: [PropertyResult], model: Model) -> [PropertyResult] {
        results.filter { $0.model == model.name && $0.kind == "invariant" && $0.status == .unknown }
    }

    public static func apply(to results: [PropertyResult], model: Model, specText: String, specPath: String,
                             options: ProverOptions, secondsEach: Double) -> [PropertyResult] {
        let open = candidates(in: results, model: model)
        guard !open.isEmpty, secondsEach > 0 else { return results }
        let started = Date()
        let found = InvariantSuggestion(model: model, specText: specText, specPath: specPath, options: options)
            .pdrHelpers(for: open.map(\.property), secondsEach: secondsEach)
        let each = Date().timeIntervalSince(started) / Double(open.count)
        var out = results
        for (i, r) in out.enumerated() where r.model == model.name {
            guard let helpers = found[r.property] else { continue }
            out[i].status = .proved
            out[i].method = "pdr"
            out[i].reason = "not inductive alone; proved by induction together with the helper invariant\(helpers.count == 1 ? "" : "s") Z3's Spacer found"
            out[i].counterexampleToInduction = nil
            out[i].suggestedHelpers = helpers.map(\.line)
            out[i].seconds += each
        }
        return out
    }
}
