import Foundation
import TitanVerification
import TitanProver

/// The human-readable report: one line per property, a step table under each counterexample.
public struct TextRenderer {
    public var color: Bool
    public init(color: Bool) { self.color = color }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func label(_ status: Status) -> String {
        switch status {
        case .proved: return paint("PROVED  ", "32")
        case .violated: return paint("VIOLATED", "31;1")
        case .unknown: return paint("UNKNOWN ", "33")
        case .error: return paint("ERROR   ", "35;1")
        case .vacuous: return paint("VACUOUS ", "31")
        }
    }

    public func render(_ report: Report) -> String {
        var out = ""
        var lastHeader = ""
        let width = max(12, report.results.map(\.property.count).max() ?? 0)
        for r in report.results {
            let header = "\(r.spec)  model \(r.model)"
            if header != lastHeader {
                out += (out.isEmpty ? "" : "\n") + header + "\n"
                lastHeader = header
            }
            let name = r.property.padding(toLength: width, withPad: " ", startingAt: 0)
            out += "  \(label(r.status))  \(name)  \(r.kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.method)  (\(String(format: "%.2f", r.seconds))s)\n"
            if let why = r.reason { out += "      reason: \(why)\n" }
            if r.expectViolated == true {
                out += r.status == .violated ? "      expected: marked expect violated, and refuted (passes the gate)\n"
                    : "      marked expect violated, but \(r.status.rawValue)\(r.failsAsRefutation ? " (fails the gate)" : "")\n"
            }
            if let c = r.crossCheck, c.outcome != .agreed {
                out += "      cross-check \(c.outcome.rawValue) (\(c.solver))" + (c.detail.map { ": \($0)" } ?? "") + "\n"
            }
            if let cex = r.counterexample { out += renderTrace(cex, r) }
            if let cti = r.counterexampleToInduction { out += renderCTI(cti) }
            if let helpers = r.suggestedHelpers {
                out += "      suggested helpers (with these invariants added, it is proved):\n" + helpers.map { "        \($0)\n" }.joined()
            }
        }
        let s = report.summary
        out += "\nSummary: \(s.proved) proved, \(s.violated) violated, \(s.unknown) unknown"
            + (s.vacuous > 0 ? ", \(s.vacuous) vacuous" : "")
            + (s.error > 0 ? ", \(s.error) errors" : "") + " (\(s.total) properties, \(report.specs.count) spec files)\n"
        let checks = report.results.compactMap(\.crossCheck)
        if let solver = checks.first?.solver {
            let n = { (o: CrossCheck.Outcome) in checks.filter { $0.outcome == o }.count }
            out += "Cross-check with \(solver): \(n(.agreed)) agreed, \(n(.disagreed)) disagreed, \(n(.unconfirmed)) unconfirmed\n"
        }
        if let t = report.timing { out += TextRenderer.timeLine(t) + "\n" }
        return out
    }

    /// "Time: 2.40 s wall: parsing 0.02 s, induction 1.10 s, ..., other 0.05 s".
    static func timeLine(_ t: Report.Timing) -> String {
        func f(_ x: Double) -> String { String(format: x < 10 ? "%.2f s" : "%.1f s", x) }
        var parts = t.phases.filter { $0.seconds >= 0.005 }.map { "\($0.name) \(f($0.seconds))" }
        if t.unaccounted >= 0.005 { parts.append("other \(f(t.unaccounted))") }
        return "Time: \(f(t.wallSeconds)) wall" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    func renderCTI(_ cti: CounterexampleToInduction) -> String {
        var out = "      counterexample to induction (\(cti.label) from the initial state):\n"
        out += "        pre-state, satisfying \(cti.assumed.isEmpty ? "no other invariant" : cti.assumed.joined(separator: ", ")): "
            + cti.preState.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") + "\n"
        out += "        \(cti.action)(\(cti.args.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")))\n"
        for c in cti.changes { out += "             \(c.variable): \(c.before) -> \(c.after)\n" }
        if cti.changes.isEmpty { out += "             (no state change)\n" }
        let params = cti.invariantParams.isEmpty ? "" : " for " + cti.invariantParams.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
        out += "             \(cti.invariant)\(params): breaks\n"
        return out
    }

    func renderTrace(_ cex: Counterexample, _ r: PropertyResult) -> String {
        var out = "      counterexample (replayed by the interpreter):\n"
        if !cex.ruleParams.isEmpty {
            out += "        parameters: " + cex.ruleParams.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") + "\n"
        }
        if r.kind == "lemma" { return out }
        out += "        initial state: " + cex.initialState.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") + "\n"
        if !cex.holdsInitially { out += "        \(r.property) is false in the initial state\n" }
        for (i, st) in cex.steps.enumerated() {
            let args = st.args.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
            out += "        \(i + 1). \(st.action)(\(args))"
            if let r = st.returned { out += " returns \(r)" }
            if i == cex.steps.count - 1, let rev = cex.lastReverted, rev { out += "  [reverted]" }
            out += "\n"
            for c in st.changes { out += "             \(c.variable): \(c.before) -> \(c.after)\n" }
            if st.changes.isEmpty { out += "             (no state change)\n" }
            out += "             \(r.property): \(st.propertyHolds ? "holds" : paint("VIOLATED", "31;1"))\n"
        }
        return out
    }
}
