// Throughput of the reference interpreter, each backend, the external-process path and a
// whole fuzz campaign. Run from the package root:
//     swift run -c release titan-bench [SECONDS_PER_ROW]
import Foundation
import TitanBackends
import TitanFuzz
import TitanSpec

let secondsPerRow = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2.0

func cpuSeconds(_ who: __rusage_who) -> Double {
    var u = rusage()
    getrusage(who.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

let models = try SpecLoader.load(paths: ["Specs/kernel"]).flatMap(\.models)
let reference = try ReferenceModel(vss: models.first { $0.name == "VSS" }!, ledger: models.first { $0.name == "Ledger" }!)
var generator = SequenceGenerator(seed: 1)
let sequences = (0..<2000).map { _ in generator.next() }
let opsPerPass = sequences.reduce(0) { $0 + $1.count }

/// Repeats passes over the sequences for about `secondsPerRow` of this process's CPU time;
/// returns operations per CPU second (one core), which other load on the machine barely moves.
func measure(_ pass: () throws -> Void) rethrows -> Double {
    var ops = 0
    let start = cpuSeconds(RUSAGE_SELF)
    repeat { try pass(); ops += opsPerPass } while cpuSeconds(RUSAGE_SELF) - start < secondsPerRow
    return Double(ops) / (cpuSeconds(RUSAGE_SELF) - start)
}

func fmt(_ x: Double) -> String {
    x >= 1e6 ? String(format: "%.2f M", x / 1e6) : x >= 1e3 ? String(format: "%.1f k", x / 1e3) : String(format: "%.0f", x)
}

print("| what | throughput |")
print("| --- | --- |")
let refRate = measure {
    for s in sequences {
        reference.reset()
        for op in s { _ = reference.perform(op) }
    }
}
print("| reference interpreter (VSS + Ledger specs) | \(fmt(refRate)) ops/s |")
// `titan-bench SECONDS reference` stops here (for profiling the interpreter alone).
if CommandLine.arguments.dropFirst(2).first == "reference" { exit(0) }

for name in BuiltinBackends.names {
    let b = BuiltinBackends.make(name)!
    let rate = try measure { for s in sequences { _ = try b.performAll(s) } }
    print("| backend \(name) | \(fmt(rate)) ops/s |")
}

// The external path: the example backend, requests of each sequence pipelined.
let ext = ExternalProcessBackend(command: "python3 examples/backend/titan_backend.py", timeout: 10)
let parentBefore = cpuSeconds(RUSAGE_SELF)
var extOps = 0
let extStart = Date()
repeat {
    for s in sequences.prefix(500) { _ = try ext.performAll(s); extOps += s.count + 1 }
} while Date().timeIntervalSince(extStart) < secondsPerRow
let extElapsed = Date().timeIntervalSince(extStart)
let parentCPU = cpuSeconds(RUSAGE_SELF) - parentBefore
ext.stop()
let childCPU = cpuSeconds(RUSAGE_CHILDREN)
print("| external process (python3 example backend) | \(fmt(Double(extOps) / extElapsed)) ops/s; our CPU \(String(format: "%.1f", parentCPU / Double(extOps) * 1e6)) µs/op, the child's \(String(format: "%.1f", childCPU / Double(extOps) * 1e6)) µs/op |")

// A campaign: generation, reference, all built-in backends, comparison, shrinking of known divergences.
var options = Campaign.Options()
options.seed = 1
options.timeLimit = secondsPerRow * 2
let report = try Campaign(reference: reference, backends: BuiltinBackends.names.map { BuiltinBackends.make($0)! }, options: options).run()
print("| fuzz campaign, all \(BuiltinBackends.names.count) built-in backends | \(String(format: "%.0f", report.sequencesPerSecond)) sequences/s (\(fmt(report.operationsPerSecond)) backend ops/s) |")
