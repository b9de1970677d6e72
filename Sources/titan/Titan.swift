import ArgumentParser
import Foundation
import TitanIR

@main
struct Titan: ParsableCommand {
    static let version = TitanVersion.current
    static let configuration = CommandConfiguration(
        commandName: "titan",
        abstract: "Titan Verify: prove a model's invariants with Z3, or refute them with a replayed counterexample.",
        discussion: "titan verify exit codes: 0 every property proved, 1 a property violated, 2 usage or spec error, "
            + "3 a property unknown (timeout, not inductive) and none violated, 4 an internal error. "
            + "titan conform exit codes: 0 conforms within the budget, 1 a divergence, 2 usage, spec, mapping or target error. "
            + "titan layout check exit codes: 0 compatible, 1 incompatible, 2 bad input or usage.",
        version: version,
        subcommands: [Verify.self, Lsp.self, Conform.self, Mutate.self, Fuzz.self, Layout.self, ReportCommand.self, BackendHost.self]
    )

    /// Like the default entry point, but usage errors exit 2 (not 64) as the exit-code table says.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
