import ArgumentParser
import Foundation
import TitanRegistry

extension TPM {
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List packages (names containing QUERY) with their newest version's status and proved properties.")

        @Argument(help: "Part of a package name (default: all).")
        var query: String = ""

        @OptionGroup var options: RegistryOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let found = try await guarded { try await options.open().search(query) }
            if json { return try printJSON(found) }
            for s in found {
                print("\(s.name)@\(s.latest)  \(s.status.rawValue)" + (s.price.map { "  price \($0)" } ?? "")
                      + (s.provedProperties.isEmpty ? "" : "\n  proved: " + s.provedProperties.joined(separator: ", ")))
            }
            if found.isEmpty { print("no packages") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a package's versions (or one version): status, verdicts per property, reasons and counterexamples.")

        @Argument(help: "NAME or NAME@VERSION (VERSION is MAJOR.MINOR.PATCH, e.g. ledger@0.1.0).")
        var package: String

        @OptionGroup var options: RegistryOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let versions = try await guarded { () -> [PackageVersionInfo] in
                let registry = try await options.open()
                if package.contains("@") {
                    let id: PackageID
                    do { id = try PackageID.parse(package) } catch let e as ValidationError { throw RegistryError.invalidArgument(e.message) }
                    return [try await registry.version(id.name, id.version)]
                }
                guard Manifest.isValidName(package) else {
                    throw RegistryError.invalidArgument("'\(printable(package))' is not NAME or NAME@VERSION (e.g. ledger or ledger@0.1.0; \(Manifest.nameFormat))")
                }
                return try await registry.versions(of: package)
            }
            if json { return try printJSON(versions) }
            print(versions.map(PackageText.describe).joined(separator: "\n\n"))
        }
    }
}
