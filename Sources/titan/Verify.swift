import ArgumentParser
import Foundation
import TitanIR
import TitanProver
import TitanReport
import TitanSpec

enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

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

extension Titan {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove or refute every invariant and rule in the given spec files.",
            discussion: """
            Invariants are tried by induction first (base case, then one step of each action); those that are not inductive are searched for a violation by bounded model checking from the initial state up to --depth actions. Rules are checked for one action from any state satisfying the proved invariants, then searched for a reachable violation. A violation is reported only after the concrete interpreter has replayed it.

            A report (report.json, summary.txt) is written to --report-dir.

            Exit codes: 0 all proved, 1 something violated, 2 usage or spec error, 3 something unknown and nothing violated, 4 internal error.
            """
        )

        @Argument(help: "Spec files (*.tspec) or directories searched recursively for them.")
        var paths: [String] = ["Specs/kernel", "Specs/systems"]

        @Option(help: "Maximum number of actions in a bounded model-checking trace.")
        var depth: Int = 4

        @Option(help: "Per-query solver timeout in seconds; a query that times out is unknown, never proved.")
        var timeout: Double = 30

        @Option(help: "Queries solved at once, each in its own Z3 context (default: the number of cores). Results do not depend on it.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Verify only shard i of n (1-based, e.g. 2/3): models are dealt round-robin in spec order, so shards of one run never overlap and together cover everything; join their reports with `titan report merge`.")
        var shard: Shard?

        @Option(help: "Output on stdout: text or json.")
        var format: OutputFormat = .text

        @Option(name: .customLong("emit-smt2"), help: "Write every solver query as a standalone SMT-LIB2 file into this directory.")
        var emitSMT2: String?

        @Option(help: "Directory the report is written to.")
        var reportDir: String = "Reports/latest"

        @Flag(help: "Do not write a report directory.")
        var noReport = false

        @Option(help: "Print only these properties (repeatable); all are still checked, since rules rely on invariants.")
        var property: [String] = []

        func validate() throws {
            guard depth >= 1 && depth <= 64 else { throw ValidationError("--depth must be between 1 and 64") }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
            guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be between 1 and 256") }
        }

        func run() throws {
            let specs: [SpecFile]
            do {
                specs = try SpecLoader.load(paths: paths)
            } catch let e as SpecErrors {
                FileHandle.standardError.write(Data((e.description + "\n").utf8))
                throw ExitCode(2)
            }
            if specs.isEmpty {
                FileHandle.standardError.write(Data("error: no .tspec files under \(paths.joined(separator: ", "))\n".utf8))
                throw ExitCode(2)
            }
            let options = ProverOptions(depth: depth, timeoutSeconds: timeout, emitDirectory: emitSMT2, jobs: jobs)
            var results: [PropertyResult] = []
            var index = 0
            for spec in specs {
                for model in spec.models {
                    defer { index += 1 }
                    if let shard, index % shard.count != shard.index - 1 { continue }
                    results += Prover(model: model, specPath: spec.path, options: options).verify()
                }
            }
            if !property.isEmpty {
                let unknown = property.filter { name in !results.contains { $0.property == name } }
                if !unknown.isEmpty {
                    FileHandle.standardError.write(Data("error: no property named \(unknown.joined(separator: ", "))\n".utf8))
                    throw ExitCode(2)
                }
                results = results.filter { property.contains($0.property) }
            }
            let report = Report(toolVersion: Titan.version, options: .init(depth: depth, timeoutSeconds: timeout),
                                specs: specs.map(\.path), results: results)
            switch format {
            case .text:
                print(TextRenderer(color: isatty(1) != 0).render(report), terminator: "")
            case .json:
                print(String(decoding: try report.json(), as: UTF8.self))
            }
            if !noReport {
                do {
                    try report.write(to: reportDir)
                } catch {
                    FileHandle.standardError.write(Data("error: could not write the report to \(reportDir): \(error.localizedDescription)\n".utf8))
                    throw ExitCode(2)
                }
                if format == .text { print("Report written to \(reportDir)/report.json") }
            }
            throw ExitCode(report.exitCode)
        }
    }
}
