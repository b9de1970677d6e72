import ArgumentParser
import Foundation
import TitanReport
import TitanBackends
import TitanFuzz
import TitanIR
import TitanSpec
import TitanWasm

extension Titan {
    struct Fuzz: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fuzz chain backends differentially against the reference model (the interpreter running the kernel specs).",
            discussion: """
            Every generated sequence runs on the reference (VSS and Ledger from --specs) and on each backend; every step's result is compared. A difference that is a documented property of the chain is a known divergence and is reported; any other difference is shrunk to a minimal trace, printed, and written to --corpus-dir.

            With --backend-cmd, --backend-lib or --backend-wasm and no --backend, only those backends run.

            Exit codes: 0 no divergence (known divergences are reported, not failures; in --replay, every file went as it expects), 1 divergence found (in --replay, a file that did not go as it expects), 2 usage error or a backend that could not be run.
            """
        )

        @Option(help: "Seed of the generator; the same seed gives the same run.")
        var seed: UInt64 = 1

        @Option(help: "Run only shard i of n (1-based, e.g. 2/3) of the campaign's sequences: the same seed on n machines runs every sequence once. Sharded campaigns draw every sequence fresh (as --fresh-only), since building on the corpus needs every result in one process.")
        var shard: Shard?

        @Option(help: "Also write the campaign's report (fuzz.json and an offline index.html: counts, backends, each divergence's shrunk trace) to this directory.")
        var reportDir: String?

        @Option(help: "Stop after this many seconds.")
        var timeLimit: Double?

        @Option(help: "Stop after this many sequences (default 1000 when there is no --time-limit).")
        var maxSequences: Int?

        @Option(help: "Longest generated sequence, in calls.")
        var maxLength: Int = 24

        @Flag(help: "Draw every sequence fresh. By default half of them build on the corpus of sequences that reached a new outcome (a return code, a buffer boundary, a self-transfer): extended, spliced, with an argument changed or a call repeated.")
        var freshOnly = false

        @Option(help: "A backend to fuzz (repeatable; default every built-in): a built-in (\(BuiltinBackends.names.joined(separator: ", "))) or a chain's real runtime, installed by ./scripts/setup (\(RuntimeBackends.names.joined(separator: ", "))).")
        var backend: [String] = []

        @Option(name: .customLong("backend-cmd"), help: "A command that runs an external backend speaking the JSON Lines protocol (repeatable).")
        var backendCmd: [String] = []

        @Option(name: .customLong("backend-lib"), help: "A native shared library exporting the titan.h ABI (backends/titan.h), run in a child host process (repeatable). Without the ledger entry points it is fuzzed on storage only.")
        var backendLib: [String] = []

        @Option(name: .customLong("backend-wasm"), help: "A WebAssembly module (.wasm, or .wat text) exporting the titan.h ABI and its memory, run in process by WasmKit (repeatable). Without the ledger entry points it is fuzzed on storage only.")
        var backendWasm: [String] = []

        @Option(name: .customLong("wasm-fuel"), help: "Fuel (about one unit per executed WebAssembly operator) each call into a --backend-wasm module may use; a call that needs more is reported as hung.")
        var wasmFuel: UInt64 = WasmBackend.defaultFuel

        @Option(help: "Seconds an external backend may take to answer one request.")
        var timeout: Double = 5

        @Option(help: "Seconds an external backend may take, once started, to answer its first request (start-up: loading a runtime, importing modules).")
        var backendStartupTimeout: Double = 30

        @Option(help: "Replay a corpus file (or every .jsonl under a directory) instead of fuzzing (repeatable).")
        var replay: [String] = []

        @Option(help: "Where the reference specs are (VSS and Ledger models).")
        var specs: String = "Specs/kernel"

        @Option(help: "Directory shrunk divergences are written to.")
        var corpusDir: String = "Corpus"

        @Flag(help: "Also write the shrunk trace of each known divergence to --corpus-dir.")
        var saveKnown = false

        @Flag(help: "Write nothing to --corpus-dir.")
        var noCorpus = false

        @Flag(help: "List the built-in and runtime backends and their known divergences, then exit.")
        var listBackends = false

        func validate() throws {
            for b in backend where BuiltinBackends.make(b) == nil && RuntimeBackends.find(b) == nil {
                throw ValidationError("unknown backend '\(b)'; built-in backends: \(BuiltinBackends.names.joined(separator: ", ")); runtime backends: \(RuntimeBackends.names.joined(separator: ", "))")
            }
            if let t = timeLimit, t <= 0 { throw ValidationError("--time-limit must be positive") }
            if let m = maxSequences, m < 1 { throw ValidationError("--max-sequences must be at least 1") }
            guard maxLength >= 1 else { throw ValidationError("--max-length must be at least 1") }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
            guard wasmFuel > 0 else { throw ValidationError("--wasm-fuel must be positive") }
            guard backendStartupTimeout > 0 else { throw ValidationError("--backend-startup-timeout must be positive") }
        }

        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            return ExitCode(2)
        }

        func loadReference() throws -> ReferenceModel {
            let models: [Model]
            do {
                models = try SpecLoader.load(paths: [specs]).flatMap(\.models)
            } catch let e as SpecErrors {
                throw fail(e.description)
            }
            guard let vss = models.first(where: { $0.name == "VSS" }), let ledger = models.first(where: { $0.name == "Ledger" }) else {
                throw fail("error: \(specs) must define models VSS and Ledger")
            }
            do {
                return try ReferenceModel(vss: vss, ledger: ledger)
            } catch {
                throw fail("error: \(error)")
            }
        }

        func makeBackend(_ spec: String) throws -> ChainBackend? {
            if spec.hasPrefix("cmd:") { return ExternalProcessBackend(command: String(spec.dropFirst(4)), timeout: timeout, startupTimeout: backendStartupTimeout, name: spec) }
            if spec.hasPrefix("lib:") { return try libraryBackend(String(spec.dropFirst(4))) }
            if spec.hasPrefix("wasm:") { return try wasmBackend(String(spec.dropFirst(5))) }
            if let runtime = RuntimeBackends.find(spec) { return try runtimeBackend(runtime) }
            return BuiltinBackends.make(spec)
        }

        /// A built-in or a runtime backend by name (validate() has checked the name).
        func namedBackend(_ name: String) throws -> ChainBackend {
            if let runtime = RuntimeBackends.find(name) { return try runtimeBackend(runtime) }
            return BuiltinBackends.make(name)!
        }

        /// A chain's real runtime (backends/runtimes), run with the project venv's python.
        func runtimeBackend(_ runtime: RuntimeBackend) throws -> ChainBackend {
            do {
                return try RuntimeBackends.backend(runtime, executable: Self.executablePath, timeout: timeout,
                                                   startupTimeout: backendStartupTimeout)
            } catch let e as RuntimeBackends.Unavailable {
                throw fail("error: \(e)")
            }
        }

        /// Learns which calls a process backend takes (the `supports` field of its first reply).
        func negotiate(_ backends: [ChainBackend]) throws {
            for case let b as ExternalProcessBackend in backends {
                do { try b.negotiate() } catch let e as BackendFailure { throw fail("error: backend failed: \(e)") }
            }
        }

        /// A library's backend: a child `titan backend-host PATH` (this executable) calls into it.
        func libraryBackend(_ path: String) throws -> ChainBackend {
            do {
                return try NativeLibrary.backend(path: path, hostExecutable: Self.executablePath, timeout: timeout,
                                                 startupTimeout: backendStartupTimeout)
            } catch let e as NativeLibrary.LoadError {
                throw fail("error: --backend-lib: \(e)")
            }
        }

        /// A WebAssembly module's backend, run in this process by WasmKit.
        func wasmBackend(_ path: String) throws -> ChainBackend {
            do {
                return try WasmBackend(path: path, fuel: wasmFuel)
            } catch let e as WasmBackend.LoadError {
                throw fail("error: --backend-wasm: \(e)")
            }
        }

        static var executablePath: String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        }

        func run() throws {
            if listBackends {
                for name in BuiltinBackends.names {
                    let b = BuiltinBackends.make(name)!
                    print("\(name): \(b.summary)")
                    for k in b.knownDivergences { print("  known: \(k.name): \(k.description)") }
                }
                let root = RuntimeBackends.packageRoot(executable: Self.executablePath)
                for r in RuntimeBackends.all {
                    let missing = root.map { RuntimeBackends.missing(r, root: $0) } ?? ["the package root"]
                    print("\(r.name): runtime: \(r.summary) (\(missing.isEmpty ? "installed" : "not installed: run ./scripts/setup"))")
                    for k in r.knownDivergences { print("  known: \(k.name): \(k.description)") }
                }
                return
            }
            let reference = try loadReference()
            if !replay.isEmpty { return try replayAll(reference) }

            let externalOnly = backend.isEmpty && !(backendCmd.isEmpty && backendLib.isEmpty && backendWasm.isEmpty)
            var backends: [ChainBackend] = try (externalOnly ? [] : backend.isEmpty ? BuiltinBackends.names : backend).map(namedBackend)
            backends += backendCmd.map { ExternalProcessBackend(command: $0, timeout: timeout, startupTimeout: backendStartupTimeout, name: "cmd:\($0)") }
            for path in backendLib { backends.append(try libraryBackend(path)) }
            for path in backendWasm { backends.append(try wasmBackend(path)) }
            defer { backends.compactMap { $0 as? ExternalProcessBackend }.forEach { $0.stop() } }
            try negotiate(backends)
            for b in backends where !b.supportsLedger { print("\(b.name): storage only (\(b.summary))") }
            for b in backends where !b.supportsStorage { print("\(b.name): ledger only (\(b.summary))") }

            var options = Campaign.Options()
            options.seed = seed
            options.shard = shard.map { ($0.index, $0.count) }
            options.maxSequences = maxSequences
            options.timeLimit = timeLimit
            options.maxLength = maxLength
            options.useCorpus = !freshOnly
            options.progress = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            let report: Campaign.Report
            do {
                report = try Campaign(reference: reference, backends: backends, options: options).run()
            } catch let e as BackendFailure {
                throw fail("error: backend failed: \(e)")
            }

            print("titan fuzz: seed \(seed), \(report.sequences) sequences, \(report.operations) operations in "
                  + String(format: "%.1f s (%.0f ops/s, %.0f sequences/s)", report.elapsed, report.operationsPerSecond, report.sequencesPerSecond))
            print("backends: \(backends.map(\.name).joined(separator: ", "))")
            print("coverage: \(report.reached) outcomes reached, \(report.corpusSize) sequences kept in the corpus")
            if let reportDir {
                let summary = FuzzCampaignSummary(seed: seed, shard: shard.map { "\($0.index)/\($0.count)" },
                                                  backends: backends.map(\.name), report: report)
                do {
                    try FuzzCampaignSection.write(summary, to: reportDir)
                    print("report written to \(reportDir)/index.html (and fuzz.json)")
                } catch {
                    throw fail("error: could not write the report to \(reportDir): \(error.localizedDescription)")
                }
            }
            if !report.known.isEmpty {
                print("\nknown divergences (documented chain properties, not failures):")
                for f in report.known {
                    print("\n[\(f.count) sequence\(f.count == 1 ? "" : "s")] " + Campaign.describe(f))
                    if saveKnown && !noCorpus { try write(f) }
                }
            }
            guard let d = report.divergence else {
                print("\nno divergence")
                return
            }
            print("\nDIVERGENCE " + Campaign.describe(d))
            if !noCorpus { try write(d) }
            throw ExitCode(1)
        }

        func write(_ f: Campaign.Finding) throws {
            let file = CorpusFile(backend: f.backend, expect: f.verdict == .divergence ? .agree : f.verdict,
                                  found: f.verdict.description, seed: seed, operations: f.trace)
            try FileManager.default.createDirectory(atPath: corpusDir, withIntermediateDirectories: true)
            let path = (corpusDir as NSString).appendingPathComponent(file.suggestedName)
            try file.text().write(toFile: path, atomically: true, encoding: .utf8)
            print("written to \(path)")
        }

        func replayAll(_ reference: ReferenceModel) throws {
            var files: [String] = []
            for p in replay {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
                    files += names.filter { $0.hasSuffix(".jsonl") }.sorted().map { (p as NSString).appendingPathComponent($0) }
                } else {
                    files.append(p)
                }
            }
            var failed = false
            for path in files {
                let corpus: CorpusFile
                do { corpus = try CorpusFile.load(path) } catch { throw fail("error: \(error)") }
                guard let b = try makeBackend(corpus.backend) else { throw fail("error: \(path): unknown backend '\(corpus.backend)'") }
                defer { (b as? ExternalProcessBackend)?.stop() }
                try negotiate([b])
                let outcome: RunOutcome
                do {
                    outcome = try DifferentialRunner(reference: reference).run(b.applicableCalls(corpus.operations), on: b)
                } catch let e as BackendFailure {
                    throw fail("error: \(path): backend failed: \(e)")
                }
                // A planted-bug fixture expects its divergence; anything else must be as the file says.
                let ok = outcome.verdict == corpus.expect
                if !ok { failed = true }
                var line = "\(path): \(corpus.backend): \(outcome.verdict) (expected \(corpus.expect))"
                if let i = outcome.index, let o = outcome.observation {
                    line += "\n  step \(i + 1) \(o.op): reference \(o.reference); backend \(o.backend)"
                }
                print((ok ? "ok   " : "FAIL ") + line)
            }
            if failed { throw ExitCode(1) }
        }
    }
}
