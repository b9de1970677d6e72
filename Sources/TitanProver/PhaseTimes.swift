/// Where a run's wall time went, phase by phase: what the summary and `report.json` show, so
/// that no time goes unseen (the queries' own seconds leave out building them, simulation,
/// replay and shrinking).
public struct PhaseTimes: Codable, Sendable, Equatable {
    public struct Phase: Codable, Sendable, Equatable {
        public var name: String
        public var seconds: Double
    }

    /// In the order a run goes through them.
    public static let order = ["parsing", "lemmas", "induction", "bmc", "simulation", "k-induction", "rules", "scenarios",
                               "vacuity", "proving", "pdr", "suggestions", "reports"]

    public private(set) var phases: [Phase] = []

    public init() {}

    /// Adds to a phase; a negative figure moves time out of it (into another, added too).
    public mutating func add(_ name: String, _ seconds: Double) {
        guard seconds != 0 else { return }
        if let i = phases.firstIndex(where: { $0.name == name }) {
            phases[i].seconds += seconds
        } else {
            phases.append(Phase(name: name, seconds: seconds))
            let rank = { (p: Phase) in PhaseTimes.order.firstIndex(of: p.name) ?? PhaseTimes.order.count }
            phases.sort { rank($0) < rank($1) }
        }
    }

    public mutating func add(_ other: PhaseTimes) {
        for p in other.phases { add(p.name, p.seconds) }
    }

    /// Runs `body`, adding its wall time to phase `name`.
    public mutating func measure<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer { add(name, (ContinuousClock.now - start).seconds) }
        return try body()
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
