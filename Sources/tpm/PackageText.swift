import Foundation
import TitanProver
import TitanRegistry

/// How `tpm` shows a version to a person.
enum PackageText {
    static func describe(_ v: PackageVersionInfo) -> String {
        var out = "\(v.name)@\(v.version): \(v.status == .verified ? "VERIFIED" : "UNVERIFIED")\(v.yanked ? " (yanked)" : "")"
        if let p = v.price { out += ", listed at \(p) minor units" }
        out += "\n  digest \(v.digest)\n  publisher \(v.publisherKey)\n  re-checked with \(v.checkedWith) at \(v.publishedAt)"
        for r in v.reasons { out += "\n  not verified: \(r)" }
        for d in v.verdicts {
            out += "\n  \(d.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(d.name)\(d.claimed ? "" : " (not claimed)") [\(d.method)]"
            if let why = d.reason { out += ": \(why)" }
            if let cex = d.counterexample { out += "\n" + counterexample(cex) }
        }
        return out
    }

    static func counterexample(_ c: Counterexample) -> String {
        var lines = ["      counterexample (replayed by the interpreter):"]
        if !c.ruleParams.isEmpty { lines.append("        params " + c.ruleParams.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")) }
        for (i, s) in c.steps.enumerated() {
            lines.append("        \(i + 1). \(s.action)(" + s.args.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + ")"
                         + (s.changes.isEmpty ? "" : "  " + s.changes.map { "\($0.variable): \($0.before) -> \($0.after)" }.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n")
    }
}
