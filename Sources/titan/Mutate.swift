import ArgumentParser
import Foundation
import Synchronization
import TitanReport
import TitanCommandLine
import TitanIR
import TitanMutation
import TitanProver
import TitanSpec

extension Titan {
    struct Mutate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plant one-line bugs in the specs' actions and views, and see which the properties catch.",
            discussion: """
            Each mutant changes one place of an action or view: an arithmetic operator or a comparison, a constant \
            (+1, -1, 0), a boolean, a require (deleted or negated), an assignment (deleted, or a map write moved to \
            another key in scope), an else branch (deleted), an unchecked block (removed), two view arguments \
            (swapped). A mutant that does not type-check, or whose meaning equals the original's, is dropped. \
            Each one runs the scenarios and is simulated briefly, then proved, stopping at the first failure: killed \
            (what the gate would reject: a property violated or vacuous, or an `expect violated` bug proved), survived \
            (every property as in the original), unknown, or error. A model's score is killed / (mutants - equivalent). \
            Survivors that cannot change behaviour are listed with a reason in the --equivalent file, a JSON array \
            of {"id": "...", "reason": "..."} (ids as printed); they are not proved unless --prove-equivalent. Writes mutation.json and index.html ("Spec strength") \
            to --report-dir; `titan verify` shows the latest score of each model next to its proved count.
            Exit codes: 0 done (every model at least --min-score), 1 a model below --min-score, 2 usage or spec error.
            """
        )

        @Argument(help: "Spec files (*.tspec) or directories searched recursively for them.")
        var paths: [String] = ["Specs/kernel", "Specs/systems"]

        @Option(help: "Mutants verified at once (default: the number of cores).")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Verify only shard i of n (1-based, e.g. 2/3) of the mutants, dealt round-robin.")
        var shard: Shard?

        @OptionGroup var bound: BoundOptions
        var depth: Int { bound.depth }

        @Option(help: "Per-query solver timeout in seconds.")
        var timeout: Double = 10

        @Option(help: "Seconds of random simulation per mutant beyond the bound (see titan verify --simulate).")
        var simulate: Double = 0.5

        @Option(help: "A mutant left unknown is verified again with this bound (0: never), so bugs on long protocol paths are found.")
        var deepenDepth: Int = 8

        @Option(help: "Seconds of random simulation in that second verification.")
        var deepenSimulate: Double = 3

        @OptionGroup var proofCache: ProofCacheOptions

        @Option(help: "JSON file of equivalent mutants: [{\"id\": ..., \"reason\": ...}].")
        var equivalent: String = "Specs/equivalent-mutants.json"

        @Flag(help: "Prove the mutants listed as equivalent too (by default their reason stands): one the properties kill is reported killed.")
        var proveEquivalent = false

        @Option(help: "Directory mutation.json and index.html are written to.")
        var reportDir: String = "Reports/mutation"

        @Flag(help: "Do not write a report directory.")
        var noReport = false

        @Option(help: "Exit 1 when some model scores below this percentage.")
        var minScore: Double?

        @Option(help: "Only mutants of these models (repeatable).")
        var model: [String] = []

        func validate() throws {
            guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be between 1 and 256") }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
            guard deepenDepth >= 0, deepenDepth <= 32 else { throw ValidationError("--deepen-depth must be between 0 (off) and 32") }
            guard deepenSimulate >= 0 else { throw ValidationError("--deepen-simulate must not be negative") }
            if let minScore, !(0...100).contains(minScore) { throw ValidationError("--min-score must be a percentage, 0 to 100") }
        }

        func run() throws {
            let files: [SpecFile]
            do { files = try SpecLoader.load(paths: paths) } catch let e as SpecErrors {
                printError(e.description)
                throw ExitCode(2)
            }
            var equivalents = EquivalentMutants()
            if FileManager.default.fileExists(atPath: equivalent) {
                do { equivalents = try EquivalentMutants.load(equivalent) } catch {
                    printError("error: \(equivalent): not a JSON array of {\"id\": ..., \"reason\": ...}: \(error.localizedDescription)")
                    throw ExitCode(2)
                }
            }
            var mutants: [Mutant] = []
            for file in files {
                guard let text = try? String(contentsOfFile: file.path, encoding: .utf8) else { continue }
                do {
                    mutants += try MutantGenerator.mutants(of: text, path: file.path).filter { model.isEmpty || model.contains($0.model) }
                } catch {
                    printError("error: \(file.path): \(error)")
                    throw ExitCode(2)
                }
            }
            if let shard { mutants = mutants.enumerated().filter { $0.offset % shard.count == shard.index - 1 }.map(\.element) }
            let cache = proofCache.cache
            defer { cache?.evict() }
            let runner = MutationRunner(options: ProverOptions(depth: depth, timeoutSeconds: timeout, jobs: 1, cache: cache,
                                                               simulationSeconds: simulate),
                                        equivalent: equivalents,
                                        deepening: deepenDepth > 0 ? (deepenDepth, deepenSimulate) : nil,
                                        proveEquivalent: proveEquivalent)
            printError("titan mutate: \(mutants.count) mutants of \(Set(mutants.map { "\($0.spec):\($0.model)" }).count) models, \(jobs) at once")
            let progress = Progress(total: mutants.count)
            let all = mutants
            let results = parallelMap(all.count, jobs: jobs) { i in
                let r = runner.run(all[i])
                progress.tick(r)
                return r
            }
            let report = MutationReport(toolVersion: Titan.version, specs: files.map(\.path), mutants: results)
            print(MutationText.render(report), terminator: "")
            if !noReport {
                do { try MutationPage.write(report, to: reportDir) } catch {
                    printError("error: could not write \(reportDir): \(error.localizedDescription)")
                    throw ExitCode(2)
                }
                printError("Report: \(reportDir)/index.html, \(reportDir)/mutation.json")
            }
            if let minScore, report.models.contains(where: { $0.score < minScore }) { throw ExitCode(1) }
        }
    }
}

/// One line per mutant on stderr as mutants finish, so a long run shows it is moving.
final class Progress: Sendable {
    let total: Int
    private let done = Mutex(0)
    init(total: Int) { self.total = total }
    func tick(_ r: MutantResult) {
        let n = done.withLock { d -> Int in d += 1; return d }
        printError("[\(n)/\(total)] \(r.outcome.rawValue) \(r.model) \(r.spec):\(r.line) \(r.mutationOperator)"
            + (r.killedBy.map { " by \($0)" } ?? "") + String(format: " (%.2fs)", r.seconds))
    }
}
