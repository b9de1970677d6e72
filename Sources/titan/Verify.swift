import ArgumentParser
import Foundation
import Synchronization
import TitanCommandLine
import TitanIR
import TitanMutation
import TitanProver
import TitanReport
import TitanVerification
import TitanSpec
import TitanSuggest

enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

/// Where `titan verify --jobs` runs its work (see `VerifyWorkers`).
enum JobsMode: String, ExpressibleByArgument, CaseIterable { case threads, processes }

/// `i/n`: the i-th of n shards, 1-based.
struct Shard: ExpressibleByArgument {
    var index: Int
    var count: Int
    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
        index = i
        count = n
    }
}

extension ExternalSolver.Kind: ExpressibleByArgument {}

/// Prints to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension Titan {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove or refute every invariant and rule in the given spec files.",
            discussion: """
            Invariants are tried by induction first (base case, then one step of each action); those that are not inductive are searched for a violation by bounded model checking from the initial state up to --depth actions. Rules are checked for one action from any state satisfying the proved invariants, then searched for a reachable violation. A violation is reported only after the concrete interpreter has replayed it.

            A report (report.json, index.html and a page per property, junit.xml, report.sarif, summary.txt) is written to --report-dir.

            Proof certificates: --write-proofs writes one per proved property under --proofs-dir; --check-proofs accepts a model's certificates without solving when the spec text, tool and solver versions and every query text still match, and re-proves the whole model otherwise.

            Exit codes: 0 all proved, 1 something violated or vacuous, 2 usage, spec or file-writing error, 3 something unknown and nothing violated (0 with --allow-unknown), 4 internal error, 5 the --cross-check solver disagreed with z3.
            """
        )

        @Argument(help: "Spec files (*.tspec) or directories searched recursively for them.")
        var paths: [String] = ["Specs/kernel", "Specs/systems"]

        @OptionGroup var bound: BoundOptions
        var depth: Int { bound.depth }

        @Option(help: "Per-query solver timeout in seconds; a query that times out is unknown, never proved.")
        var timeout: Double = 30

        @Option(help: "The titan mutate report whose scores the report shows next to each model's proved count (default Reports/mutation/mutation.json, when it exists).")
        var mutationReport: String?

        @Option(help: "Seconds of random simulation per model that search for violations deeper than --depth: open invariants first, then the open rules share what is left (at least a quarter). 0 turns it off. A violation found is replayed and shrunk.")
        var simulate: Double = 5

        @Option(name: .customLong("k-induction"), help: "Largest k tried by k-induction on invariants that are not inductive but have no violation within --depth (1 turns it off).")
        var kInduction: Int = 3

        @Option(help: "Queries solved at once, each in its own Z3 context (default: the number of cores). Results do not depend on it.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Where --jobs runs its work: threads (one process; the default, fastest measured here), or processes (with several models, that many worker processes share the models, one thread each).")
        var jobsIn: JobsMode = .threads

        @Option(help: "Verify only shard i of n (1-based, e.g. 2/3): models are dealt round-robin in spec order, so shards of one run never overlap and together cover everything; join their reports with `titan report merge`.")
        var shard: Shard?

        @OptionGroup var proofCache: ProofCacheOptions

        @Option(help: "Output on stdout: text or json.")
        var format: OutputFormat = .text

        @Option(name: .customLong("emit-smt2"), help: "Write every solver query as a standalone SMT-LIB2 file into this directory.")
        var emitSMT2: String?

        @Option(help: "Directory the report is written to (replaced as a whole).")
        var reportDir: String = "Reports/latest"

        @Flag(help: "Do not write a report directory.")
        var noReport = false

        @Option(help: "Print only these properties (repeatable); the models that hold them are checked whole, since rules rely on invariants, and other models are skipped.")
        var property: [String] = []

        @Flag(help: "Write a proof certificate for every proved property into --proofs-dir (and remove those of properties no longer proved).")
        var writeProofs = false

        @Flag(help: "Accept fresh certificates from --proofs-dir without solving; re-prove models with stale or missing ones.")
        var checkProofs = false

        @Option(help: "Directory of proof certificates.")
        var proofsDir: String = "Proofs"

        @Option(name: .customLong("cross-check"), help: "Re-run every query in this second solver (cvc5) and fail with exit 5 if it disagrees with z3.")
        var crossCheck: ExternalSolver.Kind?

        @Flag(inversion: .prefixedNo, help: "Progress on stderr: each model begun, each property settled with its method and time (default: when stderr is a terminal).")
        var progress: Bool?

        @Flag(help: "Concise output for CI logs: the counts, then one line per property that did not pass.")
        var ci = false

        @Flag(help: "Unknown properties (and cross-checks the second solver could not decide) do not fail the run.")
        var allowUnknown = false

        @Flag(help: "For each invariant or rule left unknown, mine candidate helper invariants from the states simulation reaches, keep those induction proves, and print the smallest set with which the property is proved, as lines to paste into the model.")
        var suggest = false

        @Option(name: .customLong("pdr"), help: "Seconds Z3's Spacer engine (PDR) may spend on each invariant left unknown. The inductive invariant it finds is translated into spec syntax and checked again by induction with the property; proved that way, the property is reported with method pdr and the helper invariants that made the proof. 0 turns it off.")
        var pdrSeconds: Double = 10

        @Flag(help: "Keep running: poll the spec files every 0.5 s and re-verify the models whose text changed, showing changed verdicts first. Ctrl-C exits 0.")
        var watch = false

        func validate() throws {
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
            guard simulate >= 0 && simulate <= 3600 else { throw ValidationError("--simulate must be between 0 and 3600 seconds") }
            guard kInduction >= 1 && kInduction <= 16 else { throw ValidationError("--k-induction must be between 1 and 16") }
            guard pdrSeconds >= 0 && pdrSeconds <= 3600 else { throw ValidationError("--pdr must be between 0 and 3600 seconds") }
            guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be between 1 and 256") }
            if ci && format == .json { throw ValidationError("--ci and --format json cannot be combined") }
            if watch && (format == .json || ci || shard != nil || jobsIn == .processes || writeProofs || checkProofs || !property.isEmpty) {
                throw ValidationError("--watch cannot be combined with --format json, --ci, --shard, --jobs-in processes, --write-proofs, --check-proofs or --property")
            }
        }

        /// The latest mutation scores of the models in this run, matched by spec path and model.
        func specStrength(for report: Report) -> [Report.SpecStrength]? {
            let path = mutationReport ?? "Reports/mutation/mutation.json"
            guard let data = FileManager.default.contents(atPath: path),
                  let mutation = try? JSONDecoder().decode(MutationReport.self, from: data) else {
                if mutationReport != nil { printError("warning: \(path) is not a titan mutate report; no spec strength shown") }
                return nil
            }
            let models = Set(report.results.map { "\($0.spec)\u{1F}\($0.model)" })
            let scores = mutation.models.filter { models.contains("\($0.spec)\u{1F}\($0.model)") }.map {
                Report.SpecStrength(spec: $0.spec, model: $0.model, score: $0.score, killed: $0.killed,
                                    counted: $0.mutants - $0.equivalent, date: mutation.date)
            }
            return scores.isEmpty ? nil : scores
        }

        /// The verification this command's options describe, and its proof cache (nil with --no-cache).
        func makeVerification() throws -> (Verification, ProofCache?) {
            let cache = proofCache.cache
            var verification = Verification(
                options: ProverOptions(depth: depth, timeoutSeconds: timeout, emitDirectory: emitSMT2, jobs: jobs, cache: cache,
                                       simulationSeconds: simulate, maxInductionDepth: kInduction),
                toolVersion: Titan.version)
            verification.shard = shard.map { ($0.index, $0.count) }
            // For benchmarks: bounded model checking on one incremental solver (Reports/bench/bmc.md).
            verification.options.incrementalBMC = ProcessInfo.processInfo.environment["TITAN_BMC_INCREMENTAL"] == "1"
            if progress ?? (isatty(2) != 0) {
                let start = Date()
                verification.options.progress = { line in printError(String(format: "%7.1fs  ", Date().timeIntervalSince(start)) + line) }
            }
            if writeProofs || checkProofs { verification.proofs = ProofStore(directory: proofsDir) }
            verification.writeProofs = writeProofs
            verification.checkProofs = checkProofs
            if let kind = crossCheck {
                do {
                    verification.crossCheck = try ExternalSolver.locate(kind)
                } catch {
                    printError("error: --cross-check: \(error)")
                    throw ExitCode(2)
                }
            }
            return (verification, cache)
        }

        func run() throws {
            if watch { try watchLoop() }
            let wall = ContinuousClock.now
            var phases = PhaseTimes()
            let specs = try loadSpecs(&phases)
            let worker = VerifyWorkers.assignedModels
            let made = try makeVerification()
            var verification = made.0
            let cache = made.1
            // Only a process that added entries (after misses) can have pushed the cache over its bound.
            defer { if let cache, cache.misses > 0 { cache.evict() } }
            let selected = selectedModels(specs)
            if let worker {
                VerifyWorkers.work(selected, models: worker, verification: verification)
                return
            }
            // Ctrl-C keeps what is finished: the models done so far are written as the report.
            let finished = FinishedResults()
            verification.onModelDone = { results, _ in finished.append(results) }
            let interrupt = interruptHandler(finished)
            defer { interrupt.cancel() }
            let positions = selected.reduce(0) { $0 + $1.models.count }
            let outcome: Verification.Outcome
            let proving = ContinuousClock.now
            if jobs > 1, shard == nil, positions >= 2, jobsIn == .processes {
                let workers = VerifyWorkers.partition(selected, into: min(jobs, positions))
                outcome = VerifyWorkers.run(selected, workers: workers, threadsEach: max(1, jobs / workers.count),
                                            verification: verification, onModelDone: { results, _ in finished.append(results) })
            } else {
                outcome = verification.run(selected)
            }
            // Worker processes report results only: their time is one phase.
            if outcome.phases.phases.isEmpty { phases.add("proving", (ContinuousClock.now - proving).seconds) } else { phases.add(outcome.phases) }
            var results = outcome.results
            if !property.isEmpty { results = results.filter { property.contains($0.property) } }
            if pdrSeconds > 0 { results = phases.measure("pdr") { withPDR(results, specs: selected, options: verification.options) } }
            if suggest { results = phases.measure("suggestions") { withSuggestions(results, specs: selected, options: verification.options) } }
            var report = Report(toolVersion: Titan.version, options: verification.reportOptions,
                                specs: specs.map(\.path), results: results)
            report.specStrength = specStrength(for: report)
            // Files first, so that the summary can say whether they were written.
            var writeErrors = outcome.writeErrors.map { "error: proof certificate: \($0)" }
            let reporting = ContinuousClock.now
            if !noReport {
                do {
                    // report.json carries the time up to here; the summary adds writing it.
                    report.timing = Report.Timing(wallSeconds: (ContinuousClock.now - wall).seconds, phases: phases)
                    try report.write(to: reportDir)
                } catch {
                    writeErrors.append("error: report: \(error)")
                }
            }
            phases.add("reports", (ContinuousClock.now - reporting).seconds)
            report.timing = Report.Timing(wallSeconds: (ContinuousClock.now - wall).seconds, phases: phases)
            let code: Int32 = writeErrors.isEmpty ? report.exitCode(allowUnknown: allowUnknown) : 2

            try printSummary(report, outcome, exitCode: code, wroteEverything: writeErrors.isEmpty)
            writeErrors.forEach(printError)
            throw ExitCode(code)
        }

        /// The specs the paths name, parsed and checked, with their warnings printed; a spec error,
        /// no spec, or a `--property` no spec declares is exit 2 before anything is proved.
        func loadSpecs(_ phases: inout PhaseTimes) throws -> [SpecFile] {
            let specs: [SpecFile]
            do {
                specs = try phases.measure("parsing") { try SpecLoader.load(paths: paths) }
            } catch let e as SpecErrors {
                printError(e.description)
                throw ExitCode(2)
        }
        if specs.isEmpty {
            printError("error: no .tspec files under \(paths.joined(separator: ", "))")
            throw ExitCode(2)
        }
        for warning in specs.flatMap(\.warnings) { printError(warning) }
        // Checked before anything is proved or written.
        // Scenarios are reported like properties, and named like them.
        let declared = Set(specs.flatMap { $0.models.flatMap { $0.properties.map(\.name) + $0.scenarios.map(\.name) } })
        let undeclared = property.filter { !declared.contains($0) }
        if !undeclared.isEmpty {
            printError("error: no property named \(undeclared.joined(separator: ", "))")
            throw ExitCode(2)
        }
            return specs
        }

        /// With `--property`, only the models that hold a named property (their invariants come along).
        func selectedModels(_ specs: [SpecFile]) -> [SpecFile] {
            guard !property.isEmpty else { return specs }
            return specs.map { file in
                var f = file
                f.models = file.models.filter { m in
                    m.properties.contains { property.contains($0.name) } || m.scenarios.contains { property.contains($0.name) }
                }
                return f
            }.filter { !$0.models.isEmpty }
        }

        /// The summary in the chosen format, and the notes on certificates, suggestions and the report.
        func printSummary(_ report: Report, _ outcome: Verification.Outcome, exitCode code: Int32, wroteEverything: Bool) throws {
            // Side notes go to stderr when stdout carries JSON.
            let note: (String) -> Void = format == .json ? printError : { print($0) }
            switch (format, ci) {
            case (_, true):
                if checkProofs { note(certificateSummary(report.results)) }
                print(CIRenderer(allowUnknown: allowUnknown).render(report, exitCode: code), terminator: "")
            case (.text, false):
                print(TextRenderer(color: isatty(1) != 0).render(report), terminator: "")
            case (.json, false):
                print(String(decoding: try report.json(), as: UTF8.self))
            }
            if checkProofs && !ci { note(certificateSummary(report.results)) }
            if writeProofs && !ci {
                note("Proof certificates: \(outcome.written.count) written, \(outcome.removed.count) removed (\(proofsDir))")
            }
            if suggest { note(suggestionSummary(report.results)) }
            if !noReport && wroteEverything && format == .text && !ci {
                print("Report written to \(reportDir)/index.html (and report.json, junit.xml, report.sarif)")
            }
        }

        /// The results with helpers found for each unknown invariant (`InvariantSuggestion`).
        func withSuggestions(_ results: [PropertyResult], specs: [SpecFile], options: ProverOptions) -> [PropertyResult] {
            var results = results
            for file in specs {
                guard let text = try? String(contentsOfFile: file.path, encoding: .utf8) else { continue }
                for model in file.models {
                    let open = results.filter { $0.spec == file.path && $0.model == model.name && Self.mayNeedHelpers($0) }
                    if open.isEmpty { continue }
                    if progress ?? (isatty(2) != 0) { printError("suggest: mining helpers for \(open.count) unknown invariant(s) and rule(s) of \(model.name)") }
                    let found = InvariantSuggestion(model: model, specText: text, specPath: file.path, options: options)
                        .suggest(for: open.map(\.property))
                    for (i, r) in results.enumerated() where r.spec == file.path && r.model == model.name {
                        if let helpers = found[r.property] { results[i].suggestedHelpers = helpers.map(\.line) }
                    }
                }
            }
            return results
        }

        /// The results with each unknown invariant that PDR proves (with helpers, checked again by
        /// induction) marked proved by method pdr.
        func withPDR(_ results: [PropertyResult], specs: [SpecFile], options: ProverOptions) -> [PropertyResult] {
            var results = results
            for file in specs {
                for model in file.models {
                    let mine = results.indices.filter { results[$0].spec == file.path }
                    let open = PDRProof.candidates(in: mine.map { results[$0] }, model: model)
                    if open.isEmpty { continue }
                    guard let text = try? String(contentsOfFile: file.path, encoding: .utf8) else { continue }
                    if progress ?? (isatty(2) != 0) { printError("pdr: Spacer on \(open.count) unknown invariant(s) of \(model.name), up to \(pdrSeconds) s each") }
                    let updated = PDRProof.apply(to: mine.map { results[$0] }, model: model, specText: text, specPath: file.path,
                                                 options: options, secondsEach: pdrSeconds)
                    for (i, r) in zip(mine, updated) { results[i] = r }
                }
            }
            return results
        }

        /// An invariant or rule left unknown: what --suggest looks for helpers for.
        static func mayNeedHelpers(_ r: PropertyResult) -> Bool {
            (r.kind == "invariant" || r.kind == "rule") && r.status == .unknown
        }

        /// What --suggest found, as lines to paste.
        func suggestionSummary(_ results: [PropertyResult]) -> String {
            let open = results.filter(Self.mayNeedHelpers)
            if open.isEmpty { return "\nSuggested helpers (--suggest): no invariant or rule is unknown." }
            var out = "\nSuggested helpers (--suggest): with these invariants added to the model, the property is proved."
            for r in open {
                out += "\n  \(r.model).\(r.property) (\(r.spec):\(r.line))"
                if let helpers = r.suggestedHelpers {
                    out += helpers.map { "\n    " + $0 }.joined()
                } else {
                    out += "\n    no helper found among the mined candidates"
                }
            }
            return out
        }

        /// Which certificates were fresh and which properties were solved again, and why.
        func certificateSummary(_ results: [PropertyResult]) -> String {
            let fresh = results.filter { $0.certificate?.state == .fresh }
            let reproved = results.filter { $0.certificate?.state == .reproved }
            var out = "Proof certificates (\(proofsDir)): \(fresh.count) fresh, \(reproved.count) re-proved"
            for r in fresh where !ci { out += "\n  fresh      \(r.model).\(r.property)  (\(r.spec))" }
            for r in reproved {
                out += "\n  re-proved  \(r.model).\(r.property)  (\(r.spec)): \(r.certificate?.reason ?? "")"
            }
            return out
        }
    }
}

/// Results of the models finished so far, shared with the interrupt handler.
final class FinishedResults: Sendable {
    private let results = Mutex<[PropertyResult]>([])
    func append(_ rs: [PropertyResult]) { results.withLock { $0 += rs } }
    var all: [PropertyResult] { results.withLock { $0 } }
}

extension Titan.Verify {
    /// On SIGINT or SIGTERM: write the report of the models finished so far (never a mix with an
    /// older report: the directory is replaced whole), say so, and exit 130.
    func interruptHandler(_ finished: FinishedResults) -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let reportDir = self.reportDir, noReport = self.noReport, paths = self.paths
        let options = Report.Options(depth: depth, timeoutSeconds: timeout)
        source.setEventHandler {
            VerifyWorkers.terminateAll()
            let results = finished.all
            var message = "titan verify: interrupted; \(results.count) results of the models finished so far"
            if !noReport {
                let report = Report(toolVersion: Titan.version, options: options, specs: Array(Set(results.map(\.spec))).sorted(), results: results)
                do {
                    try report.write(to: reportDir)
                    message += " written to \(reportDir)"
                } catch {
                    message += " could not be written: \(error)"
                }
            }
            printError(message + " (\(paths.joined(separator: " ")))")
            Foundation.exit(130)
        }
        source.resume()
        return source
    }
}
