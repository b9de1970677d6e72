import TitanIR

/// What an induction step or a rule query needs to look at. An action that writes nothing an
/// invariant reads preserves it: the step needs no solver. A query assumes only the invariants
/// that read state the property or the action touches; fewer assumptions can lose a proof but
/// never make one, so a query that fails with the smaller set is asked again with all of them.
struct ConeOfInfluence {
    private var footprints: [String: (reads: Set<String>, writes: Set<String>)] = [:]
    private var reads: [String: Set<String>] = [:]
    private let actions: [Action]

    init(model: Model) {
        actions = model.actions
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

    /// The actions (by index) a bounded search for a violation of `invariant` needs: those that
    /// write what it reads, closed under what those actions read in turn. Every other action
    /// changes nothing any of them reads, so leaving its steps out of a trace changes neither
    /// whether the others complete nor the invariant: a violation within n steps is one within
    /// n steps of these actions alone. Time is the exception that proves the rule: every step
    /// moves `block.timestamp` forward, and a later step may always take the time a left-out one
    /// took, so moving time alone does not make an action needed, unless the property itself
    /// reads the time (then the time a trace ends at matters).
    func actionsNeeded(by invariant: Property) -> [Int] {
        actionsNeeded(reading: reads(invariant))
    }

    /// The actions a trace leading to a step of `actions` on which `rule` may fail needs: what
    /// the rule reads and what those actions read. A rule may judge a step that reverts, and a
    /// step reverts when its time is before the previous step's: when those actions read the
    /// time, the steps that only move it are needed too.
    func actionsNeeded(by rule: Property, before actions: [Action]) -> [Int] {
        var seeds = reads(rule)
        for a in actions { seeds.formUnion((footprints[a.name] ?? a.footprint).reads) }
        return actionsNeeded(reading: seeds)
    }

    /// Moving a block field (the time, the block number) that the seeds do not read makes no
    /// action needed; the same argument holds for the block number as for the time.
    private func actionsNeeded(reading seeds: Set<String>) -> [Int] {
        var cone = seeds
        let timeOnly = Environment.blockFields.subtracting(seeds)
        var needed = Set<Int>()
        var changed = true
        while changed {
            changed = false
            for (i, a) in actions.enumerated() where !needed.contains(i) {
                let f = footprints[a.name] ?? a.footprint
                guard !f.writes.subtracting(timeOnly).isDisjoint(with: cone) else { continue }
                needed.insert(i)
                cone.formUnion(f.reads)
                changed = true
            }
        }
        return needed.sorted()
    }
}
