import Foundation
import TitanProver

/// A verification run: what was checked, with which tool, and every property's result.
/// Documented by `Reports/schema/report.schema.json`; fields are only ever added, never renamed.
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
    /// The latest `titan mutate` score of each model in this run that has one (optional).
    public var specStrength: [SpecStrength]?
    /// Where the run's wall time went (optional; a merge of shards has none).
    public var timing: Timing?

    public struct Timing: Codable, Sendable, Equatable {
        public var wallSeconds: Double
        /// Phases in run order; with several models, each phase is summed over them.
        public var phases: [PhaseTimes.Phase]
        public init(wallSeconds: Double, phases: PhaseTimes) { self.wallSeconds = wallSeconds; self.phases = phases.phases }

        /// Wall time no phase accounts for (process start, loading the cache, printing).
        public var unaccounted: Double { wallSeconds - phases.reduce(0) { $0 + $1.seconds } }
    }

    /// How much a model's proofs are worth: the share of planted bugs its properties caught.
    public struct SpecStrength: Codable, Sendable, Equatable {
        public var spec: String
        public var model: String
        /// Percent of non-equivalent mutants killed.
        public var score: Double
        public var killed: Int
        public var counted: Int
        /// When the mutation run finished (ISO 8601).
        public var date: String
        public init(spec: String, model: String, score: Double, killed: Int, counted: Int, date: String) {
            self.spec = spec; self.model = model; self.score = score; self.killed = killed; self.counted = counted; self.date = date
        }
    }

    public struct Options: Codable, Sendable, Equatable {
        public var depth: Int
        public var timeoutSeconds: Double
        public init(depth: Int, timeoutSeconds: Double) { self.depth = depth; self.timeoutSeconds = timeoutSeconds }
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var proved = 0, violated = 0, unknown = 0, error = 0
        /// Absent from reports of older versions, which had no such status.
        public var vacuous: Int = 0
        public var total: Int { proved + violated + unknown + error + vacuous }
        public init(_ results: [PropertyResult]) {
            for r in results {
                switch r.status {
                case .proved: proved += 1
                case .violated: violated += 1
                case .unknown: unknown += 1
                case .error: error += 1
                case .vacuous: vacuous += 1
                }
            }
        }

        enum CodingKeys: String, CodingKey { case proved, violated, unknown, error, vacuous }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            proved = try c.decode(Int.self, forKey: .proved)
            violated = try c.decode(Int.self, forKey: .violated)
            unknown = try c.decode(Int.self, forKey: .unknown)
            error = try c.decode(Int.self, forKey: .error)
            vacuous = try c.decodeIfPresent(Int.self, forKey: .vacuous) ?? 0
        }
    }

    /// Results are put in one deterministic order (spec path, model, then source position), so a
    /// run and the merge of its shards give the same report.
    public init(toolVersion: String, solver: String = Prover.solverName, options: Options, specs: [String],
                results: [PropertyResult]) {
        self.tool = "titan"
        self.toolVersion = toolVersion
        self.solver = solver
        self.options = options
        self.specs = Array(Set(specs)).sorted()
        self.results = Report.ordered(results)
        self.summary = Summary(results)
    }

    public static func ordered(_ results: [PropertyResult]) -> [PropertyResult] {
        results.sorted { a, b in
            if a.spec != b.spec { return a.spec < b.spec }
            if a.model != b.model { return a.model < b.model }
            if a.line != b.line { return a.line < b.line }
            if a.column != b.column { return a.column < b.column }
            return a.property < b.property
        }
    }

    /// The process exit status CI relies on: 0 all proved, 1 something violated or vacuous,
    /// 3 something unknown and nothing violated, 4 an internal error and nothing violated,
    /// 5 the cross-check solver disagreed with Z3 and nothing violated.
    /// With `allowUnknown`, unknowns (and unconfirmed cross-checks) do not fail the run.
    public func exitCode(allowUnknown: Bool = false) -> Int32 {
        if results.contains(where: \.failsAsRefutation) { return 1 }
        if results.contains(where: { $0.crossCheck?.outcome == .disagreed }) { return 5 }
        if summary.error > 0 { return 4 }
        let unconfirmed = results.contains { $0.crossCheck?.outcome == .unconfirmed }
        if (summary.unknown > 0 || unconfirmed) && !allowUnknown { return 3 }
        return 0
    }

    public var exitCode: Int32 { exitCode() }

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(self)
    }
}
