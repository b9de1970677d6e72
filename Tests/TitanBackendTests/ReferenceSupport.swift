import TitanFuzz
import TitanSpec
import TitanTestSupport

/// The reference model over the shipped kernel specs.
func makeReference() throws -> ReferenceModel {
    let models = try SpecLoader.load(paths: [specPath("Specs/kernel")]).flatMap(\.models)
    return try ReferenceModel(vss: models.first { $0.name == "VSS" }!, ledger: models.first { $0.name == "Ledger" }!)
}

func makeRunner() throws -> DifferentialRunner { DifferentialRunner(reference: try makeReference()) }
