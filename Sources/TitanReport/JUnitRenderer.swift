import Foundation
import TitanVerification
import TitanProver

/// JUnit XML for CI dashboards: one testsuite per spec and model, one testcase per property
/// (classname "spec:Model"). A violated property is a <failure> carrying the replayed trace, an
/// internal error an <error>. An unknown property is a <failure type="unknown">, never skipped:
/// dashboards count skipped tests as not failing, and unknown is not a pass.
public struct JUnitRenderer: Sendable {
    public init() {}

    public func render(_ report: Report) -> String {
        let e = { (s: String) in s.markupEscaped }
        var suites: [(name: String, results: [PropertyResult])] = []
        for r in report.results {
            let name = "\(r.spec):\(r.model)"
            if suites.last?.name == name { suites[suites.count - 1].results.append(r) } else { suites.append((name, [r])) }
        }
        func failures(_ rs: [PropertyResult]) -> Int { rs.filter { $0.failsAsRefutation || $0.status == .unknown }.count }
        func errors(_ rs: [PropertyResult]) -> Int { rs.filter { $0.status == .error }.count }
        func time(_ rs: [PropertyResult]) -> String { String(format: "%.3f", rs.reduce(0) { $0 + $1.seconds }) }

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"titan verify\" tests=\"\(report.results.count)\" failures=\"\(failures(report.results))\""
            + " errors=\"\(errors(report.results))\" skipped=\"0\" time=\"\(time(report.results))\">\n"
        for suite in suites {
            out += "  <testsuite name=\"\(e(suite.name))\" tests=\"\(suite.results.count)\" failures=\"\(failures(suite.results))\""
                + " errors=\"\(errors(suite.results))\" skipped=\"0\" time=\"\(time(suite.results))\">\n"
            out += "    <properties><property name=\"solver\" value=\"\(e(report.solver))\"/>"
                + "<property name=\"depth\" value=\"\(report.options.depth)\"/></properties>\n"
            for r in suite.results {
                let open = "    <testcase name=\"\(e(r.property))\" classname=\"\(e(suite.name))\" time=\"\(String(format: "%.3f", r.seconds))\""
                    + " file=\"\(e(r.spec))\" line=\"\(r.line)\""
                let summary = "\(r.status.rawValue): \(r.model).\(r.property) (\(r.method))" + (r.reason.map { ": \($0)" } ?? "")
                if r.expectViolated == true, r.status == .violated {
                    out += open + ">\n      <system-out>marked expect violated, and refuted as expected</system-out>\n    </testcase>\n"
                    continue
                }
                if r.expectViolated == true, r.status == .proved {
                    out += open + ">\n      <failure type=\"expected-violation\" message=\"\(e(summary)): marked expect violated, but proved\">\(e(r.source))</failure>\n    </testcase>\n"
                    continue
                }
                switch r.status {
                case .proved:
                    out += open + "/>\n"
                case .violated:
                    let trace = r.counterexample.map { TextRenderer(color: false).renderTrace($0, r) } ?? ""
                    out += open + ">\n      <failure type=\"violated\" message=\"\(e(summary).replacingOccurrences(of: "\n", with: "&#10;"))\">\(e(r.source))\n\(e(trace))"
                        + "replay: \(e(HTMLRenderer().replayCommand(r)))\n</failure>\n    </testcase>\n"
                case .unknown, .vacuous:
                    let cti = r.counterexampleToInduction.map { TextRenderer(color: false).renderCTI($0) } ?? ""
                    out += open + ">\n      <failure type=\"\(r.status.rawValue)\" message=\"\(e(summary).replacingOccurrences(of: "\n", with: "&#10;"))\">\(e(r.source))\n\(e(r.reason ?? ""))\n\(e(cti))</failure>\n    </testcase>\n"
                case .error:
                    out += open + ">\n      <error type=\"error\" message=\"\(e(summary).replacingOccurrences(of: "\n", with: "&#10;"))\">\(e(r.source))\n\(e(r.reason ?? ""))\n</error>\n    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }
}
