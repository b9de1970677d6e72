import ArgumentParser
import Foundation
import TitanProcess
import TitanBackends
import TitanConform
import TitanIR
import TitanReport
import TitanVerification
import TitanSpec
import TitanWasm

extension Titan {
    struct Conform: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that an implementation behaves like its model: the same random action sequences on both, compared after every step.",
            discussion: """
            The target is chosen by its extension: a .vy contract is compiled by the pinned Vyper and run on titanoboa (py-evm) in the project's .venv; a .wasm or .wat module runs in process on WasmKit, with exports named after the actions and getters (Docs/conformance.md); --target-cmd runs any process that speaks the conformance protocol (Docs/conformance.md).

            By default each action calls the function of its name with its parameters in order, each state variable is read by the getter of its name (a map's getter takes its keys), msg.sender is the caller (model address n is address n) and block.timestamp the block time. --map FILE.toml renames functions, getters and arguments, leaves state unobserved, sets the deployer and the constructor's arguments, and lists known divergences with their reasons.

            After the deployment and after every step, the run compares completion or revert, the returned value, and every observed state variable at each key the sequence touched and at zero. The first difference is shrunk, printed with both values, and written to --corpus-dir; --replay runs such a file again, or every counterexample of a report.json from titan verify.

            Exit codes: 0 conforms within the budget (known divergences are reported, not failures), 1 a divergence, 2 usage, spec, mapping or target error.
            """
        )

        @Argument(help: "The spec file holding the model.")
        var spec: String

        @Option(help: "The model to check (default: the spec's only model).")
        var model: String?

        @Option(help: "The implementation: a Vyper contract (.vy), run on titanoboa, or a WebAssembly module (.wasm, or .wat text), run in process by WasmKit.")
        var target: String?

        @Option(name: .customLong("target-cmd"), help: "A command that runs an implementation speaking the conformance protocol (JSON Lines on stdin and stdout).")
        var targetCmd: String?

        @Option(name: .customLong("map"), help: "A mapping file (TOML) from the model's actions and state to the implementation's functions and getters.")
        var mapFile: String?

        @Option(name: .customLong("arg"), help: "A value for a parameter of the model's constructor, NAME=VALUE (repeatable; overrides the mapping file).")
        var args: [String] = []

        @Option(help: "Seed of the generator; the same seed gives the same sequences.")
        var seed: UInt64 = 1

        @Option(help: "Stop after this many sequences.")
        var maxSequences: Int = 200

        @Option(help: "Stop after this many seconds.")
        var timeLimit: Double?

        @Option(help: "Longest generated sequence, in actions.")
        var maxLength: Int = 12

        @Option(help: "Seconds the target may take to answer one run (start-up, which compiles the contract, may take longer).")
        var timeout: Double = 60

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        @Option(help: "Also write the run's report (conform.json and an offline index.html: figures, verdict, the shrunk divergence with both sides' values) to this directory.")
        var reportDir: String?

        @Option(help: "Directory the shrunk divergence is written to.")
        var corpusDir: String = "Corpus/conform"

        @Flag(help: "Write nothing to --corpus-dir.")
        var noCorpus = false

        @Option(help: "Replay a conformance corpus file, or every counterexample of a report.json (from titan verify), on the implementation instead of generating sequences (repeatable).")
        var replay: [String] = []

        enum OutputFormat: String, ExpressibleByArgument { case text, json }

        func validate() throws {
            if (target == nil) == (targetCmd == nil) { throw ValidationError("give exactly one of --target and --target-cmd") }
            if let t = target, ![".vy", ".wasm", ".wat"].contains(where: { t.hasSuffix($0) }) {
                throw ValidationError("--target \(t): unknown kind of target; a .vy contract or a .wasm/.wat module, or --target-cmd for anything else")
            }
            guard maxSequences >= 1 else { throw ValidationError("--max-sequences must be at least 1") }
            guard maxLength >= 1 else { throw ValidationError("--max-length must be at least 1") }
            if let t = timeLimit, t <= 0 { throw ValidationError("--time-limit must be positive") }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
            for a in args where !a.contains("=") { throw ValidationError("--arg \(a): expected NAME=VALUE") }
        }

        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
            return ExitCode(2)
        }

        func loadModel() throws -> Model {
            let models: [Model]
            do { models = try SpecLoader.load(paths: [spec]).flatMap(\.models) } catch let e as SpecErrors {
                FileHandle.standardError.write(Data((e.description + "\n").utf8))
                throw ExitCode(2)
            } catch {
                throw fail("\(spec): \(error)")
            }
            if let name = model {
                guard let m = models.first(where: { $0.name == name }) else {
                    throw fail("\(spec) has no model '\(name)' (it has \(models.map(\.name).joined(separator: ", ")))")
                }
                return m
            }
            guard models.count == 1 else { throw fail("\(spec) has \(models.count) models (\(models.map(\.name).joined(separator: ", "))): say which with --model") }
            return models[0]
        }

        func loadMapping(_ model: Model) throws -> ConformMapping {
            var mapping = ConformMapping(model: model)
            if let mapFile {
                guard let text = try? String(contentsOfFile: mapFile, encoding: .utf8) else { throw fail("cannot read the mapping file \(mapFile)") }
                do { mapping = try ConformMapping(model: model, text: text, file: mapFile) } catch let e as ConformMapping.Error {
                    throw fail(e.description)
                }
            }
            let params = model.constructor?.params.map(\.name).filter { Environment.names[$0] == nil } ?? []
            for a in args {
                let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
                guard params.contains(parts[0]) else {
                    throw fail("--arg \(parts[0]): model \(model.name)'s constructor has no such parameter" + (params.isEmpty ? "" : " (\(params.joined(separator: ", ")))"))
                }
                guard mapping.setConstructorArgument(parts[0], parts[1]) else { throw fail("--arg \(a): the value must be a number") }
            }
            return mapping
        }

        func makeTarget(_ mapping: ConformMapping) throws -> ConformTarget {
            if let targetCmd { return ProcessTarget(command: targetCmd, summary: "process: \(targetCmd)", timeout: timeout) }
            let path = target!
            guard FileManager.default.fileExists(atPath: path) else { throw fail("--target \(path): no such file") }
            if path.hasSuffix(".wasm") || path.hasSuffix(".wat") {
                if let c = mapping.contracts.first { throw fail("a WebAssembly target deploys no other contracts (the mapping names '\(c.name)')") }
                do { return try WasmConformTarget(path: path) } catch let e as TargetError { throw fail(e.description) }
            }
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            guard let root = RuntimeBackends.packageRoot(executable: Fuzz.executablePath) else {
                throw fail("cannot find the project's .venv (run ./scripts/setup from the project root)")
            }
            let python = root + "/" + RuntimeBackends.python
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw fail("\(RuntimeBackends.python) is missing: run ./scripts/setup (it installs Vyper and titanoboa)")
            }
            let script = root + "/backends/runtimes/conform_vyper.py"
            let contracts = mapping.contracts.map { " " + ShellQuote.quote($0.name + "=" + $0.path) }.joined()
            return ProcessTarget(command: ShellQuote.quote(python) + " " + ShellQuote.quote(script) + " " + ShellQuote.quote(absolute) + contracts,
                                 summary: "\(path) (Vyper 0.4.3 on titanoboa)", timeout: timeout)
        }

        func run() throws {
            let model = try loadModel()
            let mapping = try loadMapping(model)
            let target = try makeTarget(mapping)
            defer { target.stop() }
            let conformance: Conformance
            do { conformance = try Conformance(model: model, mapping: mapping, target: target, mappingFile: mapFile) } catch let e as TargetError {
                throw fail(e.description)
            }
            var result: ConformResult
            do {
                if !replay.isEmpty {
                    let outcomes = try ConformReplay(conformance: conformance).replay(paths: replay)
                    if format == .json { print(ConformReplay.json(outcomes)) } else { print(ConformReplay.text(outcomes, target: target.summary)) }
                    if outcomes.contains(where: { $0.failed }) { throw ExitCode(1) }
                    return
                }
                var options = ConformOptions()
                options.seed = seed; options.maxSequences = maxSequences; options.timeLimit = timeLimit; options.maxLength = maxLength
                if format == .text {
                    options.progress = { FileHandle.standardError.write(Data(("  " + $0 + "\n").utf8)) }
                }
                result = try conformance.check(options, spec: spec)
            } catch let e as TargetError {
                throw fail(e.description)
            } catch let e as ConformReplay.Failure {
                throw fail(e.description)
            }
            if let d = result.divergence, !noCorpus {
                do { result.corpusFile = try ConformCorpus.write(d, result: result, directory: corpusDir) } catch {
                    FileHandle.standardError.write(Data("warning: could not write the corpus file: \(error)\n".utf8))
                }
            }
            if let reportDir {
                do { try ConformSection.write(result, to: reportDir) } catch { throw fail("cannot write the report to \(reportDir): \(error)") }
            }
            if format == .json { print(result.json()) } else { print(result.text()) }
            if result.divergence != nil { throw ExitCode(1) }
        }
    }
}
