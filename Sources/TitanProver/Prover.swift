import BigInt
import Crypto
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

public struct ProverOptions: Sendable {
    /// Bounded model checking explores traces of up to this many actions.
    public var depth: Int
    /// Per-query solver timeout.
    public var timeoutSeconds: Double
    /// When set, every query is written there as a standalone SMT-LIB2 file.
    public var emitDirectory: String?
    /// How many queries solve at once, each in its own Z3 context.
    public var jobs: Int
    /// Checking proof certificates: query name to the SHA-256 of its text, for queries a certificate
    /// records as unsat. When set, the solver is never called: a query whose name and hash match is
    /// answered unsat from the certificate, any other query unknown ("not certified").
    public var certifiedQueries: [String: String]?
    /// Where solver answers are kept between runs; nil to always solve.
    public var cache: ProofCache?
    /// Time box of the random simulation that searches for violations deeper than `depth`, per
    /// model (see `Prover.simulationLeft`); 0 turns it off.
    public var simulationSeconds: Double
    /// The largest k tried by k-induction on invariants that are true within `depth` but not
    /// inductive; 1 turns it off.
    public var maxInductionDepth: Int
    /// Told, as they happen, what a long run is doing: each property settled, with its method
    /// and time, and each phase begun. Called from several threads.
    public var progress: (@Sendable (String) -> Void)?
    /// Stop at the first property that fails the gate, leaving the rest unknown ("not
    /// checked"), and try the rules before the invariants' bounded search: a mutation run only
    /// asks whether something fails, and a rule's violation is often found in seconds where the
    /// bounded search of a non-inductive invariant spends its timeouts.
    public var stopAtFirstFailure = false
    /// Bounded model checking solves each depth on the one solver the unrolling is built in,
    /// under an assumption (incremental), rather than with a fresh solver over the same text.
    /// Both answer the same queries; which is faster depends on the model (Reports/bench/bmc.md).
    public var incrementalBMC = false
    public init(depth: Int = 4, timeoutSeconds: Double = 30, emitDirectory: String? = nil,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, certifiedQueries: [String: String]? = nil,
                cache: ProofCache? = nil, simulationSeconds: Double = 5, maxInductionDepth: Int = 3) {
        self.cache = cache
        self.simulationSeconds = simulationSeconds
        self.maxInductionDepth = max(1, maxInductionDepth)
        self.depth = depth; self.timeoutSeconds = timeoutSeconds; self.emitDirectory = emitDirectory
        self.jobs = max(1, jobs)
        self.certifiedQueries = certifiedQueries
    }
}

/// Hex SHA-256 of a text's UTF-8 bytes: how certificates name specs and queries.
public func sha256Hex(_ text: String) -> String { sha256Hex(Data(text.utf8)) }

public func sha256Hex(_ data: Data) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in SHA256.hash(data: data) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Discharges a model's properties: invariants by induction, then bounded model checking from the
/// initial state; rules from any state satisfying the proved invariants. Every counterexample is
/// replayed by the interpreter before it is reported.
public final class Prover {
    public let model: Model
    public let specPath: String
    public let options: ProverOptions
    let interpreter: Interpreter
    /// Whether undecided queries are retried over bit-vectors (see `Query.admitsBitVectors`).
    let admitsBitVectors: Bool
    public static var solverName: String { "z3 \(Z3Context.version)" }

    /// What stands for the model's IR in proof-cache references; nil without a cache.
    let modelFingerprint: String?

    /// `source`, when given, identifies the model exactly in proof-cache references instead of
    /// its printed IR (which takes longer to print than a warm run takes to answer): the caller
    /// vouches for it, as `Prover.source(of:in:)` does for a model exactly as parsed from its file.
    public init(model: Model, specPath: String, options: ProverOptions = ProverOptions(), source: String? = nil) {
        self.model = model
        self.specPath = specPath
        self.options = options
        self.interpreter = Interpreter(model: model)
        self.admitsBitVectors = Query.admitsBitVectors(model)
        self.modelFingerprint = options.cache == nil || options.certifiedQueries != nil ? nil
            : source.map { "source:" + $0 } ?? "ir:" + ProofCache.fingerprint(of: model)
    }

    /// A model as parsed from a spec file is a function of the file's bytes, its path (in
    /// locations) and the parser, which the build identity in every key covers.
    public static func source(of model: Model, in spec: SpecFile) -> String {
        "\(spec.contentHash) \(spec.path.utf8.count):\(spec.path) model \(model.name)"
    }


    /// A failure the gate would reject that is found without the solver: a scenario that no
    /// longer runs as written, or a violation of some invariant or rule that random simulation
    /// finds within `seconds` (replayed by construction); the property and the length of its
    /// trace. For sorting out the many models that are wrong in an obvious way (mutants) before
    /// proving anything. Properties marked `expect violated` are skipped: their violation is
    /// what the spec expects, so finding it again says nothing.
    public static func quickRefutation(_ model: Model, seconds: Double, maxWalks: Int = 2_000) -> (property: String, steps: Int)? {
        let prover = Prover(model: model, specPath: "", options: ProverOptions(jobs: 1))
        for scenario in model.scenarios {
            let r = ScenarioRun(prover: prover).run(scenario)
            if r.status != .proved { return (scenario.name, r.counterexample?.steps.count ?? 0) }
        }
        let interpreter = prover.interpreter
        let initial = interpreter.initialState()
        // With a constructor the initial state is a deployment's: the search below checks those.
        for inv in model.invariants where model.constructor == nil && !inv.expectViolated && inv.params.isEmpty && !interpreter.holds(inv, in: initial) {
            return (inv.name, 0)
        }
        var search = SimulationSearch(model: model, interpreter: interpreter, seconds: seconds, maxWalks: maxWalks, walkLength: 32)
        search.prefixes = scenarioPrefixes(model, interpreter)
        search.hints = scenarioArguments(model, interpreter)
        let found = search.search(SimulationSearch.targets(model).filter { !$0.property.expectViolated }, stopAtFirst: true)
        guard let p = model.properties.first(where: { found[$0.name] != nil }) else { return nil }
        return (p.name, found[p.name]!.steps.count)
    }

    // MARK: Entry point

    func parallelMap<T>(_ count: Int, _ body: @escaping (Int) -> T) -> [T] {
        TitanProver.parallelMap(count, jobs: options.jobs, body)
    }

    /// Property names as a proof-cache key input: in order, one string.
    static func names(_ properties: [Property]) -> String { properties.map(\.name).joined(separator: ",") }

    /// Seconds the invariants' simulation took (see `simulationLeft`).
    var simulationSpent = 0.0

    /// Where `verify()` spent its wall time, phase by phase.
    public internal(set) var phases = PhaseTimes()

    /// Proved lemmas by name: what `using` may assume. Set before invariants and rules are tried.
    var provedLemmas: [String: Property] = [:]

    /// The proved lemmas a property names with `using`.
    func hints(for p: Property) -> [Property] { p.using.compactMap { provedLemmas[$0] } }

    public func verify() -> [PropertyResult] {
        var results: [String: PropertyResult] = [:]
        // Lemmas first: invariants and rules may use them.
        let lemmas = model.properties.filter { $0.kind == .lemma }
        var started = clock()
        for r in parallelMap(lemmas.count, { i in self.settled(self.verifyLemma(lemmas[i])) }) { results[r.property] = r }
        phases.add("lemmas", since(started))
        provedLemmas = Dictionary(lemmas.filter { results[$0.name]?.status == .proved }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if !model.invariants.isEmpty { options.progress?("\(model.name): \(model.invariants.count) invariant(s): induction, then BMC, k-induction and simulation for what is left") }
        let rules = model.properties.filter { if case .rule = $0.kind { return true }; return false }
        // Stopping at the first failure: the rules, under the invariants induction proved, go
        // before the bounded search of the others, and are kept when it proves no more.
        var early: (assumed: [String], results: [PropertyResult])?
        let beforeBoundedSearch: (([Property]) -> Bool)? = !options.stopAtFirstFailure ? nil : { proved in
            let settled = self.verifyRulesUntilOneFails(rules, assuming: proved)
            early = (proved.map(\.name), settled)
            return settled.contains(where: \.failsAsRefutation)
        }
        for r in verifyInvariants(beforeBoundedSearch: beforeBoundedSearch) { results[r.property] = settled(r) }
        started = clock()
        let proved = model.invariants.filter { results[$0.name]?.status == .proved }
        if let early, early.assumed == proved.map(\.name) || early.results.contains(where: \.failsAsRefutation) {
            for r in early.results { results[r.property] = r }
        } else if options.stopAtFirstFailure, results.values.contains(where: \.failsAsRefutation) {
            // Nothing more is needed.
        } else if options.stopAtFirstFailure {
            for r in verifyRulesUntilOneFails(rules, assuming: proved) { results[r.property] = r }
        } else {
            // Rules are independent of each other once the invariants are settled; those left
            // open share one simulation.
            var open: [OpenRule] = []
            for outcome in parallelMap(rules.count, { i in self.checkRule(rules[i], assuming: proved) }) {
                switch outcome {
                case .settled(let r): results[r.property] = settled(r)
                case .open(let o): open.append(o)
                }
            }
            for r in simulate(open, seconds: simulationLeft) { results[r.property] = settled(r) }
        }
        phases.add("rules", since(started))
        if options.stopAtFirstFailure {
            for p in model.properties where results[p.name] == nil {
                results[p.name] = result(p, .unknown, method: "not checked", reason: "not checked: the run stopped at the first failure",
                                         seconds: 0, queries: [])
            }
        }
        // Name the lemmas each property's queries assumed; a named lemma that is not proved was not.
        for p in model.properties where !p.using.isEmpty {
            guard var r = results[p.name] else { continue }
            let used = hints(for: p).map(\.name)
            if !used.isEmpty { r.lemmasUsed = used }
            let missing = p.using.filter { provedLemmas[$0] == nil }
            if !missing.isEmpty {
                r.reason = (r.reason.map { $0 + "; " } ?? "") + "not assumed, since not proved: lemma \(missing.joined(separator: ", "))"
            }
            results[p.name] = r
        }
        started = clock()
        let scenarios = model.scenarios.map { settled(ScenarioRun(prover: self).run($0)) }
        phases.add("scenarios", since(started))
        let ordered = model.properties.compactMap { results[$0.name] }
        // Certificates hold unsat queries only: checking them cannot look for witnesses. Nothing
        // proved, nothing can be vacuous: no queries are spent (a run where every query times out
        // stays as short as before).
        guard options.certifiedQueries == nil, ordered.contains(where: { $0.status == .proved }),
              !(options.stopAtFirstFailure && ordered.contains(where: \.failsAsRefutation)) else { return ordered + scenarios }
        started = clock()
        defer { phases.add("vacuity", since(started)) }
        return VacuityCheck(prover: self, proved: proved).check(ordered) + scenarios
    }

    /// Rules one at a time, in order, until one fails the gate (the rest are left out).
    func verifyRulesUntilOneFails(_ rules: [Property], assuming proved: [Property]) -> [PropertyResult] {
        var out: [PropertyResult] = []
        var open: [OpenRule] = []
        for rule in rules {
            switch checkRule(rule, assuming: proved) {
            case .settled(let r):
                out.append(settled(r))
                // The rules left open so far keep what their bounded search found.
                if r.failsAsRefutation { return out + open.map { settled($0.result) } }
            case .open(let o): open.append(o)
            }
        }
        return out + simulate(open, seconds: simulationLeft, stopAtFirst: true).map(settled)
    }

    /// The model's simulation budget (`--simulate`) is spent in order of need: the open
    /// invariants' search first, stopping once each has a violation; the open rules then share
    /// what is left, and never less than a quarter of the budget, so that an invariant that
    /// stays open does not leave them none.
    var simulationLeft: Double {
        max(options.simulationSeconds - simulationSpent, options.simulationSeconds / 4)
    }

    /// Tells the progress hook that a property is settled (vacuity may still change a proof).
    func settled(_ r: PropertyResult) -> PropertyResult {
        options.progress?("\(model.name).\(r.property): \(r.status.rawValue) (\(r.method), \(String(format: "%.2f", r.seconds)) s)")
        return r
    }

    func result(_ p: Property, _ status: Status, method: String, reason: String? = nil,
                cex: Counterexample? = nil, seconds: Double, queries: [QueryRecord]) -> PropertyResult {
        var r = PropertyResult(spec: specPath, model: model.name, property: p.name, kind: p.kindName,
                               line: p.location.line, column: p.location.column, source: p.sourceText,
                               status: status, method: method, reason: reason, counterexample: cex,
                               solver: Prover.solverName, seconds: seconds, queries: queries)
        if p.expectViolated { r.expectViolated = true }
        return r
    }

    func clock() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    func since(_ start: UInt64) -> Double { Double(clock() - start) / 1e9 }

    /// The values a model gives to named unknowns, in parameter order.
    func read(_ params: [Param], _ terms: [String: Term], _ q: Query, _ m: ModelValues) -> [String: Value]? {
        var out: [String: Value] = [:]
        for p in params {
            guard let t = terms[p.name], let v = q.concrete(t, p.sort, in: m) else { return nil }
            out[p.name] = v
        }
        return out
    }

    func rendered(_ params: [Param], _ values: [String: Value]) -> [NamedValue] {
        params.map { NamedValue(name: $0.name, value: values[$0.name]!.rendered(as: $0.sort)) }
    }

    // MARK: Invariants

    /// `beforeBoundedSearch` is called with the invariants induction proved, before the bounded
    /// search of the others; when it returns true (something failed), that search is skipped.
    /// Stopping at the first failure, the bounded search also ends at the first violation.
    ///
    /// For what induction leaves, cheapest first: bounded model checking from the initial state,
    /// one invariant per job; random simulation deeper than the bound; then k-induction for what
    /// has no violation within the bound. A violation found early spares the costly steps.
    func verifyInvariants(beforeBoundedSearch: (([Property]) -> Bool)? = nil) -> [PropertyResult] {
        var started = clock()
        let induction = HoudiniInduction(prover: self).run()
        var records = induction.records
        var out = induction.results
        phases.add("induction", since(started))
        started = clock()
        let stopped = options.stopAtFirstFailure && out.values.contains(where: \.failsAsRefutation)
            || beforeBoundedSearch?(induction.proved) == true
        phases.add("rules", since(started))
        started = clock()
        let rest = stopped ? [] : model.invariants.filter { out[$0.name] == nil }
        let undecided = BoundedModelCheck(prover: self, cone: ConeOfInfluence(model: model)).search(rest, records: &records, into: &out)
        phases.add("bmc", since(started))

        var open = rest.filter { out[$0.name] == nil && undecided[$0.name] != nil }
        if options.stopAtFirstFailure && out.values.contains(where: \.failsAsRefutation) {
            // Stopping: what the bounded search found stands, and nothing more is tried.
            for inv in open {
                let recs = records[inv.name] ?? []
                out[inv.name] = unknown(inv, induction, bound: "no violation within \(options.depth) steps; not searched further: the run stopped at the first failure",
                                        seconds: QueryRecord.seconds(recs), records: recs)
            }
            open = []
        }
        let simulated = simulate(&open, induction, records: records, into: &out)

        started = clock()
        defer { phases.add("k-induction", since(started)) }
        let settled: [PropertyResult] = parallelMap(open.count) { i in
            let inv = open[i]
            var recs = records[inv.name] ?? []
            let unknowns = undecided[inv.name] ?? []
            // The base of k-induction: no violation within k - 1 steps, which BMC has shown.
            let clean = unknowns.isEmpty ? self.options.depth : 0
            if let proof = KInduction(prover: self).prove(inv, assuming: induction.proved, clean: clean, records: &recs) {
                return self.result(inv, .proved, method: proof, seconds: QueryRecord.seconds(recs) + simulated, queries: recs)
            }
            var bound = unknowns.isEmpty ? "no violation within \(self.options.depth) steps" :
                "no violation found within \(self.options.depth) steps (undecided at \(unknowns.joined(separator: ", ")))"
            if self.options.simulationSeconds > 0 {
                bound += "; no violation found by random simulation (\(String(format: "%g", self.options.simulationSeconds)) s)"
            }
            return self.unknown(inv, induction, bound: bound, seconds: QueryRecord.seconds(recs) + simulated, records: recs)
        }
        for (inv, r) in zip(open, settled) { out[inv.name] = r }
        return model.invariants.compactMap { out[$0.name] }
    }

    /// An invariant neither proved nor refuted: not inductive (why, and its counterexample to
    /// induction), and what the search beyond induction found (`bound`).
    private func unknown(_ inv: Property, _ induction: HoudiniInduction.Outcome, bound: String, seconds: Double,
                         records: [QueryRecord]) -> PropertyResult {
        var r = result(inv, .unknown, method: "bmc depth \(options.depth)",
                       reason: "not inductive (\((induction.failures[inv.name] ?? []).joined(separator: "; "))); \(bound)",
                       seconds: seconds, queries: records)
        // The pre-state satisfies every invariant assumed in that round; only those proved are
        // named, since one dropped later may be refuted in this same run.
        r.counterexampleToInduction = induction.ctis[inv.name].map { cti in
            var cti = cti
            cti.assumed = cti.assumed.filter { name in induction.proved.contains { $0.name == name } }
            return cti
        }
        return r
    }

    /// Deeper than the bound: random simulation from the initial state, towards the CTIs, for
    /// the open invariants (each found is replayed, shrunk, and taken out of `open`). Returns
    /// the seconds it took.
    private func simulate(_ open: inout [Property], _ induction: HoudiniInduction.Outcome, records: [String: [QueryRecord]],
                          into out: inout [String: PropertyResult]) -> Double {
        guard !open.isEmpty, options.simulationSeconds > 0 else { return 0 }
        let start = clock()
        var search = SimulationSearch(model: model, interpreter: interpreter, seconds: options.simulationSeconds)
        // Towards the CTIs' values, and on from the states the scenarios reach.
        search.hints = hints(from: induction.ctiSteps).merging(Prover.scenarioArguments(model, interpreter)) { a, b in a + b.filter { !a.contains($0) } }
        search.prefixes = Prover.scenarioPrefixes(model, interpreter)
        search.goals = induction.goals.filter { goal in open.contains { $0.name == goal.invariant } }
        let found = search.search(open.map { .invariant($0) })
        let simulated = since(start)
        simulationSpent += simulated
        phases.add("simulation", simulated)
        for inv in open {
            guard let v = found[inv.name] else { continue }
            let recs = records[inv.name] ?? []
            var r = confirmInvariantViolation(inv, steps: v.steps, params: v.params, depth: v.steps.count,
                                              records: recs, seconds: QueryRecord.seconds(recs) + simulated)
            if r.status == .violated { r.method = "simulation (\(v.steps.count) steps after shrinking, walk \(v.walks))" }
            out[inv.name] = r
        }
        open.removeAll { out[$0.name] != nil }
        return simulated
    }
}
