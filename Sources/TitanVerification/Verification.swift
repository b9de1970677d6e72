import Foundation
import TitanIR
import TitanProver

/// One `titan verify` run over parsed specs: proves each model, and around that handles proof
/// certificates (check, write) and the cross-check by a second solver. The command line only
/// parses options, calls `run`, and renders the outcome.
public struct Verification {
    public var options: ProverOptions
    public var toolVersion: String
    /// Where certificates are read and written; nil when neither checking nor writing.
    public var proofs: ProofStore?
    public var checkProofs = false
    public var writeProofs = false
    public var crossCheck: ExternalSolver?
    /// Only shard `index` of `count` (1-based): models are dealt round-robin in spec order.
    public var shard: (index: Int, count: Int)?
    /// Only the models at these positions (0-based, counted over every model of every spec in
    /// order): the part of a run one worker process of `titan verify --jobs` takes.
    public var models: Set<Int>?
    /// Called with each model's final results (and its position) as soon as it is done, so an
    /// interrupted run can keep what it finished.
    public var onModelDone: ((_ results: [PropertyResult], _ position: Int) -> Void)?

    public init(options: ProverOptions, toolVersion: String) {
        self.options = options
        self.toolVersion = toolVersion
    }

    public struct Outcome {
        public var results: [PropertyResult]
        /// Certificates written or removed, and files that could not be (the run still reports).
        public var written: [String] = []
        public var removed: [String] = []
        public var writeErrors: [String] = []
        /// Where the proving time went, summed over the models.
        public var phases = PhaseTimes()
        public init(results: [PropertyResult]) { self.results = results }
    }

    public var reportOptions: Report.Options { Report.Options(depth: options.depth, timeoutSeconds: options.timeoutSeconds) }

    public func run(_ specs: [SpecFile]) -> Outcome {
        var outcome = Outcome(results: [])
        var options = self.options
        var temporaryEmit: URL?
        if crossCheck != nil && options.emitDirectory == nil {
            // The second solver reads files; without --emit-smt2 they go to a directory removed afterwards.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("titan-cross-check-\(UUID().uuidString)")
            options.emitDirectory = dir.path
            temporaryEmit = dir
        }
        defer { if let temporaryEmit { try? FileManager.default.removeItem(at: temporaryEmit) } }

        var index = 0
        let total = specs.reduce(0) { $0 + $1.models.count }
        for spec in specs {
            for model in spec.models {
                defer { index += 1 }
                if let shard, index % shard.count != shard.index - 1 { continue }
                if let models, !models.contains(index) { continue }
                let start = Date()
                options.progress?("[\(index + 1)/\(total)] \(spec.path) model \(model.name): \(model.properties.count) properties")
                var results = verify(model, in: spec, options: options, phases: &outcome.phases)
                if let progress = options.progress {
                    let proved = results.filter { $0.status == .proved }.count
                    progress("[\(index + 1)/\(total)] \(model.name): \(proved) of \(results.count) proved in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
                }
                if let solver = crossCheck {
                    // Right after the model, before another spec's same-named model overwrites the files.
                    for i in results.indices { solver.crossCheck(&results[i], timeoutSeconds: options.timeoutSeconds) }
                }
                if temporaryEmit != nil {
                    // Those files are deleted at the end of the run; the report must not point at them.
                    for i in results.indices { for j in results[i].queries.indices { results[i].queries[j].file = nil } }
                }
                if writeProofs, let proofs { write(results, spec: spec, to: proofs, outcome: &outcome) }
                outcome.results += results
                onModelDone?(results, index)
            }
        }
        return outcome
    }

    /// Proves a model, or, with `checkProofs`, replays its certificates without solving when every
    /// property's certificate is fresh. Any stale or missing certificate re-proves the whole model:
    /// rules are proved assuming the model's invariants, so a partial replay could rest on a stale proof.
    func verify(_ model: Model, in spec: SpecFile, options: ProverOptions, phases: inout PhaseTimes) -> [PropertyResult] {
        func prove(_ options: ProverOptions, source: Bool = true) -> [PropertyResult] {
            let prover = Prover(model: model, specPath: spec.path, options: options, source: source ? Prover.source(of: model, in: spec) : nil)
            defer { phases.add(prover.phases) }
            return prover.verify()
        }
        guard checkProofs, let proofs else { return prove(options) }
        var stale: [String: String] = [:]
        var certified: [String: String] = [:]
        for p in model.properties {
            if let why = proofs.staleness(of: p.name, model: model.name, in: spec, toolVersion: toolVersion, solver: Prover.solverName) {
                stale[p.name] = why
            } else if case .found(let c) = proofs.certificate(spec: spec.path, model: model.name, property: p.name) {
                for q in c.queries where q.verdict == "unsat" { certified[q.name] = q.sha256 }
            }
        }
        if stale.isEmpty {
            var replay = options
            replay.certifiedQueries = certified
            var results = prove(replay, source: false)
            let uncertified = results.flatMap { r in r.queries.filter { $0.fromCertificate != true }.map(\.name) }
            if results.allSatisfy({ $0.status == .proved }) && uncertified.isEmpty {
                for i in results.indices { results[i].certificate = CertificateCheck(state: .fresh) }
                return results
            }
            // Rules assume the proved invariants, so an invariant whose query changed changes the
            // rules' queries too: name the invariants as the cause when there are any.
            let failing = results.filter { r in r.status != .proved || r.queries.contains { $0.fromCertificate != true } }
            let failingInvariants = failing.filter { $0.kind == "invariant" }
            for r in failingInvariants.isEmpty ? failing : failingInvariants { stale[r.property] = "query changed" }
            if stale.isEmpty { stale[model.properties.first?.name ?? ""] = "query changed" }
        }
        var results = prove(options)
        let first = model.properties.first { stale[$0.name] != nil }.map { "\($0.name): \(stale[$0.name]!)" } ?? ""
        for i in results.indices {
            let own = stale[results[i].property]
            results[i].certificate = CertificateCheck(state: .reproved, reason: own ?? "another property of \(model.name) is stale (\(first))")
        }
        return results
    }

    /// Writes a certificate for each newly proved property, and removes the certificate of a
    /// property that is no longer proved, so no file claims a proof that does not hold.
    func write(_ results: [PropertyResult], spec: SpecFile, to proofs: ProofStore, outcome: inout Outcome) {
        for r in results {
            let path = proofs.path(spec: r.spec, model: r.model, property: r.property)
            do {
                if r.certificate?.state == .fresh { continue }
                if let c = ProofCertificate(r, specSHA256: spec.contentHash, toolVersion: toolVersion, options: reportOptions) {
                    try proofs.write(c)
                    outcome.written.append(path)
                } else if FileManager.default.fileExists(atPath: path) {
                    try proofs.remove(spec: r.spec, model: r.model, property: r.property)
                    outcome.removed.append(path)
                }
            } catch {
                outcome.writeErrors.append("\(error)")
            }
        }
    }
}
