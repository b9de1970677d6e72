import ArgumentParser
import Foundation
import TitanRegistry

extension TPM {
    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a signed bundle: the registry checks the signature and every hash, re-proves every claimed property, and records it as verified or unverified.")

        @Argument(help: "The signed bundle.")
        var bundle: String

        @OptionGroup var options: RegistryOptions

        @Flag(help: "Print the recorded version as JSON.")
        var json = false

        func run() async throws {
            let info = try await guarded {
                guard let data = FileManager.default.contents(atPath: bundle) else { throw RegistryError.notFound("cannot read \(bundle)") }
                if let b = try? JSONDecoder().decode(PackageBundle.self, from: data), let m = b.file(Manifest.fileName),
                   let manifest = try? Manifest.parse(String(decoding: m.content, as: UTF8.self)), manifest.properties.isEmpty {
                    printError(noClaimsWarning(manifest))
                }
                // The re-check's progress, as it happens (streamed from `tpm serve` too).
                return try await options.open().publish(data, progress: { printError("tpm: " + $0) })
            }
            if json { try printJSON(info) } else { print("published " + PackageText.describe(info)) }
            if info.status != .verified { throw ExitCode(1) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-check a published version here: fetch its bundle, check signature and hashes, and re-prove its claimed properties with this machine's prover.")

        @Argument(help: "NAME@VERSION (VERSION is MAJOR.MINOR.PATCH, e.g. ledger@0.1.0).", transform: PackageID.parse)
        var package: PackageID

        @OptionGroup var options: RegistryOptions

        func run() async throws {
            let outcome = try await guarded { () -> (PackageVersionInfo, Recheck.Outcome) in
                let registry = try await options.open()
                let info = try await registry.version(package.name, package.version)
                let bundle = try PackageBundle.open(try await registry.bundle(package.name, package.version))
                guard bundle.digest == info.digest else { throw RegistryError.tamperedFile(path: "(bundle digest differs from the registry's record)") }
                let manifest = try Manifest.parse(String(decoding: bundle.file(Manifest.fileName)?.content ?? Data(), as: UTF8.self))
                let specs = try Recheck.specs(of: bundle, manifest: manifest)
                return (info, options.recheck.run(specs, claimed: manifest.properties))
            }
            let (info, local) = outcome
            print("\(package): registry says \(info.status.rawValue) (\(info.checkedWith)); re-checked here: \(local.status.rawValue) (\(Recheck.checkedWith))")
            for v in local.verdicts where v.claimed {
                print("  \(v.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(v.name) [\(v.method)]" + (v.reason.map { ": \($0)" } ?? ""))
            }
            for r in local.reasons { print("  not verified: \(r)") }
            if local.status != .verified { throw ExitCode(1) }
        }
    }
}

/// What `pack` and `publish` say about a package that claims nothing.
func noClaimsWarning(_ m: Manifest) -> String {
    "warning: \(m.name)@\(m.version) claims no property ([proofs] properties in \(Manifest.fileName) is empty); "
        + "the registry will store it UNVERIFIED, and a published version never changes. "
        + "Name specs and properties under [proofs] (tpm init claims every property of specs/*.tspec)."
}
