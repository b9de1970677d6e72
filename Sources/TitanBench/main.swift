// The benchmark table: the reference interpreter, each backend, the external-process path, a
// fuzz campaign, and the prover (time per property cold and cached, the kernel suite at 1 and
// 2 jobs). Run from the package root:
//     swift run -c release titan-bench [SECONDS_PER_ROW] [reference | external] [--json FILE]
// `reference` and `external` run that row alone (for profiling).
// `scripts/bench-compare` compares a --json run against the baseline in Reports/bench/.
import Foundation
import TitanBackends
import TitanFuzz
import TitanIR
import TitanProver
import TitanRegistry
import TitanSpec

let arguments = Array(CommandLine.arguments.dropFirst())

/// `titan-bench null-backend`: a child that answers every request of the external protocol
/// at once without doing anything (storage always absent, amounts zero). Run as the external
/// backend it leaves only the pipe and the fuzzer's side to measure.
func nullBackend() -> Never {
    var input = [UInt8](repeating: 0, count: 1 << 16)
    var pending: [UInt8] = []
    var output: [UInt8] = []
    func field(_ line: ArraySlice<UInt8>, _ name: String) -> ArraySlice<UInt8>? {
        let key = Array("\"\(name)\":".utf8)
        guard let r = line.firstRange(of: key) else { return nil }
        var end = r.upperBound
        if end < line.endIndex, line[end] == 34 {
            end += 1
            let start = end
            while end < line.endIndex, line[end] != 34 { end += 1 }
            return line[start..<end]
        }
        let start = end
        while end < line.endIndex, line[end] >= 48, line[end] <= 57 { end += 1 }
        return line[start..<end]
    }
    while true {
        let n = input.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n <= 0 { exit(0) }
        pending += input[0..<n]
        var start = 0
        while let nl = pending[start...].firstIndex(of: 10) {
            let line = pending[start..<nl]
            start = nl + 1
            let id = field(line, "id") ?? []
            let op = String(decoding: field(line, "op") ?? [], as: UTF8.self)
            output += Array("{\"id\":".utf8) + id
            switch op {
            case "storage_read", "storage_delete": output += Array(",\"ret\":-1}\n".utf8)
            case "balance", "total_supply": output += Array(",\"ret\":0,\"amount\":\"0\"}\n".utf8)
            default: output += Array(",\"ret\":0}\n".utf8)
            }
        }
        pending.removeSubrange(..<start)
        var written = 0
        while written < output.count {
            let w = output[written...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if w <= 0 { exit(1) }
            written += w
        }
        output.removeAll(keepingCapacity: true)
    }
}
if arguments.first == "null-backend" { nullBackend() }
let secondsPerRow = arguments.first.flatMap(Double.init) ?? 2.0
let referenceOnly = arguments.contains("reference")
let externalOnly = arguments.contains("external")
let jsonPath: String? = arguments.firstIndex(of: "--json").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }

func cpuSeconds(_ who: __rusage_who) -> Double {
    var u = rusage()
    getrusage(who.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// One figure: higher is better for rates, lower for times.
struct Row: Codable {
    var name: String
    var value: Double
    var unit: String
    var higherIsBetter: Bool
    var note: String?
}
var rows: [Row] = []

func fmt(_ x: Double) -> String {
    x >= 1e6 ? String(format: "%.2f M", x / 1e6) : x >= 1e3 ? String(format: "%.1f k", x / 1e3) : String(format: "%.2f", x)
}

func record(_ name: String, _ value: Double, _ unit: String, higherIsBetter: Bool = true, note: String? = nil) {
    rows.append(Row(name: name, value: value, unit: unit, higherIsBetter: higherIsBetter, note: note))
    let suffix: String = note.map { (n: String) -> String in "; " + n } ?? ""
    print("| \(name) | \(fmt(value)) \(unit)\(suffix) |")
    fflush(stdout)
}

func finish() -> Never {
    if let jsonPath {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try? enc.encode(rows).write(to: URL(fileURLWithPath: jsonPath))
    }
    exit(0)
}

let kernel = try SpecLoader.load(paths: ["Specs/kernel"])
let models = kernel.flatMap(\.models)
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

print("| what | figure |")
print("| --- | --- |")
if !externalOnly { record("reference interpreter (VSS + Ledger specs)", measure {
    for s in sequences {
        reference.reset()
        for op in s { _ = reference.perform(op) }
    }
}, "ops/s") }
if referenceOnly { finish() }

for name in BuiltinBackends.names where !externalOnly {
    let b = BuiltinBackends.make(name)!
    record("backend \(name)", try measure { for s in sequences { _ = try b.performAll(s) } }, "ops/s")
}

// The external path, requests of each sequence pipelined: the example backend, then a child
// that answers without doing anything, which leaves the pipe and our side alone.
var childCPUSoFar = 0.0
func external(_ title: String, _ command: String) throws {
    let ext = ExternalProcessBackend(command: command, timeout: 10)
    let parentBefore = cpuSeconds(RUSAGE_SELF)
    var extOps = 0
    let extStart = Date()
    repeat {
        for s in sequences.prefix(500) { _ = try ext.performAll(s); extOps += s.count + 1 }
    } while Date().timeIntervalSince(extStart) < secondsPerRow
    let extElapsed = Date().timeIntervalSince(extStart)
    let parentCPU = cpuSeconds(RUSAGE_SELF) - parentBefore
    ext.stop()
    let childCPU = cpuSeconds(RUSAGE_CHILDREN) - childCPUSoFar
    childCPUSoFar += childCPU
    record(title, Double(extOps) / extElapsed, "ops/s",
           note: String(format: "our CPU %.1f µs/op, the child's %.1f µs/op", parentCPU / Double(extOps) * 1e6, childCPU / Double(extOps) * 1e6))
}
try external("external process (python3 example backend)", "python3 examples/backend/titan_backend.py")
try external("external process (null backend: the pipe and our side alone)", "'\(CommandLine.arguments[0])' null-backend")
if externalOnly { finish() }

// A campaign: generation, reference, all built-in backends, comparison, shrinking of known divergences.
var options = Campaign.Options()
options.seed = 1
options.timeLimit = secondsPerRow * 2
let campaign = try Campaign(reference: reference, backends: BuiltinBackends.names.map { BuiltinBackends.make($0)! }, options: options).run()
record("fuzz campaign, all \(BuiltinBackends.names.count) built-in backends", campaign.sequencesPerSecond, "sequences/s",
       note: "\(fmt(campaign.operationsPerSecond)) backend ops/s")

// The prover over the kernel specs: wall time of the whole suite, cold (no cache) at 1 and 2
// jobs, then warm from a proof cache filled by the cold run.
func suite(jobs: Int, cache: ProofCache?) -> (seconds: Double, properties: Int) {
    let start = Date()
    var properties = 0
    for spec in kernel {
        for model in spec.models {
            properties += Prover(model: model, specPath: spec.path, options: ProverOptions(jobs: jobs, cache: cache),
                                 source: Prover.source(of: model, in: spec)).verify().count
        }
    }
    return (Date().timeIntervalSince(start), properties)
}
let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("titan-bench-cache-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: cacheDir) }
let one = suite(jobs: 1, cache: nil)
let two = suite(jobs: 2, cache: ProofCache(directory: cacheDir))
let warm = suite(jobs: 2, cache: ProofCache(directory: cacheDir))
record("kernel suite, cold, 1 job", one.seconds, "s", higherIsBetter: false, note: "\(one.properties) properties")
record("kernel suite, cold, 2 jobs", two.seconds, "s", higherIsBetter: false,
       note: String(format: "speed-up %.2fx over 1 job", one.seconds / two.seconds))
record("kernel suite, cached, 2 jobs", warm.seconds, "s", higherIsBetter: false)
record("time per property, cold", one.seconds / Double(one.properties) * 1000, "ms", higherIsBetter: false)
record("time per property, cached", warm.seconds / Double(warm.properties) * 1000, "ms", higherIsBetter: false)

// Registry: publish with re-check of the ledger package (12 claimed properties) into an embedded
// store: signature and hash checks, the registry's own proofs, one transaction.
let work = FileManager.default.temporaryDirectory.appendingPathComponent("titan-bench-registry-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: work) }
let package = work.appendingPathComponent("ledger")
try FileManager.default.createDirectory(at: package.appendingPathComponent("specs"), withIntermediateDirectories: true)
try FileManager.default.copyItem(atPath: "Specs/kernel/ledger.tspec", toPath: package.appendingPathComponent("specs/ledger.tspec").path)
let discovered = try Manifest.discoverSpecs(in: package)
let key = PublisherKey()
let registry = LocalRegistry(store: try RegistryStore(path: work.appendingPathComponent("registry.sqlite").path),
                             recheck: Recheck(jobs: 1))
var publishSeconds: [Double] = []
for patch in 0..<3 {
    try Manifest.template(name: "ledger", specs: discovered.specs, properties: discovered.properties)
        .replacingOccurrences(of: "version = \"0.1.0\"", with: "version = \"0.1.\(patch)\"")
        .write(to: package.appendingPathComponent(Manifest.fileName), atomically: true, encoding: .utf8)
    var (bundle, _) = try PackageBundle.pack(directory: package)
    bundle.signature = try key.sign(PackageBundle.signedMessage(digest: bundle.digest))
    let data = try bundle.encoded()
    let start = Date()
    _ = try await registry.publish(data)
    publishSeconds.append(Date().timeIntervalSince(start))
}
record("registry publish with re-check (ledger, 12 properties)", publishSeconds.sorted()[1], "s", higherIsBetter: false,
       note: "median of 3, embedded store, 1 job")
finish()
