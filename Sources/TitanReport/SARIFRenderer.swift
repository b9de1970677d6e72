import Foundation
import TitanVerification
import TitanProver

/// SARIF 2.1.0 for code hosts: one result per property that is not proved, located at the
/// property's line and column in its spec file so the host annotates that line. One rule per
/// property kind (invariant, rule); level "error" for violated and internal errors, "warning" for
/// unknown. Validated against `Reports/schema/sarif-schema-2.1.0.json` in the tests.
public struct SARIFRenderer: Sendable {
    public init() {}

    struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }
    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
        var columnKind = "unicodeCodePoints"
        var properties: [String: String]
    }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name: String
        var version: String
        var rules: [Rule]
    }
    struct Text: Encodable { var text: String }
    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Text
        var fullDescription: Text
        var defaultConfiguration: Configuration
    }
    struct Configuration: Encodable { var level: String }
    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Text
        var locations: [Location]
        var partialFingerprints: [String: String]
        var properties: [String: String]
    }
    struct Location: Encodable { var physicalLocation: PhysicalLocation }
    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }
    struct ArtifactLocation: Encodable {
        var uri: String
        var uriBaseId: String?
    }
    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
        var snippet: Text
    }

    static let rules = [
        Rule(id: "titan/invariant", name: "InvariantDoesNotHold",
             shortDescription: Text(text: "An invariant of a model is violated or could not be proved."),
             fullDescription: Text(text: "titan verify could not prove that the invariant holds in every reachable state: "
                                   + "it found a replayed counterexample (error), the solver could not decide (warning), or the tool failed (error)."),
             defaultConfiguration: Configuration(level: "error")),
        Rule(id: "titan/rule", name: "RuleDoesNotHold",
             shortDescription: Text(text: "A rule about an action is violated or could not be proved."),
             fullDescription: Text(text: "titan verify could not prove that the rule holds for every execution of its action from a state "
                                   + "satisfying the proved invariants: it found a replayed counterexample (error), the solver could not decide (warning), "
                                   + "or the tool failed (error)."),
             defaultConfiguration: Configuration(level: "error")),
    ]

    public func render(_ report: Report) throws -> Data {
        // What fails the gate or is undecided; a deliberate bug refuted as expected is not a finding.
        let results = report.results.filter { $0.failsAsRefutation || $0.status == .unknown || $0.status == .error }.map(result)
        let log = Log(runs: [Run(
            tool: Tool(driver: Driver(name: report.tool, version: report.toolVersion, rules: Self.rules)),
            results: results,
            properties: ["solver": report.solver, "depth": String(report.options.depth),
                         "timeoutSeconds": String(format: "%g", report.options.timeoutSeconds)])])
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(log)
    }

    func result(_ r: PropertyResult) -> Result {
        let ruleIndex = r.kind == "rule" ? 1 : 0
        let level = r.status == .unknown ? "warning" : "error"
        var text = "\(r.model).\(r.property) is \(r.status.rawValue) (\(r.method))"
        if let why = r.reason { text += ": \(why)" }
        if let cex = r.counterexample {
            let steps = cex.steps.map { st in "\(st.action)(\(st.args.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")))" }
            text += ". Counterexample, replayed by the interpreter: " + (steps.isEmpty ? "the initial state" : steps.joined(separator: " ; "))
        }
        if let cti = r.counterexampleToInduction {
            let render = { (vs: [NamedValue]) in vs.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") }
            text += ". Counterexample to induction (\(cti.label)): from the state \(render(cti.preState)), "
                + "\(cti.action)(\(render(cti.args))) breaks \(cti.invariant)"
                + (cti.invariantParams.isEmpty ? "" : " for \(render(cti.invariantParams))")
                + (cti.changes.isEmpty ? "" : "; it changes " + cti.changes.map { "\($0.variable): \($0.before) -> \($0.after)" }.joined(separator: ", "))
        }
        text += ". Replay: \(HTMLRenderer().replayCommand(r))"
        return Result(ruleId: Self.rules[ruleIndex].id, ruleIndex: ruleIndex, level: level, message: Text(text: text),
                      locations: [Location(physicalLocation: PhysicalLocation(
                          artifactLocation: artifactLocation(r.spec),
                          region: Region(startLine: max(1, r.line), startColumn: max(1, r.column), snippet: Text(text: r.source))))],
                      partialFingerprints: ["titanProperty/v1": "\(r.model).\(r.property)"],
                      properties: ["status": r.status.rawValue, "model": r.model, "property": r.property, "method": r.method])
    }

    /// Relative spec paths are relative to the checkout (%SRCROOT%); absolute ones become file URIs.
    func artifactLocation(_ path: String) -> ArtifactLocation {
        if path.hasPrefix("/") { return ArtifactLocation(uri: URL(fileURLWithPath: path).absoluteString, uriBaseId: nil) }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return ArtifactLocation(uri: trimmed.addingPercentEncoding(withAllowedCharacters: allowed) ?? trimmed, uriBaseId: "%SRCROOT%")
    }
}
