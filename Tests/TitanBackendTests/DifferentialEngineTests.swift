import TitanTestSupport
import BigInt
import Testing
import TitanDifferential

/// The engine `titan fuzz` and `titan conform` share, on a toy subject: a combination lock
/// whose implementation differs from the reference only once six calls were made in order.
@Suite("The differential engine: corpus guidance, shrinking, known divergences", .watched)
struct DifferentialEngineTests {
    /// The reference opens stage by stage: a call equal to the next digit advances, any other
    /// changes nothing. The implementation answers like the reference, except after the last
    /// digit, and, when `knownAt` is set, at that stage (a documented divergence).
    final class Lock: DifferentialSubject {
        static let digits = [3, 1, 4, 1, 5, 9]
        var work = 0
        var latest: [String] = []
        let knownAt: Int?
        init(knownAt: Int? = nil) { self.knownAt = knownAt }
        var name: String { "lock" }

        func firstDifference(_ calls: [Int]) throws -> Int? {
            var stage = 0
            latest = []
            for (i, c) in calls.enumerated() {
                work += 1
                if stage < Lock.digits.count, c == Lock.digits[stage] { stage += 1 }
                latest.append("stage \(stage)")
                if stage == Lock.digits.count || stage == knownAt { return i }
            }
            return nil
        }
        func knownDivergence(_ difference: Int, in calls: [Int]) -> String? {
            var stage = 0
            for c in calls[...difference] where stage < Lock.digits.count && c == Lock.digits[stage] { stage += 1 }
            return stage == knownAt ? "stage-\(stage)" : nil
        }
        func callIndex(of difference: Int) -> Int? { difference }
        func reachedOnLatestRun() -> [String] { latest }
        func simplifications(of calls: [Int]) -> [Simplification<Int>] {
            calls.indices.map { i in .firstOf { calls in calls[i] > 0 ? [{ var c = calls; c[i] = 0; return c }()] : [] } }
        }
    }

    struct Digits: SequenceSource {
        var state: UInt64
        mutating func random(below n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(1, n)))
        }
        mutating func fresh(continuing prefix: [Int], maxLength: Int) -> [Int] {
            (0...random(below: maxLength)).map { _ in random(below: 16) }
        }
        mutating func varied(_ call: Int, after prefix: ArraySlice<Int>) -> Int { random(below: 16) }
    }

    func run(corpus: Bool, sequences: Int, subject: Lock = Lock()) throws -> DifferentialEngine<Lock>.Report {
        var options = DifferentialEngine<Lock>.Options()
        options.maxSequences = sequences
        options.maxLength = 8
        options.useCorpus = corpus
        var source = Digits(state: 7)
        return try DifferentialEngine(subjects: [subject], options: options).run(&source)
    }

    @Test("a bug six ordered calls deep is found by building on the corpus, and not by fresh sequences alone")
    func corpusReachesDeepBugs() throws {
        let guided = try run(corpus: true, sequences: 20_000)
        let d = try #require(guided.divergence, "guided search reached stages \(guided.reached)")
        #expect(d.trace == Lock.digits, "shrunk to exactly the six digits")
        #expect(d.originalLength >= 6)
        #expect(guided.reached.contains("stage 5"), "the stages on the way were reached and kept")
        let blind = try run(corpus: false, sequences: 20_000)
        #expect(blind.divergence == nil)
    }

    @Test("a known divergence is counted and the run goes on; the unknown one stops it")
    func knownDivergencesAreCounted() throws {
        let r = try run(corpus: true, sequences: 20_000, subject: Lock(knownAt: 2))
        let known = try #require(r.known.first)
        #expect(known.verdict == .known("stage-2"))
        #expect(known.count > 1)
        // Every sequence that reaches stage 2 stops there, so the deep bug is out of reach.
        #expect(r.divergence == nil)
    }

    @Test("bisection finds the smallest number that keeps the verdict")
    func smallestByBisection() throws {
        final class Threshold: DifferentialSubject {
            var work = 0
            var name: String { "threshold" }
            func firstDifference(_ calls: [BigUInt]) throws -> Int? { work += 1; return calls.firstIndex { $0 >= 1_000_003 } }
            func knownDivergence(_ difference: Int, in calls: [BigUInt]) -> String? { nil }
            func callIndex(of difference: Int) -> Int? { difference }
            func simplifications(of calls: [BigUInt]) -> [Simplification<BigUInt>] {
                calls.indices.map { i in .smallest(read: { $0[i] }, write: { var c = $0; c[i] = $1; return c }) }
            }
        }
        let subject = Threshold()
        let small = try DeltaShrinker(subject: subject, budget: 400).shrink([5, BigUInt(1) << 200, 7], keeping: .divergence, at: 1)
        #expect(small == [1_000_003])
        // About one run per bit of the number, not one per value.
        #expect(subject.work < 250)
    }
}
