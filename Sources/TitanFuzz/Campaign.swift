import Foundation
import TitanBackends
import TitanDifferential

/// A fuzz campaign: sequences from a seed (fresh, or built on those that reached a new
/// outcome), run on the reference and every backend by the differential engine; the first
/// instance of each known divergence is shrunk (to report it) and the first unknown
/// divergence stops the run (shrunk, to fail it).
public final class Campaign {
    public struct Options {
        public var seed: UInt64 = 1
        public var maxSequences: Int? = nil
        public var timeLimit: Double? = nil
        public var maxLength = 24
        /// Build half the sequences on the corpus of those that reached a new outcome.
        public var useCorpus = true
        /// Called with a progress line at most every `progressInterval` seconds.
        public var progress: ((String) -> Void)? = nil
        public var progressInterval = 2.0
        /// Run only shard `index` of `count` (1-based): the campaign's k-th generated sequence
        /// belongs to shard k mod count + 1, so shards of one seed never overlap and together
        /// run every sequence. `maxSequences` then counts the whole campaign's sequences.
        public var shard: (index: Int, count: Int)? = nil
        public init() {}
    }

    /// A classified difference with its shrunk trace.
    public struct Finding {
        public var backend: String
        public var verdict: Verdict
        public var trace: [TitanCall]
        public var observation: Observation
        /// How many sequences showed it (known divergences keep counting).
        public var count: Int
        /// What the backend says about each call of `trace` beyond the call (`ChainBackend.note`).
        public var notes: [String?] = []
    }

    public struct Report {
        public var sequences = 0
        public var operations = 0
        public var elapsed = 0.0
        /// Known divergences, per backend, in the order first seen.
        public var known: [Finding] = []
        /// The unknown divergence that stopped the run, if any.
        public var divergence: Finding?
        /// Sequences kept for reaching something new, and how many outcomes were reached.
        public var corpusSize = 0
        public var reached = 0
        public var operationsPerSecond: Double { elapsed > 0 ? Double(operations) / elapsed : 0 }
        public var sequencesPerSecond: Double { elapsed > 0 ? Double(sequences) / elapsed : 0 }
    }

    let runner: DifferentialRunner
    let backends: [ChainBackend]
    let options: Options

    public init(reference: ReferenceModel, backends: [ChainBackend], options: Options) {
        runner = DifferentialRunner(reference: reference)
        self.backends = backends
        self.options = options
    }

    /// The campaign on the shared differential engine, one subject per backend.
    public func run() throws -> Report {
        let expected = ExpectedResults()
        let subjects = backends.map { BackendSubject(backend: $0, runner: runner, expected: expected) }
        var engine = DifferentialEngine<BackendSubject>.Options()
        engine.maxSequences = options.maxSequences
        engine.timeLimit = options.timeLimit
        engine.maxLength = options.maxLength
        engine.shard = options.shard
        engine.shrinkKnown = true
        engine.useCorpus = options.useCorpus
        engine.progressInterval = options.progressInterval
        if let progress = options.progress {
            engine.progress = { p in
                guard p.shrinking == nil else { return }
                progress(String(format: "fuzz: %.0f s, %d sequences, %d operations (%.0f ops/s), %d known divergences, 0 divergences",
                                p.elapsed, p.sequences, p.work, p.elapsed > 0 ? Double(p.work) / p.elapsed : 0, p.known))
            }
        }
        var generator = SequenceGenerator(seed: options.seed, maxLength: options.maxLength, keyHints: backends.flatMap(\.keyHints))
        let r = try DifferentialEngine(subjects: subjects, options: engine).run(&generator)
        func finding(_ f: DifferentialEngine<BackendSubject>.Finding) -> Finding {
            let backend = backends.first { $0.name == f.subject }!
            return Finding(backend: f.subject, verdict: f.verdict, trace: f.trace, observation: f.difference.observation!,
                           count: f.count, notes: Campaign.notes(f.trace, on: backend))
        }
        var report = Report()
        report.sequences = r.sequences
        report.operations = r.work
        report.elapsed = r.elapsed
        report.known = r.known.map(finding)
        report.divergence = r.divergence.map(finding)
        report.corpusSize = r.corpusSize
        report.reached = r.reached.count
        return report
    }

    /// The backend's note on each call of `trace` (nil where it has none).
    public static func notes(_ trace: [TitanCall], on backend: ChainBackend) -> [String?] {
        var sinceReset = 0
        return trace.indices.map { i in
            if trace[i] == .reset { sinceReset = i + 1 }
            return backend.note(for: trace[i], earlier: trace[sinceReset..<max(sinceReset, i)])
        }
    }

    /// Human-readable lines for a finding: the trace, and the step where the results differ.
    public static func describe(_ f: Finding) -> String {
        var lines = ["\(f.backend): \(f.verdict) (\(f.trace.count) operation\(f.trace.count == 1 ? "" : "s") after shrinking)"]
        for (i, op) in f.trace.enumerated() {
            lines.append("  \(i + 1). \(op)")
            if i < f.notes.count, let note = f.notes[i] { lines.append("     \(note)") }
        }
        lines.append("  step \(f.trace.count): reference \(f.observation.reference); \(f.backend) \(f.observation.backend)")
        return lines.joined(separator: "\n")
    }
}
