import ArgumentParser
import Foundation
import TitanCommandLine
import TitanRegistry

@main
struct TPM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tpm",
        abstract: "Titan package manager: publish packages whose proofs the registry re-checks, and install only what is proved.",
        discussion: """
        The registry is a SQLite file (default ~/.titan/registry.sqlite, or TITAN_REGISTRY, or --registry PATH), a PostgreSQL database (--registry postgresql://USER@HOST:PORT/DATABASE), or a `tpm serve` URL (--registry http://127.0.0.1:PORT).

        Exit codes: 0 success (published verified, installed, verified), 1 not verified (published but stored unverified, install refused, re-check failed, audit found stale packages), 2 usage error or rejected input (bad signature, tampered or unsafe bundle, malformed manifest, unknown property, spec error, not found, not for sale, refused replay), 3 conflict (name@version already published), 4 registry unavailable or internal error.
        """,
        version: Recheck.toolVersion,
        subcommands: [Keygen.self, Init.self, Pack.self, Sign.self, Publish.self, Verify.self, Install.self, Audit.self,
                      Search.self, Show.self, Yank.self, List.self, Buy.self, Serve.self]
    )

    /// Like the default entry point, but usage errors exit 2 (not 64), as for `titan`.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Where the registry is, and how it re-checks proofs when it is embedded.
struct RegistryOptions: ParsableArguments {
    @Option(help: "Registry store file, a postgresql:// database URL, or the URL of `tpm serve` (default: $TITAN_REGISTRY, else ~/.titan/registry.sqlite).")
    var registry: String?

    @Option(help: "Per-query solver timeout in seconds for re-checking (embedded registry; `tpm serve` uses its own). A timeout is unknown, never proved.")
    var timeout: Double = 30

    /// The bound of re-checking, as `titan verify` reads it.
    @OptionGroup var bound: BoundOptions

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    var recheck: Recheck { Recheck(depth: bound.depth, timeoutSeconds: timeout) }

    func open() async throws -> any RegistryClient {
        try await openRegistry(registry, recheck: recheck, progress: nil)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Prints a refusal and exits with its code (see the table in `TPM`'s help).
func fail(_ error: Error) -> ExitCode {
    guard let e = error as? RegistryError else {
        printError("error: \(error)")
        return ExitCode(2)
    }
    printError("error: \(e.description)")
    switch e.code {
    case "conflict": return ExitCode(3)
    case "unavailable", "internal": return ExitCode(4)
    case "proof-required": return ExitCode(1)
    default: return ExitCode(2)
    }
}

/// Runs a command body, turning registry refusals into messages and exit codes.
func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let e as ExitCode { throw e } catch { throw fail(error) }
}

/// `NAME@VERSION`.
struct PackageID: CustomStringConvertible {
    var name: String
    var version: String

    /// Parses `NAME@VERSION`; the error says what is wrong and what is expected.
    static func parse(_ argument: String) throws -> PackageID {
        let parts = argument.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else {
            throw ValidationError("'\(printable(argument))' is not NAME@VERSION (e.g. ledger@0.1.0; VERSION is MAJOR.MINOR.PATCH)")
        }
        guard Manifest.isValidName(parts[0]) else {
            throw ValidationError("'\(printable(parts[0]))' is not a package name (\(Manifest.nameFormat))")
        }
        guard SemanticVersion(parts[1]) != nil else { throw ValidationError(SemanticVersion.message(parts[1])) }
        return PackageID(name: parts[0], version: parts[1])
    }

    var description: String { "\(name)@\(version)" }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}
