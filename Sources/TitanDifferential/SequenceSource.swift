/// Where sequences come from: fresh random sequences, and variations of one call. The engine
/// builds on its corpus with these (append, splice, change an argument, repeat a call).
public protocol SequenceSource {
    associatedtype Call

    /// A random sequence of at most `maxLength` calls, continuing `prefix` (its values, keys
    /// and time) when it is not empty. The result holds only the new calls.
    mutating func fresh(continuing prefix: [Call], maxLength: Int) -> [Call]
    /// `call` with one argument drawn anew, in the context of the calls before it.
    mutating func varied(_ call: Call, after prefix: ArraySlice<Call>) -> Call
    /// A sequence put together from pieces made valid again (a block time that went backwards
    /// at a splice moved forward).
    func normalized(_ calls: [Call]) -> [Call]
    /// A random integer in 0..<n.
    mutating func random(below n: Int) -> Int
}

extension SequenceSource {
    public func normalized(_ calls: [Call]) -> [Call] { calls }
}

/// Sequences that reached something no earlier one did, and what was reached.
public struct Corpus<Call> {
    public private(set) var sequences: [[Call]] = []
    public private(set) var reached = Set<String>()
    public var limit = 512

    public init() {}

    /// Records what `calls` reached; keeps the sequence when something was new.
    @discardableResult
    public mutating func add(_ calls: [Call], reached new: [String]) -> Bool {
        let before = reached.count
        reached.formUnion(new)
        guard reached.count > before, !calls.isEmpty else { return false }
        if sequences.count < limit { sequences.append(calls) }
        return true
    }

    /// The next sequence to run: half the time a fresh one; otherwise one of the corpus
    /// extended, with one argument changed, with a call repeated, or spliced with another. A bug
    /// behind a deposit that must first succeed is then one change away from the sequence that
    /// made it succeed.
    public func next<Source: SequenceSource>(from source: inout Source, maxLength: Int) -> [Call] where Source.Call == Call {
        guard !sequences.isEmpty, source.random(below: 2) == 0 else { return source.fresh(continuing: [], maxLength: maxLength) }
        var base = sequences[source.random(below: sequences.count)]
        let i = source.random(below: base.count)
        switch source.random(below: 5) {
        case 0:
            base[i] = source.varied(base[i], after: base[..<i])
            return base
        case 1 where base.count < maxLength * 2:
            base.insert(base[i], at: i)
            return base
        case 2:
            let other = sequences[source.random(below: sequences.count)]
            let j = source.random(below: other.count)
            return source.normalized(Array(base[...i] + other[j...].prefix(maxLength * 2 - i - 1)))
        default:
            return base + source.fresh(continuing: base, maxLength: max(1, min(4, maxLength)))
        }
    }
}
