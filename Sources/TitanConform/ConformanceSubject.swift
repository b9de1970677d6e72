import BigInt
import TitanDifferential
import TitanIR
import TitanInterp

/// A contract checked against its model, as a subject of the differential engine: its calls are
/// the model's steps, carried to the implementation by the mapping (`Binding`).
extension Conformance: DifferentialSubject {
    public typealias Call = Step
    public typealias Difference = Divergence

    public var name: String { target.summary }
    public var work: Int { calls }

    public func firstDifference(_ steps: [Step]) throws -> Divergence? { try firstDivergence(steps) }

    public func knownDivergence(_ difference: Divergence, in steps: [Step]) -> String? { known(difference, steps)?.name }

    /// The deployment's difference is at the first step: every sequence shows it.
    public func callIndex(of difference: Divergence) -> Int? { max(0, difference.step - 1) }

    /// What the model's latest run reached: each action completing or reverting, and, after
    /// each completed step, the state's shape: which state variables are zero, how many
    /// entries each map holds (0, 1, 2, many), and how each pair of numbers of one sort is
    /// ordered (a vault whose assets exceed its shares is then new).
    public func reachedOnLatestRun() -> [String] {
        guard let run = lastModelRun else { return [] }
        let observed = model.stateVars.filter { !Model.isGhost($0.name) && !Environment.blockFields.contains($0.name) }
        let numbers = observed.filter { $0.sort.isUint }
        var out: [String] = []
        for (st, r) in zip(lastSteps, run.steps) {
            out.append("\(st.action):\(r.ok ? "ok" : "revert")")
            guard r.ok else { continue }
            var shape = st.action
            for v in observed {
                let value = r.state[v.name]
                if case .map(let m) = value {
                    shape += ",\(v.name)#\(min(m.entries.count, 3))"
                } else {
                    shape += ",\(v.name)=\(value == Value.zero(v.sort) ? "0" : "x")"
                }
            }
            for (i, a) in numbers.enumerated() {
                for b in numbers[(i + 1)...] where b.sort == a.sort {
                    let x = r.state[a.name].asBits, y = r.state[b.name].asBits
                    shape += ",\(a.name)\(x < y ? "<" : x == y ? "=" : ">")\(b.name)"
                }
            }
            out.append(shape)
        }
        return out
    }

    /// Each number argument at 0 or 1, else as small as it can be; then each step's time as
    /// early as it can be (at its predecessor's, so that a timelock shows the one jump that
    /// matters).
    public func simplifications(of steps: [Step]) -> [Simplification<Step>] {
        var out: [Simplification<Step>] = []
        for i in steps.indices {
            for p in model.action(steps[i].action)?.params ?? [] where p.sort.isUint && Environment.names[p.name] == nil {
                out.append(.firstOf { steps in
                    guard case .bits(let n)? = steps[i].args[p.name], n > 1 else { return [] }
                    return [BigUInt(0), 1].map { small in var c = steps; c[i].args[p.name] = .bits(small); return c }
                })
                out.append(.smallest(read: { steps in steps[i].args[p.name]?.asBits }, write: { steps, n in
                    var c = steps
                    c[i].args[p.name] = .bits(n)
                    return c
                }))
            }
        }
        for i in steps.indices where steps[i].args[Environment.timestamp] != nil {
            out.append(.firstOf { [mapping] steps in
                guard case .bits(let t)? = steps[i].args[Environment.timestamp] else { return [] }
                let earlier = i == 0 ? mapping.deployTime : steps[i - 1].args[Environment.timestamp]?.asBits ?? mapping.deployTime
                guard t > earlier else { return [] }
                var c = steps
                for j in i..<steps.count {
                    if case .bits(let later)? = steps[j].args[Environment.timestamp] { c[j].args[Environment.timestamp] = .bits(later - (t - earlier)) }
                }
                return [c]
            })
        }
        return out
    }
}
