import ArgumentParser
import Foundation
import TitanRegistry

extension TPM {
    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve the project's dependencies (highest matching version that is not yanked), refuse any with proof = \"required\" that is not verified, fetch and check their bundles, and write package.titan.lock.")

        @Option(help: "The project directory (holding package.titan.toml).")
        var directory: String = "."

        @OptionGroup var options: RegistryOptions

        func run() async throws {
            let dir = URL(fileURLWithPath: directory).standardizedFileURL
            let locked = try await guarded { () -> [LockedPackage] in
                guard let text = FileManager.default.contents(atPath: dir.appendingPathComponent(Manifest.fileName).path) else {
                    throw RegistryError.notFound("no \(Manifest.fileName) in \(dir.path)")
                }
                let manifest = try Manifest.parse(String(decoding: text, as: UTF8.self))
                let registry = try await options.open()
                // Everything is resolved and fetched before anything is written.
                let packages = try await Resolver(registry: registry).resolve(manifest)
                var bundles: [(LockedPackage, Data)] = []
                for p in packages {
                    let data = try await registry.bundle(p.name, p.version)
                    let b = try PackageBundle.open(data)
                    guard b.digest == p.digest else { throw RegistryError.tamperedFile(path: "\(p.name)@\(p.version) (digest differs from the registry's record)") }
                    bundles.append((p, data))
                }
                let store = dir.appendingPathComponent(".titan/packages")
                try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
                for (p, data) in bundles {
                    try data.write(to: store.appendingPathComponent("\(p.name)-\(p.version).\(PackageBundle.fileExtension)"), options: .atomic)
                }
                try Lockfile(packages: packages).write(dir)
                return packages
            }
            for p in locked {
                print("installed \(p.name)@\(p.version) (\(p.status.rawValue)\(p.proofRequired ? ", proof required" : ""))"
                      + (p.provedProperties.isEmpty ? "" : ": " + p.provedProperties.joined(separator: ", ")))
            }
            print("wrote \(Lockfile.fileName) (\(locked.count) package\(locked.count == 1 ? "" : "s"))")
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List installed packages whose verification is stale: yanked, failed re-check, or checked with another prover version. Exit 1 when any is.")

        @Option(help: "The project directory (holding package.titan.lock).")
        var directory: String = "."

        @OptionGroup var options: RegistryOptions

        func run() async throws {
            let dir = URL(fileURLWithPath: directory).standardizedFileURL
            let findings = try await guarded { () -> [(LockedPackage, [String])] in
                let lock = try Lockfile.read(dir)
                let registry = try await options.open()
                var out: [(LockedPackage, [String])] = []
                for p in lock.packages {
                    var current: PackageVersionInfo?
                    do { current = try await registry.version(p.name, p.version) } catch let e as RegistryError where e.code == "not-found" { current = nil }
                    out.append((p, Staleness.reasons(locked: p, current: current)))
                }
                return out
            }
            var stale = 0
            for (p, reasons) in findings {
                if reasons.isEmpty {
                    print("ok     \(p.name)@\(p.version)")
                } else {
                    stale += 1
                    print("STALE  \(p.name)@\(p.version): " + reasons.joined(separator: "; "))
                }
            }
            print("\(findings.count) installed, \(stale) stale")
            if stale > 0 { throw ExitCode(1) }
        }
    }
}
