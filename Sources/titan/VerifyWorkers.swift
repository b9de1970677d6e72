import Foundation
import Synchronization
import TitanProcess
import TitanIR
import TitanProver
import TitanReport
import TitanVerification

/// `titan verify --jobs N --jobs-in processes` over several models: N worker processes, each the
/// same command on a share of the models with one solver thread, instead of N threads in one
/// process. Models are independent (rules assume only their own model's invariants), so the
/// results are the same. Measured on 2 cores (Reports/bench/scale.md), processes were no faster
/// than threads on cold runs with Z3 5.4.1 and slower on warm ones (each worker starts and
/// parses the specs again), so threads stay the default.
///
/// A worker is the same executable with the same arguments and `TITAN_VERIFY_WORKER` set to its
/// model positions. It prints one JSON line per finished model on stdout and a last line with
/// the certificates it wrote or removed; the parent writes the report. A model no worker
/// reported (a worker that crashed) is verified by the parent itself, so none is ever dropped.
enum VerifyWorkers {
    static let environmentKey = "TITAN_VERIFY_WORKER"

    /// The workers started and not yet reaped, so that an interrupt can stop them.
    static let running = Mutex<[ChildProcess]>([])

    /// Asks every worker still running to stop (SIGTERM): they are in titan's process group, so
    /// an interrupt from the terminal reaches them too.
    static func terminateAll() {
        running.withLock { workers in
            for w in workers { w.send(SIGTERM) }
        }
    }

    struct ModelLine: Codable {
        var position: Int
        var results: [PropertyResult]
    }

    struct FinalLine: Codable {
        var written: [String]
        var removed: [String]
        var writeErrors: [String]
    }

    /// The model positions this process is a worker for, when it is one.
    static var assignedModels: Set<Int>? {
        guard let value = ProcessInfo.processInfo.environment[environmentKey] else { return nil }
        return Set(value.split(separator: ",").compactMap { Int($0) })
    }

    /// Deals models to `count` workers, the largest first to the least loaded (longest
    /// processing time first), by an estimate of each model's work: its properties times its actions.
    static func partition(_ specs: [SpecFile], into count: Int) -> [[Int]] {
        let models = specs.flatMap(\.models)
        let costs = models.map { max(1, $0.properties.count) * max(1, $0.actions.count) + 1 }
        var bins = Array(repeating: [Int](), count: count)
        var load = Array(repeating: 0, count: count)
        for i in models.indices.sorted(by: { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }) {
            let w = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            bins[w].append(i)
            load[w] += costs[i]
        }
        return bins.filter { !$0.isEmpty }.map { $0.sorted() }
    }

    /// Runs the workers and joins what they report into one outcome, in model order.
    static func run(_ specs: [SpecFile], workers: [[Int]], threadsEach: Int, verification: Verification,
                    onModelDone: @escaping ([PropertyResult], Int) -> Void) -> Verification.Outcome {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let arguments = Array(CommandLine.arguments.dropFirst()) + ["--jobs", String(threadsEach)]
        /// `@unchecked Sendable`: its properties are read and written only under `lock`.
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var byPosition: [Int: [PropertyResult]] = [:]
            var finals: [FinalLine] = []
        }
        let collected = Collected()
        let group = DispatchGroup()
        for models in workers {
            var environment = ProcessInfo.processInfo.environment
            environment[environmentKey] = models.map(String.init).joined(separator: ",")
            let worker: ChildProcess
            do {
                worker = try ChildProcess([executable] + arguments, environment: environment, stdinIsNull: true, errors: .inherited, group: .inherited)
            } catch {
                continue  // its models are verified here, as a crashed worker's are
            }
            running.withLock { $0.append(worker) }
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let handle = FileHandle(fileDescriptor: worker.stdoutFD, closeOnDealloc: false)
                var buffer = Data()
                func take(_ line: Data) {
                    let decoder = JSONDecoder()
                    if let m = try? decoder.decode(ModelLine.self, from: line) {
                        collected.lock.lock(); collected.byPosition[m.position] = m.results; collected.lock.unlock()
                        onModelDone(m.results, m.position)
                    } else if let f = try? decoder.decode(FinalLine.self, from: line) {
                        collected.lock.lock(); collected.finals.append(f); collected.lock.unlock()
                    }
                }
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        take(buffer[buffer.startIndex..<newline])
                        buffer = Data(buffer[buffer.index(after: newline)...])
                    }
                }
                if !buffer.isEmpty { take(buffer) }
                // Out of the list before it is reaped, so that an interrupt never signals a pid reused since.
                running.withLock { $0.removeAll { $0 === worker } }
                worker.finish()
            }
        }
        group.wait()

        var outcome = Verification.Outcome(results: [])
        let total = specs.reduce(0) { $0 + $1.models.count }
        let missing = Set((0..<total).filter { collected.byPosition[$0] == nil })
        var rest: [Int: [PropertyResult]] = [:]
        if !missing.isEmpty {
            // A worker that died took its models with it: verify them here.
            var again = verification
            again.models = missing
            again.onModelDone = { results, position in rest[position] = results; onModelDone(results, position) }
            let own = again.run(specs)
            outcome.written += own.written; outcome.removed += own.removed; outcome.writeErrors += own.writeErrors
        }
        for position in 0..<total {
            outcome.results += collected.byPosition[position] ?? rest[position] ?? []
        }
        for f in collected.finals {
            outcome.written += f.written; outcome.removed += f.removed; outcome.writeErrors += f.writeErrors
        }
        return outcome
    }

    /// A worker's side: verify the assigned models, one JSON line on stdout per model as it is
    /// done, then the certificates line.
    static func work(_ specs: [SpecFile], models: Set<Int>, verification: Verification) {
        var verification = verification
        verification.models = models
        let encoder = JSONEncoder()
        let out = FileHandle.standardOutput
        verification.onModelDone = { results, position in
            if let data = try? encoder.encode(ModelLine(position: position, results: results)) {
                out.write(data + Data("\n".utf8))
            }
        }
        let outcome = verification.run(specs)
        if let data = try? encoder.encode(FinalLine(written: outcome.written, removed: outcome.removed, writeErrors: outcome.writeErrors)) {
            out.write(data + Data("\n".utf8))
        }
    }
}
