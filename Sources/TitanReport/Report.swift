import Foundation
import TitanProver

/// A verification run: what was checked, with which tool, and every property's result.
public struct Report: Codable, Sendable {
    public static let schemaVersion = 1
    public var schemaVersion: Int = Report.schemaVersion
    public var tool: String
    public var toolVersion: String
    public var solver: String
    public var options: Options
    public var specs: [String]
    public var results: [PropertyResult]
    public var summary: Summary

    public struct Options: Codable, Sendable {
        public var depth: Int
        public var timeoutSeconds: Double
        public init(depth: Int, timeoutSeconds: Double) { self.depth = depth; self.timeoutSeconds = timeoutSeconds }
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var proved = 0, violated = 0, unknown = 0, error = 0
        public var total: Int { proved + violated + unknown + error }
        public init(_ results: [PropertyResult]) {
            for r in results {
                switch r.status {
                case .proved: proved += 1
                case .violated: violated += 1
                case .unknown: unknown += 1
                case .error: error += 1
                }
            }
        }
    }

    public init(toolVersion: String, options: Options, specs: [String], results: [PropertyResult]) {
        self.tool = "titan"
        self.toolVersion = toolVersion
        self.solver = Prover.solverName
        self.options = options
        self.specs = specs
        self.results = results
        self.summary = Summary(results)
    }

    /// The process exit status CI relies on: 0 all proved, 1 something violated,
    /// 3 something unknown and nothing violated, 4 an internal error and nothing violated.
    public var exitCode: Int32 {
        if summary.violated > 0 { return 1 }
        if summary.error > 0 { return 4 }
        if summary.unknown > 0 { return 3 }
        return 0
    }

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(self)
    }

    /// Writes the report into `directory` (report.json, summary.txt), each file atomically.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try json().write(to: URL(fileURLWithPath: directory).appendingPathComponent("report.json"), options: .atomic)
        try TextRenderer(color: false).render(self).write(
            to: URL(fileURLWithPath: directory).appendingPathComponent("summary.txt"), atomically: true, encoding: .utf8)
    }
}
