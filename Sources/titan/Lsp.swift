import ArgumentParser
import Foundation
import TitanLanguageServer

extension Titan {
    struct Lsp: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the language server for .tspec files (Language Server Protocol over stdin/stdout).",
            discussion: """
            Diagnostics on open and on every change (the messages of titan verify), hover, go to definition, find references, document symbols, completion, and a code lens over each property with its verdict in Reports/latest/report.json (under the workspace root). Editors start it themselves; see Docs/editor.md.

            --bench FILE times diagnostics after --changes edits of FILE and prints the median, without starting the server.
            """
        )

        @Option(help: "Time diagnostics after edits of this spec file instead of serving.")
        var bench: String?

        @Option(help: "Number of edits timed by --bench.")
        var changes: Int = 100

        func validate() throws {
            guard changes >= 1 && changes <= 100_000 else { throw ValidationError("--changes must be between 1 and 100000") }
        }

        func run() throws {
            if let bench {
                let times: (valid: [Double], broken: [Double])
                do {
                    times = try LanguageServer.benchmark(path: bench, changes: changes)
                } catch {
                    printError("error: \(error)")
                    throw ExitCode(2)
                }
                print("\(bench): \(changes) changes; milliseconds from didChange to diagnostics sent:")
                for (label, sample) in [("still checks (full parse, type check, outline)", times.valid),
                                        ("syntax error (parser stops)", times.broken)] where !sample.isEmpty {
                    let sorted = sample.sorted()
                    let pick = { (q: Double) in sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
                    print("  \(label): n=\(sorted.count)" + String(format: " median %.2f, p90 %.2f, max %.2f", pick(0.5), pick(0.9), sorted.last ?? 0))
                }
                return
            }
            // The lens command runs this same executable.
            let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
            throw ExitCode(LanguageServer.run(titanExecutable: executable))
        }
    }
}
