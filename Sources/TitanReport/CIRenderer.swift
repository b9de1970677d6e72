import Foundation
import TitanVerification
import TitanProver

/// The concise output of `titan verify --ci`: the counts, then one line per property that did not
/// pass, `file:line: status: Model.property (method)`, the format CI logs and editors link to.
public struct CIRenderer: Sendable {
    public var allowUnknown: Bool
    public init(allowUnknown: Bool) { self.allowUnknown = allowUnknown }

    /// `exitCode` overrides the report's own, when something outside the results failed (e.g. writing).
    public func render(_ report: Report, exitCode: Int32? = nil) -> String {
        let s = report.summary
        var out = "titan verify: \(s.total) properties in \(report.specs.count) spec file\(report.specs.count == 1 ? "" : "s"): "
            + "\(s.proved) proved, \(s.violated) violated, \(s.unknown) unknown, \(s.error) error\(s.error == 1 ? "" : "s")"
            + (s.vacuous > 0 ? ", \(s.vacuous) vacuous" : "") + "\n"
        for r in report.results where r.status != .proved || r.expectViolated == true {
            // A deliberate bug refuted as expected passes; one proved is a failure.
            if r.expectViolated == true, r.status == .violated { continue }
            if r.expectViolated == true, r.status == .proved {
                out += "\(r.spec):\(r.line): proved, but marked expect violated: \(r.model).\(r.property) (\(r.method))\n"
                continue
            }
            var line = "\(r.spec):\(r.line): \(r.status.rawValue): \(r.model).\(r.property) (\(r.method))"
            if r.status == .unknown && allowUnknown { line += " [allowed by --allow-unknown]" }
            if r.status != .violated, let why = r.reason { line += ": \(why)" }
            out += line + "\n"
        }
        for r in report.results {
            guard let c = r.crossCheck, c.outcome != .agreed else { continue }
            out += "\(r.spec):\(r.line): cross-check \(c.outcome.rawValue): \(r.model).\(r.property) (\(c.solver))"
                + (c.detail.map { ": \($0)" } ?? "") + "\n"
        }
        let code = exitCode ?? report.exitCode(allowUnknown: allowUnknown)
        out += "exit \(code): \(Self.meaning(code))\n"
        return out
    }

    public static func meaning(_ code: Int32) -> String {
        switch code {
        case 0: return "pass"
        case 1: return "a property is violated or vacuous"
        case 2: return "could not write the report or the proof certificates"
        case 3: return "a property is unknown (use --allow-unknown to accept unknowns)"
        case 4: return "an internal error"
        case 5: return "the cross-check solver disagreed with z3"
        default: return "failure"
        }
    }
}
