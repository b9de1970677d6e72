import BigInt
import Foundation
import TitanDifferential
import TitanIR
import TitanInterp

public struct ConformOptions: Sendable {
    public var seed: UInt64 = 1
    public var maxSequences = 200
    public var timeLimit: Double?
    /// Longest sequence, in actions.
    public var maxLength = 12
    public var progress: (@Sendable (String) -> Void)?
    public init() {}
}

/// Action sequences drawn the way the prover's simulation draws its walks: a random subset of
/// the actions per sequence (swarm testing), arguments from `ArgumentPools` (boundaries, the
/// spec's constants, addresses from a small pool with 0), values the sequence already used, and
/// a block time that only moves forward, by steps the spec's constants suggest.
struct ModelSequences: SequenceSource {
    let model: Model
    let actions: [Action]
    let pools: ArgumentPools
    let addressBits: Int
    let timeSteps: [BigUInt]
    var rng: SplitMix64
    let start: BigUInt

    init(model: Model, actions: [Action], seed: UInt64, deployTime: BigUInt, addressBits: Int) {
        self.model = model; self.actions = actions
        var pools = ArgumentPools(model: model)
        // Addresses the implementation cannot hold would diverge for no reason of its own.
        if let addresses = pools.values[.address], addressBits < 160 {
            let top = (BigUInt(1) << addressBits) - 1
            pools.values[.address] = Array(Set(addresses.map { Value.bits(min($0.asBits, top)) })).sorted { $0.asBits < $1.asBits }
        }
        self.pools = pools
        self.addressBits = addressBits
        var steps: Set<BigUInt> = [0, 0, 1, 2, 60, 3600, 86400]
        for c in ArgumentPools.constants(of: model) where c > 0 && c < (BigUInt(1) << 40) { steps.formUnion([c - 1, c, c + 1]) }
        timeSteps = steps.sorted()
        rng = SplitMix64(seed: seed)
        start = deployTime
    }

    mutating func random(below n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }

    /// The step with its arguments drawn anew (the caller half the time).
    mutating func varied(_ step: Step, after prefix: ArraySlice<Step>) -> Step {
        guard let action = model.action(step.action) else { return step }
        var out = step
        let changed = pools.arguments(action.params, earlier: earlier(Array(prefix)), &rng)
        for p in action.params where Environment.names[p.name] == nil || (p.name == Environment.sender && random(below: 2) == 0) {
            out.args[p.name] = masked(p, changed[p.name]!)
        }
        return out
    }

    /// Block times made to move forward again where a splice joined a later piece to an earlier one.
    func normalized(_ steps: [Step]) -> [Step] {
        var time = start
        return steps.map { st in
            guard case .bits(let t)? = st.args[Environment.timestamp] else { return st }
            var out = st
            time = max(time, t)
            out.args[Environment.timestamp] = .bits(time)
            return out
        }
    }

    func earlier(_ steps: [Step]) -> [Sort: [Value]] {
        var out: [Sort: [Value]] = [:]
        for st in steps { if let a = model.action(st.action) { ArgumentPools.remember(st, a, in: &out) } }
        return out
    }

    func masked(_ p: Param, _ v: Value) -> Value {
        p.sort == .address && addressBits < 160 ? .bits(v.asBits & ((BigUInt(1) << addressBits) - 1)) : v
    }

    /// A random sequence over a random subset of the actions, continuing `prefix` (its values
    /// and its time) when given.
    mutating func fresh(continuing prefix: [Step], maxLength: Int) -> [Step] {
        var enabled = actions.filter { _ in rng.next() % 2 == 0 }
        if enabled.isEmpty { enabled = [actions[Int(rng.next() % UInt64(actions.count))]] }
        let n = 1 + Int(rng.next() % UInt64(max(1, maxLength)))
        var earlier = self.earlier(prefix)
        var time = prefix.last?.args[Environment.timestamp]?.asBits ?? start
        var steps: [Step] = []
        for _ in 0..<n {
            let action = enabled[Int(rng.next() % UInt64(enabled.count))]
            var args = pools.arguments(action.params, earlier: earlier, &rng)
            for p in action.params where p.sort == .address { args[p.name] = masked(p, args[p.name]!) }
            if args[Environment.timestamp] != nil {
                time = min(time + timeSteps[Int(rng.next() % UInt64(timeSteps.count))], (BigUInt(1) << 64) - 1)
                args[Environment.timestamp] = .bits(time)
            }
            let step = Step(action: action.name, args: args)
            ArgumentPools.remember(step, action, in: &earlier)
            steps.append(step)
        }
        return steps
    }
}

extension Conformance {
    /// Runs the shared differential engine on this model and implementation: sequences until
    /// one diverges (shrunk, and checked again) or the budget is spent.
    public func check(_ options: ConformOptions, spec: String) throws -> ConformResult {
        let mapped = model.actions.filter { binding.calls[$0.name] != nil }
        var source = ModelSequences(model: model, actions: mapped, seed: options.seed, deployTime: mapping.deployTime,
                                    addressBits: target.addressBits)
        var engine = DifferentialEngine<Conformance>.Options()
        engine.maxSequences = options.maxSequences
        engine.timeLimit = options.timeLimit
        engine.maxLength = options.maxLength
        engine.shrinkBudget = 400
        engine.progressInterval = 5
        if let progress = options.progress {
            engine.progress = { p in
                if let (length, d) = p.shrinking {
                    progress("divergence in sequence \(p.sequences) (\(length) steps): \(d.summary); shrinking")
                } else {
                    progress("\(p.sequences) sequences, \(p.work) calls, \(String(format: "%.0f", p.elapsed)) s")
                }
            }
        }
        let r = try DifferentialEngine(subjects: [self], options: engine).run(&source)
        var result = ConformResult(spec: spec, model: model.name, target: target.summary, seed: options.seed)
        result.sequences = r.sequences
        result.searchSeconds = r.searchSeconds
        result.searchCalls = r.work
        if let f = r.divergence {
            result.divergence = ConformFinding(divergence: f.difference, trace: (deployment.map { [render($0)] } ?? []) + f.trace.map(render),
                                               steps: f.trace.map { CorpusStep($0, model: model) }, originalLength: f.originalLength)
        }
        result.corpusSize = r.corpusSize
        result.coverage = r.reached.count
        result.actionOutcomes = r.reached.filter { $0.hasSuffix(":ok") || $0.hasSuffix(":revert") }
        result.seconds = r.elapsed
        result.calls = calls
        result.runs = runs
        var known: [String: Int] = [:]
        for k in r.known { if case .known(let name) = k.verdict { known[name, default: 0] += k.count } }
        result.known = known.sorted { $0.key < $1.key }.map { k in
            ConformResult.KnownCount(name: k.key, count: k.value, reason: mapping.known.first { $0.name == k.key }?.reason ?? "")
        }
        return result
    }
}

/// A step as corpus files and JSON reports hold it: the action and its arguments rendered.
public struct CorpusStep: Codable, Hashable, Sendable {
    public var action: String
    public var args: [String: String]

    init(action: String, args: [String: String]) { self.action = action; self.args = args }

    init(_ step: Step, model: Model) {
        action = step.action
        var out: [String: String] = [:]
        for p in model.action(step.action)?.params ?? [] { out[p.name] = step.args[p.name]?.rendered(as: p.sort) }
        args = out
    }

    /// The step again, its arguments read by their sorts; nil (with why) when it does not fit the model.
    func step(in model: Model) -> Result<Step, ConformReplay.Failure> {
        guard let action = model.action(self.action) else { return .failure(.init("model \(model.name) has no action '\(self.action)'")) }
        var values: [String: Value] = [:]
        for p in action.params {
            guard let text = args[p.name] else { return .failure(.init("'\(self.action)' needs argument '\(p.name)'")) }
            guard let v = Binding.parse(text, p.sort) else { return .failure(.init("'\(text)' is not a \(p.sort) (argument '\(p.name)' of '\(self.action)')")) }
            values[p.name] = v
        }
        return .success(Step(action: action.name, args: values))
    }
}

/// The shrunk divergence of a run.
public struct ConformFinding: Codable, Sendable {
    public var divergence: Divergence
    /// The calls as written in a trace, the deployment first when the model has a constructor.
    public var trace: [String]
    public var steps: [CorpusStep]
    /// Steps of the sequence before shrinking.
    public var originalLength: Int
}

public struct ConformResult: Codable, Sendable {
    public struct KnownCount: Codable, Sendable { public var name: String; public var count: Int; public var reason: String }
    public var spec: String
    public var model: String
    public var target: String
    public var seed: UInt64
    public var sequences = 0
    /// Runs of the implementation (sequences, then shrinking).
    public var runs = 0
    /// Calls on the implementation: deployments, actions and getters.
    public var calls = 0
    public var seconds = 0.0
    /// Until the divergence was found (or the budget spent): the figures speed is read from.
    public var searchSeconds = 0.0
    public var searchCalls = 0
    public var divergence: ConformFinding?
    /// Sequences kept for reaching something new, and how many distinct things were reached.
    public var corpusSize = 0
    public var coverage = 0
    /// Each action with `:ok` when some run completed it, `:revert` when some run reverted it.
    public var actionOutcomes: [String] = []
    public var known: [KnownCount] = []
    public var corpusFile: String?

    init(spec: String, model: String, target: String, seed: UInt64) {
        self.spec = spec; self.model = model; self.target = target; self.seed = seed
    }

    public var verdict: String { divergence == nil ? "conforms" : "diverges" }
    public var callsPerSecond: Double { searchSeconds > 0 ? Double(searchCalls) / searchSeconds : 0 }

    public func text() -> String {
        var out = "titan conform: model \(model) (\(spec)) against \(target)\n"
        out += "  \(sequences) sequence\(sequences == 1 ? "" : "s"), \(calls) calls in \(String(format: "%.1f", seconds)) s"
            + " (\(Int(callsPerSecond)) calls/s), seed \(seed); \(coverage) outcomes reached, \(corpusSize) sequences kept\n"
        for k in known { out += "  known divergence \(k.name) seen \(k.count) time\(k.count == 1 ? "" : "s"): \(k.reason)\n" }
        guard let f = divergence else {
            return out + "CONFORMS: no divergence in \(sequences) sequences\n"
        }
        out += "DIVERGES at " + (f.divergence.step == 0 ? "the deployment" : "step \(f.divergence.step)")
            + " (shrunk from \(f.originalLength) to \(f.steps.count) step\(f.steps.count == 1 ? "" : "s"), found after \(String(format: "%.1f", searchSeconds)) s):\n"
        let offset = f.trace.count - f.steps.count
        for (i, line) in f.trace.enumerated() {
            let n = i - offset + 1
            out += "    " + (n <= 0 ? "deploy: " : "\(n). ") + line + "\n"
            if n == f.divergence.step || (n <= 0 && f.divergence.step == 0) {
                out += "         \(f.divergence.summary)\n"
            }
        }
        if f.divergence.step == 0 && offset == 0 { out += "    deployment: \(f.divergence.summary)\n" }
        if let corpusFile { out += "  written to \(corpusFile) (replay: titan conform \(spec) --model \(model) ... --replay \(corpusFile))\n" }
        return out
    }

    public func json() -> String {
        struct Out: Encodable {
            var tool = "titan conform"
            var verdict: String
            var callsPerSecond: Double
            var result: ConformResult
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Out(verdict: verdict, callsPerSecond: callsPerSecond, result: self))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Shrunk divergences as replayable files: JSON, a header and the steps.
public enum ConformCorpus {
    struct File: Codable {
        var titan_conform = 1
        var spec: String
        var model: String
        var target: String
        /// What a replay must see: `divergence` (the bug is still there) or `agree` (it stays fixed).
        var expect: String
        var found: String
        var seed: UInt64?
        var steps: [CorpusStep]
    }

    public static func write(_ finding: ConformFinding, result: ConformResult, directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = File(spec: result.spec, model: result.model, target: result.target, expect: "divergence",
                        found: finding.divergence.summary, seed: result.seed, steps: finding.steps)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(file)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let path = (directory as NSString).appendingPathComponent("\(result.model)-\(String(hash, radix: 16).prefix(8)).json")
        // Written whole or not at all.
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }
}
