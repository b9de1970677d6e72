import TitanIR

/// What an induction step or a rule query needs to look at. An action that writes nothing an
/// invariant reads preserves it: the step needs no solver. A query assumes only the invariants
/// that read state the property or the action touches; fewer assumptions can lose a proof but
/// never make one, so a query that fails with the smaller set is asked again with all of them.
struct ConeOfInfluence {
    private var footprints: [String: (reads: Set<String>, writes: Set<String>)] = [:]
    private var reads: [String: Set<String>] = [:]

    init(model: Model) {
        for a in model.actions { footprints[a.name] = a.footprint }
        for p in model.properties { reads[p.name] = p.body.stateReads }
    }

    private func reads(_ p: Property) -> Set<String> { reads[p.name] ?? p.body.stateReads }

    /// Whether `action` may change a state variable that `invariant` reads.
    func mayChange(_ invariant: Property, by action: Action) -> Bool {
        let writes = footprints[action.name]?.writes ?? action.stateWrites
        return !writes.isDisjoint(with: reads(invariant))
    }

    /// The invariants among `candidates` that read a state variable `property` reads or
    /// `action` reads or writes, in their order.
    func assumptions(for property: Property, action: Action, among candidates: [Property]) -> [Property] {
        let f = footprints[action.name] ?? action.footprint
        let touched = reads(property).union(f.reads).union(f.writes)
        return candidates.filter { !reads($0).isDisjoint(with: touched) }
    }
}
