import Foundation

/// The differential engine `titan fuzz` and `titan conform` share: it draws sequences (fresh
/// or built on a corpus of those that reached something new), runs each on every subject
/// against the reference, counts documented divergences, and stops at the first unknown one,
/// shrunk. Subjects differ only in their calls and their mapping to the implementation.
public final class DifferentialEngine<Subject: DifferentialSubject> {
    public struct Options {
        public var maxSequences: Int?
        public var timeLimit: Double?
        /// Sequences when neither a count nor a time is given.
        public var defaultSequences = 1000
        public var maxLength = 24
        /// Run only shard `index` of `count` (1-based): the k-th generated sequence belongs to
        /// shard k mod count + 1. Sharded runs draw fresh sequences only, so that the shards of
        /// one seed partition the whole run's sequences exactly.
        public var shard: (index: Int, count: Int)?
        /// Build on the corpus (otherwise every sequence is fresh).
        public var useCorpus = true
        /// Shrink the first instance of each known divergence too (to report it).
        public var shrinkKnown = false
        /// Runs one shrink may take.
        public var shrinkBudget = 4000
        /// Called at most every `progressInterval` seconds, and when a divergence is being shrunk.
        public var progress: ((Progress) -> Void)?
        public var progressInterval = 2.0
        public init() {}
    }

    public struct Progress {
        public var elapsed: Double
        public var sequences: Int
        public var work: Int
        public var known: Int
        public var corpus: Int
        /// Set when an unknown divergence was found and is about to be shrunk: its sequence's
        /// length and the difference.
        public var shrinking: (length: Int, difference: Subject.Difference)?
    }

    /// A classified difference with its shrunk trace.
    public struct Finding {
        public var subject: String
        public var verdict: Verdict
        public var trace: [Subject.Call]
        /// The difference the shrunk trace shows.
        public var difference: Subject.Difference
        /// How many sequences showed it (known divergences keep counting).
        public var count: Int
        /// The sequence's length before shrinking.
        public var originalLength: Int
    }

    public struct Report {
        public var sequences = 0
        /// Work (calls or operations) on the implementations while searching, not shrinking.
        public var work = 0
        public var elapsed = 0.0
        /// Until the unknown divergence was found, or the budget spent.
        public var searchSeconds = 0.0
        public var known: [Finding] = []
        /// The unknown divergence that stopped the run, if any.
        public var divergence: Finding?
        public var corpusSize = 0
        /// Everything the reference reached, sorted.
        public var reached: [String] = []
    }

    public let subjects: [Subject]
    public let options: Options

    public init(subjects: [Subject], options: Options) {
        self.subjects = subjects
        self.options = options
    }

    /// `calls` on `subject`: its verdict and the first difference.
    public static func verdict(of calls: [Subject.Call], on subject: Subject) throws -> (verdict: Verdict, difference: Subject.Difference?) {
        guard let d = try subject.firstDifference(calls) else { return (.agree, nil) }
        return (subject.knownDivergence(d, in: calls).map { .known($0) } ?? .divergence, d)
    }

    /// Whether a campaign is over: its sequence count, its time limit, or else the default count.
    private func hasRunItsCourse(after sequences: Int, seconds: Double) -> Bool {
        if let m = options.maxSequences, sequences >= m { return true }
        if let t = options.timeLimit, seconds >= t { return true }
        return options.maxSequences == nil && options.timeLimit == nil && sequences >= options.defaultSequences
    }

    public func run<Source: SequenceSource>(_ source: inout Source) throws -> Report where Source.Call == Subject.Call {
        var report = Report()
        var corpus = Corpus<Subject.Call>()
        let start = Date()
        var lastProgress = start
        var generated = 0
        var shrinkWork = 0
        func elapsed() -> Double { Date().timeIntervalSince(start) }
        func totalWork() -> Int { subjects.reduce(0) { $0 + $1.work } - shrinkWork }
        func progress(shrinking: (length: Int, difference: Subject.Difference)? = nil) -> Progress {
            Progress(elapsed: elapsed(), sequences: report.sequences, work: totalWork(),
                     known: report.known.reduce(0) { $0 + $1.count }, corpus: corpus.sequences.count, shrinking: shrinking)
        }
        func finish() -> Report {
            report.elapsed = elapsed()
            if report.divergence == nil { report.searchSeconds = report.elapsed }
            report.work = totalWork()
            report.corpusSize = corpus.sequences.count
            report.reached = corpus.reached.sorted()
            return report
        }
        func shrunk(_ calls: [Subject.Call], _ verdict: Verdict, _ difference: Subject.Difference, on subject: Subject) throws -> Finding {
            let before = subject.work
            defer { shrinkWork += subject.work - before }
            var trace = try DeltaShrinker(subject: subject, budget: options.shrinkBudget).shrink(calls, keeping: verdict, at: difference)
            var final = try DifferentialEngine.verdict(of: trace, on: subject)
            if final.verdict != verdict {
                // Only a subject that is not deterministic gets here: report what was seen.
                trace = calls
                final = (verdict, difference)
            }
            return Finding(subject: subject.name, verdict: verdict, trace: trace, difference: final.difference ?? difference,
                           count: 1, originalLength: calls.count)
        }

        while true {
            if hasRunItsCourse(after: options.shard == nil ? report.sequences : generated, seconds: elapsed()) { break }
            let calls = options.useCorpus && options.shard == nil
                ? corpus.next(from: &source, maxLength: options.maxLength)
                : source.fresh(continuing: [], maxLength: options.maxLength)
            generated += 1
            if let shard = options.shard, (generated - 1) % shard.count != shard.index - 1 { continue }
            report.sequences += 1
            var reached: [String] = []
            for subject in subjects {
                let mine = subject.applicable(calls)
                guard !mine.isEmpty else { continue }
                let (verdict, found) = try DifferentialEngine.verdict(of: mine, on: subject)
                reached += subject.reachedOnLatestRun()
                guard let difference = found else { continue }
                if case .known = verdict {
                    if let i = report.known.firstIndex(where: { $0.subject == subject.name && $0.verdict == verdict }) {
                        report.known[i].count += 1
                        continue
                    }
                    guard options.shrinkKnown else {
                        report.known.append(Finding(subject: subject.name, verdict: verdict, trace: mine,
                                                    difference: difference, count: 1, originalLength: mine.count))
                        continue
                    }
                    report.known.append(try shrunk(mine, verdict, difference, on: subject))
                    continue
                }
                report.searchSeconds = elapsed()
                report.work = totalWork()
                options.progress?(progress(shrinking: (mine.count, difference)))
                report.divergence = try shrunk(mine, verdict, difference, on: subject)
                return finish()
            }
            corpus.add(calls, reached: reached)
            let now = Date()
            if let p = options.progress, now.timeIntervalSince(lastProgress) >= options.progressInterval {
                lastProgress = now
                p(progress())
            }
        }
        return finish()
    }
}
