/// Which state variables a piece of IR reads and writes: the cone of influence the prover uses to
/// skip induction steps that cannot matter and to assume only the invariants that do.
extension Expr {
    /// The state variables read, in the pre- or post-state; a sum or count reads its map.
    public var stateReads: Set<String> {
        var out = Set<String>()
        collectReads(into: &out)
        return out
    }

    func collectReads(into out: inout Set<String>) {
        switch self {
        case .state(let n, _), .post(let n, _), .sum(let n, _, _): out.insert(n)
        default: break
        }
        for c in children { c.collectReads(into: &out) }
    }
}

extension Stmt {
    func collect(reads: inout Set<String>, writes: inout Set<String>) {
        switch self {
        case .require(let e, _), .bind(_, let e), .set(_, let e): e.collectReads(into: &reads)
        case .assign(let lv, let e):
            writes.insert(lv.root)
            e.collectReads(into: &reads)
            // A write into a map keeps the entries it does not touch: the old map is read too.
            if !lv.indices.isEmpty { reads.insert(lv.root) }
            for i in lv.indices { i.collectReads(into: &reads) }
        case .ifElse(let c, let t, let f):
            c.collectReads(into: &reads)
            for s in t + f { s.collect(reads: &reads, writes: &writes) }
        }
    }
}

extension Action {
    /// The state variables some path of the action may assign (its prologue included).
    public var stateWrites: Set<String> { footprint.writes }
    /// The state variables the action reads: conditions, right-hand sides, map indices.
    public var stateReads: Set<String> { footprint.reads }

    public var footprint: (reads: Set<String>, writes: Set<String>) {
        var reads = Set<String>(), writes = Set<String>()
        for s in body { s.collect(reads: &reads, writes: &writes) }
        return (reads, writes)
    }
}
