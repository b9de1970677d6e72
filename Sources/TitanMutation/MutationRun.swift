import Foundation
import TitanIR
import TitanInterp
import TitanProver

/// What verifying one mutant showed.
@dynamicMemberLookup
public struct MutantResult: Codable, Sendable, Hashable {
    public enum Outcome: String, Codable, Sendable {
        /// Some property was violated (or became vacuous): the specs catch this bug.
        case killed
        /// Every property still proved: the specs miss this bug.
        case survived
        /// Nothing violated, something unknown: neither caught nor shown harmless.
        case unknown
        /// The tool failed on the mutant.
        case error
        /// A survivor marked in the equivalent-mutants file: it cannot change behaviour.
        case equivalent
    }
    /// The mutant's edit, whose fields `mutation.json` writes beside the outcome's.
    public var edit: MutantEdit
    public var outcome: Outcome
    /// The property that killed it, and how.
    public var killedBy: String?
    public var method: String?
    /// Why it is equivalent (from the file), or what was unknown.
    public var reason: String?
    public var seconds: Double

    public init(edit: MutantEdit, outcome: Outcome, killedBy: String? = nil, method: String? = nil, reason: String? = nil, seconds: Double) {
        self.edit = edit; self.outcome = outcome; self.killedBy = killedBy; self.method = method; self.reason = reason; self.seconds = seconds
    }

    public subscript<T>(dynamicMember path: WritableKeyPath<MutantEdit, T>) -> T {
        get { edit[keyPath: path] }
        set { edit[keyPath: path] = newValue }
    }

    private enum CodingKeys: String, CodingKey { case outcome, killedBy, method, reason, seconds }

    // One flat object, as before the edit had a type of its own (mutation.schema.json).
    public init(from decoder: Decoder) throws {
        edit = try MutantEdit(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        outcome = try c.decode(Outcome.self, forKey: .outcome)
        killedBy = try c.decodeIfPresent(String.self, forKey: .killedBy)
        method = try c.decodeIfPresent(String.self, forKey: .method)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: Encoder) throws {
        try edit.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(outcome, forKey: .outcome)
        try c.encodeIfPresent(killedBy, forKey: .killedBy)
        try c.encodeIfPresent(method, forKey: .method)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encode(seconds, forKey: .seconds)
    }
}

/// The spec strength of one model: the share of its non-equivalent mutants that were killed.
public struct ModelScore: Codable, Sendable, Hashable {
    public var spec: String
    public var model: String
    public var mutants: Int
    public var killed: Int
    public var survived: Int
    public var unknown: Int
    public var error: Int
    public var equivalent: Int
    /// killed / (mutants - equivalent), in percent; 100 when every mutant is equivalent.
    public var score: Double
}

/// A `titan mutate` run: documented by `Reports/schema/mutation.schema.json`.
public struct MutationReport: Codable, Sendable {
    public static let schemaVersion = 1
    public var schemaVersion = MutationReport.schemaVersion
    public var tool: String
    public var toolVersion: String
    /// When the run finished, ISO 8601 (UTC).
    public var date: String
    public var specs: [String]
    public var models: [ModelScore]
    public var mutants: [MutantResult]

    public init(toolVersion: String, date: Date = Date(), specs: [String], mutants: [MutantResult]) {
        tool = "titan"
        self.toolVersion = toolVersion
        self.date = ISO8601DateFormatter().string(from: date)
        self.specs = specs
        self.mutants = mutants
        var order: [String] = []
        var groups: [String: [MutantResult]] = [:]
        for m in mutants {
            let key = "\(m.spec)\u{1F}\(m.model)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(m)
        }
        models = order.map { key in
            let ms = groups[key]!
            let n = { (o: MutantResult.Outcome) in ms.filter { $0.outcome == o }.count }
            let counted = ms.count - n(.equivalent)
            return ModelScore(spec: ms[0].spec, model: ms[0].model, mutants: ms.count, killed: n(.killed), survived: n(.survived),
                              unknown: n(.unknown), error: n(.error), equivalent: n(.equivalent),
                              score: counted == 0 ? 100 : (Double(n(.killed)) * 100 / Double(counted) * 10).rounded() / 10)
        }
    }

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(self)
    }
}

/// Survivors known not to change behaviour, with the reason, kept in a committed JSON file:
/// `[{"id": "Model:action:line:column:operator:replacement", "reason": "..."}]`.
public struct EquivalentMutants: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var id: String
        public var reason: String
        public init(id: String, reason: String) { self.id = id; self.reason = reason }
    }
    public var entries: [Entry]
    public init(entries: [Entry] = []) { self.entries = entries }

    public static func load(_ path: String) throws -> EquivalentMutants {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return EquivalentMutants(entries: try JSONDecoder().decode([Entry].self, from: data))
    }

    public func reason(for id: String) -> String? { entries.first { $0.id == id }?.reason }
}

/// Verifies mutants: first a short random simulation, which kills most of them with a replayed
/// trace in milliseconds; then the prover on what survives it.
public struct MutationRunner: Sendable {
    public var options: ProverOptions
    /// Seconds of simulation before proving.
    public var quickSeconds: Double
    public var equivalent: EquivalentMutants
    /// A mutant left unknown is verified once more with this deeper bound and longer simulation
    /// (nil: never). Only unknown mutants pay for it: bugs on long protocol paths (an emergency
    /// upgrade after four approvals and a time lock) need 6 to 8 actions to show.
    public var deepening: (depth: Int, simulationSeconds: Double)?
    /// Whether a mutant listed as equivalent is proved all the same. Its reason is the argument
    /// that it cannot change behaviour, and proving a survivor is the longest run a mutant
    /// has (every property proved, nothing stops it early), so by default it is not; proved,
    /// a listed mutant that some property kills is reported killed (the listing is wrong).
    public var proveEquivalent: Bool

    public init(options: ProverOptions, quickSeconds: Double = 0.2, equivalent: EquivalentMutants = EquivalentMutants(),
                deepening: (depth: Int, simulationSeconds: Double)? = nil, proveEquivalent: Bool = false) {
        self.options = options; self.quickSeconds = quickSeconds; self.equivalent = equivalent; self.deepening = deepening
        self.proveEquivalent = proveEquivalent
    }

    public func run(_ mutant: Mutant) -> MutantResult {
        let start = Date()
        func result(_ outcome: MutantResult.Outcome, by: String? = nil, method: String? = nil, reason: String? = nil) -> MutantResult {
            var outcome = outcome, reason = reason
            if outcome == .survived, let why = equivalent.reason(for: mutant.id) { outcome = .equivalent; reason = why }
            return MutantResult(edit: mutant.edit, outcome: outcome, killedBy: by, method: method, reason: reason,
                                seconds: Date().timeIntervalSince(start))
        }
        if !proveEquivalent, let why = equivalent.reason(for: mutant.id) {
            return result(.equivalent, method: "listed, not proved", reason: why)
        }
        if let (property, steps) = Prover.quickRefutation(mutant.mutated, seconds: quickSeconds) {
            let isScenario = mutant.mutated.scenarios.contains { $0.name == property }
            return result(.killed, by: property, method: isScenario ? "scenario" : "simulation (\(steps) steps)")
        }
        var opts = options
        opts.jobs = 1
        opts.stopAtFirstFailure = true
        // Short solver timeouts first: a violation is a replayed trace and a proof is a proof
        // whatever the timeout, and most mutants are killed by a query answered in a second or
        // two, where the queries that time out would spend the full timeout each. Only a mutant
        // nothing caught is proved again with the full timeout.
        var results: [PropertyResult] = []
        if opts.timeoutSeconds > Self.shortTimeout {
            var short = opts
            short.timeoutSeconds = Self.shortTimeout
            results = Self.verify(mutant, options: short)
        }
        if !results.contains(where: \.failsAsRefutation) { results = Self.verify(mutant, options: opts) }
        var deepened = ""
        if let deep = deepening, deep.depth > opts.depth || deep.simulationSeconds > opts.simulationSeconds,
           results.contains(where: { $0.status == .unknown }),
           !results.contains(where: { $0.failsAsRefutation || $0.status == .error }) {
            // A longer simulation first: it finds a bug on a long path in a few seconds, where a
            // deeper BMC of non-linear arithmetic spends its timeouts at every depth.
            if deep.simulationSeconds > quickSeconds,
               let (property, steps) = Prover.quickRefutation(mutant.mutated, seconds: deep.simulationSeconds, maxWalks: 50_000) {
                return result(.killed, by: property, method: "simulation (\(steps) steps, \(String(format: "%g", deep.simulationSeconds)) s, after unknown at depth \(opts.depth))")
            }
            opts.depth = max(opts.depth, deep.depth)
            opts.simulationSeconds = max(opts.simulationSeconds, deep.simulationSeconds)
            results = Self.verify(mutant, options: opts)
            deepened = " (deepened: depth \(opts.depth), \(String(format: "%g", opts.simulationSeconds)) s simulation)"
        }
        // Killed is what the gate would reject: a property violated or vacuous, or a deliberate
        // bug (`expect violated`) that the mutant made disappear. A deliberate bug refuted again
        // is what the spec expects of the original too, so it catches nothing.
        if let r = results.first(where: \.failsAsRefutation) {
            let how = r.status == .vacuous ? "vacuous" : r.expectViolated == true ? "proved, though expected violated" : r.method
            return result(.killed, by: r.property, method: how + deepened)
        }
        if let r = results.first(where: { $0.status == .error }) { return result(.error, by: nil, reason: r.reason) }
        if let r = results.first(where: { $0.status == .unknown }) {
            return result(.unknown, reason: "\(r.property): \(r.reason ?? "unknown")\(deepened)")
        }
        return result(.survived)
    }

    /// The solver timeout, in seconds, of the first proof of a mutant.
    static let shortTimeout = 2.0

    /// Proves a mutant, leaving the properties marked `expect violated` for last and for
    /// mutants nothing else caught. Each states a deliberate bug, often the most expensive
    /// search of its model (the staking example's over-commitment is a non-linear BMC of 10 to
    /// 60 s), and refuting it again kills nothing; any other property's violation is a
    /// replayed trace, so a kill without them is a kill with them. A deliberate bug that the
    /// model's scenarios still show (`Prover.expectedViolationsShownByScenarios`) is violated
    /// as expected without a proof.
    static func verify(_ mutant: Mutant, options: ProverOptions) -> [PropertyResult] {
        var unexpected = mutant.mutated
        unexpected.properties.removeAll { $0.expectViolated }
        guard unexpected.properties.count < mutant.mutated.properties.count else {
            return Prover(model: mutant.mutated, specPath: mutant.spec, options: options).verify()
        }
        let first = Prover(model: unexpected, specPath: mutant.spec, options: options).verify()
        if first.contains(where: \.failsAsRefutation) { return first }
        let shown = Prover.expectedViolationsShownByScenarios(mutant.mutated)
        var rest = mutant.mutated
        rest.properties.removeAll { $0.expectViolated && shown.contains($0.name) }
        if rest.properties.count == unexpected.properties.count { return first }
        return Prover(model: rest, specPath: mutant.spec, options: options).verify()
    }
}
