import Foundation
import TitanIR
import TitanInterp

/// Replays saved traces on the implementation: conformance corpus files (the divergence must
/// still be there, or stay fixed), and the counterexamples of a `titan verify` report.json,
/// each of which is either reproduced on the implementation (the code has the bug the spec
/// shows) or differs from it at some step (the spec and the code disagree there).
public struct ConformReplay {
    public let conformance: Conformance
    public init(conformance: Conformance) { self.conformance = conformance }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    public struct Outcome: Codable, Sendable {
        public var source: String
        /// The property (a report's counterexample) or the corpus file's finding.
        public var label: String
        /// reproduced, differs, diverges, agrees.
        public var status: String
        public var divergence: Divergence?
        public var failed: Bool
    }

    public func replay(paths: [String]) throws -> [Outcome] {
        var out: [Outcome] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read \(path)") }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Failure("\(path): not a JSON object (a conformance corpus file or a titan verify report.json)")
            }
            if object["results"] != nil { out += try replayReport(object, path: path) } else { out.append(try replayCorpus(data, path: path)) }
        }
        return out
    }

    func replayCorpus(_ data: Data, path: String) throws -> Outcome {
        guard let file = try? JSONDecoder().decode(ConformCorpus.File.self, from: data) else {
            throw Failure("\(path): not a conformance corpus file (titan_conform, model, expect, steps)")
        }
        let model = conformance.model
        guard file.model == model.name else { throw Failure("\(path) is for model \(file.model), not \(model.name)") }
        let steps = try file.steps.enumerated().map { i, s in
            switch s.step(in: model) {
            case .success(let st): return st
            case .failure(let f): throw Failure("\(path): step \(i + 1): \(f.description)")
            }
        }
        let d = try conformance.firstDivergence(steps)
        let diverges = d != nil && conformance.known(d!, steps) == nil
        let expectDivergence = file.expect == "divergence"
        return Outcome(source: path, label: file.found, status: diverges ? "diverges" : "agrees", divergence: d,
                       failed: diverges != expectDivergence)
    }

    /// Every counterexample of this model in a report: run on both, from its own deployment.
    func replayReport(_ report: [String: Any], path: String) throws -> [Outcome] {
        let model = conformance.model
        var out: [Outcome] = []
        for case let r as [String: Any] in report["results"] as? [Any] ?? [] {
            guard r["model"] as? String == model.name, let cex = r["counterexample"] as? [String: Any],
                  let rawSteps = cex["steps"] as? [[String: Any]] else { continue }
            let property = r["property"] as? String ?? "?"
            var steps: [Step] = []
            for (i, s) in rawSteps.enumerated() {
                let args = Dictionary((s["args"] as? [[String: Any]] ?? []).compactMap { a -> (String, String)? in
                    guard let n = a["name"] as? String, let v = a["value"] as? String else { return nil }
                    return (n, v)
                }, uniquingKeysWith: { a, _ in a })
                let corpus = CorpusStep(action: s["action"] as? String ?? "", args: args)
                switch corpus.step(in: model) {
                case .success(let st): steps.append(st)
                case .failure(let f): throw Failure("\(path): \(property), step \(i + 1): \(f.description)")
                }
            }
            var deploy: Step?
            if let first = steps.first, first.action == Action.constructorName { deploy = first; steps.removeFirst() }
            let d = try conformance.firstDivergence(steps, deploy: deploy)
            out.append(Outcome(source: path, label: property, status: d == nil ? "reproduced" : "differs", divergence: d, failed: d != nil))
        }
        if out.isEmpty { throw Failure("\(path) holds no counterexample of model \(model.name)") }
        return out
    }

    public static func text(_ outcomes: [Outcome], target: String) -> String {
        var lines = ["titan conform --replay against \(target)"]
        for o in outcomes {
            switch o.status {
            case "reproduced": lines.append("  \(o.label): reproduced on the implementation (every step agrees with the model's counterexample)")
            case "differs":
                let d = o.divergence!
                lines.append("  \(o.label): the implementation differs at " + (d.step == 0 ? "the deployment" : "step \(d.step)") + ", \(d.call): \(d.summary)")
            case "diverges":
                let d = o.divergence!
                lines.append("  \(o.source): diverges at " + (d.step == 0 ? "the deployment" : "step \(d.step)") + " (\(d.call)): \(d.summary)"
                             + (o.failed ? " (the file expects agreement)" : ""))
            default: lines.append("  \(o.source): agrees" + (o.failed ? " (the file expects a divergence: it is gone)" : ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ outcomes: [Outcome]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(["replays": outcomes])) ?? Data(), as: UTF8.self)
    }
}
