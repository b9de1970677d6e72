import ArgumentParser
import Foundation
import TitanReport
import TitanVerification

extension Titan {
    struct ReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Work with verification reports.",
            subcommands: [Merge.self]
        )

        struct Merge: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Join runs (report.json files or report directories, e.g. shards from several machines) into one report directory.",
                discussion: """
                Properties are identified by spec path, model and name, and ordered as in a single run (spec path, model, source position), so merging the shards of a run gives the report of the whole run, in every format (report.json, HTML, junit.xml, report.sarif, summary.txt).

                Exit codes: as for titan verify, computed over the merged results; 2 when an input cannot be read, when runs differ in tool, solver or options, or when one property has conflicting statuses.
                """
            )

            @Argument(help: "report.json files or report directories.")
            var inputs: [String]

            @Option(help: "Directory the merged report is written to (replaced as a whole).")
            var output: String

            @Flag(help: "Unknown properties do not fail the exit code.")
            var allowUnknown = false

            func validate() throws {
                if inputs.isEmpty { throw ValidationError("give at least one report to merge") }
            }

            func run() throws {
                let merged: TitanVerification.Report
                do {
                    merged = try TitanVerification.Report.merge(inputs.map { ($0, try TitanVerification.Report.read(run: $0)) })
                } catch let e as MergeError {
                    printError("error: \(e)")
                    throw ExitCode(2)
                }
                do {
                    try merged.write(to: output)
                } catch {
                    printError("error: merged report: \(error)")
                    throw ExitCode(2)
                }
                let s = merged.summary
                print("Merged \(inputs.count) run\(inputs.count == 1 ? "" : "s") into \(output): \(s.total) properties, "
                      + "\(s.proved) proved, \(s.violated) violated, \(s.unknown) unknown, \(s.error) errors"
                      + (s.vacuous > 0 ? ", \(s.vacuous) vacuous" : ""))
                throw ExitCode(merged.exitCode(allowUnknown: allowUnknown))
            }
        }
    }
}
