import Foundation
import TitanProver

/// Why runs cannot be merged; each message names the inputs involved.
public enum MergeError: Error, Sendable, Equatable, CustomStringConvertible {
    case noInputs
    case unreadable(input: String, reason: String)
    /// Runs made with different tools, solvers or options cannot form one report.
    case incompatibleRuns(field: String, first: String, firstInput: String, other: String, otherInput: String)
    case conflictingStatus(property: String, spec: String, first: String, firstInput: String, other: String, otherInput: String)

    public var description: String {
        switch self {
        case .noInputs:
            return "no reports to merge"
        case .unreadable(let input, let why):
            return "cannot read a report from \(input): \(why)"
        case .incompatibleRuns(let field, let a, let ia, let b, let ib):
            return "the runs differ in \(field): \(a) in \(ia), \(b) in \(ib); merge only runs of the same tool, solver and options"
        case .conflictingStatus(let p, let spec, let a, let ia, let b, let ib):
            return "conflicting results for \(p) (\(spec)): \(a) in \(ia), \(b) in \(ib)"
        }
    }
}

extension Report {
    /// Joins runs (for example shards of one job run on several machines) into one report, equal
    /// to what a single run over all their specs gives. A property (spec, model, name) present in
    /// several runs must have the same status in each; the first occurrence is kept.
    public static func merge(_ runs: [(input: String, report: Report)]) throws -> Report {
        guard let first = runs.first else { throw MergeError.noInputs }
        var byKey: [String: (input: String, result: PropertyResult)] = [:]
        var order: [String] = []
        for (input, report) in runs {
            let checks: [(String, String, String)] = [
                ("tool", first.report.tool, report.tool),
                ("tool version", first.report.toolVersion, report.toolVersion),
                ("solver", first.report.solver, report.solver),
                ("options (depth)", String(first.report.options.depth), String(report.options.depth)),
                ("options (timeout)", String(first.report.options.timeoutSeconds), String(report.options.timeoutSeconds)),
                ("report schema version", String(first.report.schemaVersion), String(report.schemaVersion)),
            ]
            for (field, a, b) in checks where a != b {
                throw MergeError.incompatibleRuns(field: field, first: a, firstInput: first.input, other: b, otherInput: input)
            }
            for r in report.results {
                if let seen = byKey[r.key] {
                    guard seen.result.status == r.status else {
                        throw MergeError.conflictingStatus(property: "\(r.model).\(r.property)", spec: r.spec,
                                                           first: seen.result.status.rawValue, firstInput: seen.input,
                                                           other: r.status.rawValue, otherInput: input)
                    }
                    continue
                }
                byKey[r.key] = (input, r)
                order.append(r.key)
            }
        }
        return Report(toolVersion: first.report.toolVersion, solver: first.report.solver, options: first.report.options,
                      specs: runs.flatMap(\.report.specs), results: order.map { byKey[$0]!.result })
    }

    /// Reads a run given as a report.json file or a report directory holding one.
    public static func read(run input: String) throws -> Report {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
            throw MergeError.unreadable(input: input, reason: "no such file or directory")
        }
        let url = isDir.boolValue ? URL(fileURLWithPath: input).appendingPathComponent("report.json") : URL(fileURLWithPath: input)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MergeError.unreadable(input: input, reason: isDir.boolValue ? "the directory holds no readable report.json" : "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(Report.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw MergeError.unreadable(input: input, reason: "not a titan report: missing \(Self.path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw MergeError.unreadable(input: input, reason: "not a titan report: wrong type at \(Self.path(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw MergeError.unreadable(input: input, reason: "not a titan report: null at \(Self.path(context.codingPath))")
        } catch let DecodingError.dataCorrupted(context) {
            let at = context.codingPath.isEmpty ? "" : " at \(Self.path(context.codingPath))"
            throw MergeError.unreadable(input: input, reason: "not valid JSON or not a titan report\(at)")
        } catch {
            throw MergeError.unreadable(input: input, reason: "\(error)")
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
