import BigInt

/// Shrinks a sequence while it keeps its verdict on one subject: fewer calls first (chunks
/// halving down to single calls), then the subject's simplifications, until a whole round
/// changes nothing or the budget of runs is spent.
public struct DeltaShrinker<Subject: DifferentialSubject> {
    public let subject: Subject
    /// Most runs a shrink may take, so that it always ends quickly.
    public var budget: Int

    public init(subject: Subject, budget: Int) { self.subject = subject; self.budget = budget }

    /// `difference` is what `calls` showed when it was found: where it shows says where to cut,
    /// without running the sequence again.
    public func shrink(_ calls: [Subject.Call], keeping verdict: Verdict, at difference: Subject.Difference) throws -> [Subject.Call] {
        var left = budget
        func keeps(_ candidate: [Subject.Call]) throws -> Bool {
            // The empty sequence is a candidate too: a difference at deployment needs no call.
            guard left > 0 else { return false }
            left -= 1
            return try DifferentialEngine<Subject>.verdict(of: candidate, on: subject).verdict == verdict
        }
        var best = calls
        if let i = subject.callIndex(of: difference), i + 1 < best.count {
            best = Array(best[...i])
        }
        var progress = true
        while progress && left > 0 {
            progress = false
            var chunk = max(1, best.count / 2)
            while chunk >= 1 {
                var start = 0
                while start < best.count {
                    var candidate = best
                    candidate.removeSubrange(start..<min(start + chunk, best.count))
                    if try keeps(candidate) { best = candidate; progress = true } else { start += chunk }
                }
                chunk /= 2
            }
            for simplification in subject.simplifications(of: best) {
                switch simplification {
                case .firstOf(let candidates):
                    for candidate in candidates(best) where try keeps(candidate) {
                        best = candidate
                        progress = true
                        break
                    }
                case .smallest(let read, let write):
                    guard let current = read(best), current > 0 else { continue }
                    var lo = BigUInt(0), hi = current
                    while lo < hi, left > 0 {
                        let mid = (lo + hi) / 2
                        if try keeps(write(best, mid)) { hi = mid } else { lo = mid + 1 }
                    }
                    if hi < current { best = write(best, hi); progress = true }
                }
            }
        }
        return best
    }
}
