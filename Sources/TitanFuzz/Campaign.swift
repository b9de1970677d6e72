import Foundation
import TitanBackends

/// A fuzz campaign: generate sequences from a seed, run each on the reference and every
/// backend, shrink the first instance of each known divergence (to report it) and stop at the
/// first unknown divergence (shrunk, to fail the run).
public final class Campaign {
    public struct Options {
        public var seed: UInt64 = 1
        public var maxSequences: Int? = nil
        public var timeLimit: Double? = nil
        public var maxLength = 24
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

    public func run() throws -> Report {
        var report = Report()
        var generator = SequenceGenerator(seed: options.seed, maxLength: options.maxLength,
                                          keyHints: backends.flatMap(\.keyHints))
        let start = Date()
        var lastProgress = start
        var generated = 0
        while true {
            let counted = options.shard == nil ? report.sequences : generated
            if let m = options.maxSequences, counted >= m { break }
            if let t = options.timeLimit, Date().timeIntervalSince(start) >= t { break }
            if options.maxSequences == nil && options.timeLimit == nil && counted >= 1000 { break }
            let ops = generator.next()
            generated += 1
            if let shard = options.shard, (generated - 1) % shard.count != shard.index - 1 { continue }
            report.sequences += 1
            let expected = runner.expected(ops)
            for backend in backends {
                let all = ops
                let ops = backend.applicableCalls(ops)
                guard !ops.isEmpty else { continue }
                let outcome = try runner.run(ops, on: backend, expected: ops.count == all.count ? expected : runner.expected(ops))
                report.operations += (outcome.index.map { $0 + 1 } ?? ops.count)
                guard outcome.verdict != .agree else { continue }
                if case .known = outcome.verdict,
                   let i = report.known.firstIndex(where: { $0.backend == backend.name && $0.verdict == outcome.verdict }) {
                    report.known[i].count += 1
                    continue
                }
                let trace = try Shrinker(runner: runner, backend: backend).shrink(ops, verdict: outcome.verdict)
                let final = try runner.run(trace, on: backend)
                var finding = Finding(backend: backend.name, verdict: outcome.verdict, trace: trace,
                                      observation: final.observation ?? outcome.observation!, count: 1)
                finding.notes = Campaign.notes(trace, on: backend)
                if outcome.verdict == .divergence {
                    report.divergence = finding
                    report.elapsed = Date().timeIntervalSince(start)
                    return report
                }
                report.known.append(finding)
            }
            let now = Date()
            if let progress = options.progress, now.timeIntervalSince(lastProgress) >= options.progressInterval {
                lastProgress = now
                report.elapsed = now.timeIntervalSince(start)
                progress(String(format: "fuzz: %.0f s, %d sequences, %d operations (%.0f ops/s), %d known divergences, 0 divergences",
                                report.elapsed, report.sequences, report.operations, report.operationsPerSecond,
                                report.known.reduce(0) { $0 + $1.count }))
            }
        }
        report.elapsed = Date().timeIntervalSince(start)
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
