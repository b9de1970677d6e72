import ArgumentParser
import Foundation
import TitanRegistry

extension TPM {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write package.titan.toml; specs under specs/ are named and all their properties claimed. In a new or empty directory, also an example spec whose properties prove.",
            discussion: "tpm init ledger creates ledger/ with ledger/specs/ledger.tspec (an example model) and ledger/package.titan.toml claiming its properties; tpm pack ledger, tpm sign and tpm publish then publish it verified.")

        @Argument(help: "The package directory (created when missing).")
        var directory: String = "."

        @Option(help: "Package name (default: the directory's name, lowercased).")
        var name: String?

        func run() throws {
            let dir = URL(fileURLWithPath: directory).standardizedFileURL
            let target = dir.appendingPathComponent(Manifest.fileName)
            do {
                guard !FileManager.default.fileExists(atPath: target.path) else {
                    throw RegistryError.invalidArgument("\(target.path) exists; refusing to overwrite it")
                }
                let pkg = name ?? dir.lastPathComponent.lowercased()
                guard Manifest.isValidName(pkg) else {
                    throw RegistryError.invalidArgument("'\(printable(pkg))' is not a package name (\(Manifest.nameFormat)); use --name")
                }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    throw RegistryError.invalidArgument("\(dir.path) is a file, not a package directory")
                }
                do {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                } catch {
                    throw RegistryError.invalidArgument("cannot create the package directory \(dir.path)")
                }
                var (specs, properties) = try Manifest.discoverSpecs(in: dir)
                var example: String?
                if specs.isEmpty {
                    // Nothing to claim yet: an example that proves, so the first publish is verified.
                    let specDir = dir.appendingPathComponent("specs")
                    let file = specDir.appendingPathComponent("\(pkg).tspec")
                    let model = Manifest.exampleModelName(for: pkg)
                    do {
                        try FileManager.default.createDirectory(at: specDir, withIntermediateDirectories: true)
                        try Manifest.exampleSpec(model: model).write(to: file, atomically: true, encoding: .utf8)
                    } catch {
                        throw RegistryError.invalidArgument("cannot write \(file.path)")
                    }
                    (specs, properties) = try Manifest.discoverSpecs(in: dir)
                    example = "wrote \(file.path): an example model \(model) (replace it with your own)"
                }
                do {
                    try Manifest.template(name: pkg, specs: specs, properties: properties).write(to: target, atomically: true, encoding: .utf8)
                } catch {
                    throw RegistryError.invalidArgument("cannot write \(target.path)")
                }
                if let example { print(example) }
                print("wrote \(target.path): \(pkg) 0.1.0, \(specs.count) spec\(specs.count == 1 ? "" : "s"), \(properties.count) claimed propert\(properties.count == 1 ? "y" : "ies")")
                if properties.isEmpty {
                    printError("warning: no property is claimed: the specs under specs/ declare none. A package that claims nothing is stored UNVERIFIED.")
                } else {
                    let shown = directory == "." ? "." : directory
                    print("next: tpm pack \(shown) && tpm sign \(shown == "." ? "" : shown + "/")\(pkg)-0.1.0.titanpkg && tpm publish \(shown == "." ? "" : shown + "/")\(pkg)-0.1.0.titanpkg")
                }
            } catch {
                throw fail(error)
            }
        }
    }

    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the package's bundle: manifest, specs, Proofs/ certificates and --include files, each hashed into the bundle digest.")

        @Argument(help: "The package directory.")
        var directory: String = "."

        @Option(help: "The bundle file (default NAME-VERSION.titanpkg in the package directory).")
        var output: String?

        @Option(help: "A file or directory of sources to add (repeatable).")
        var include: [String] = []

        func run() throws {
            let dir = URL(fileURLWithPath: directory).standardizedFileURL
            do {
                let (bundle, manifest) = try PackageBundle.pack(directory: dir, include: include)
                let out = output ?? dir.appendingPathComponent("\(manifest.name)-\(manifest.version).\(PackageBundle.fileExtension)").path
                let data = try bundle.encoded()
                guard data.count <= PackageBundle.maxBytes else {
                    throw RegistryError.tooLarge("the bundle would be \(data.count) bytes; the limit is \(PackageBundle.maxBytes)")
                }
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
                if manifest.properties.isEmpty { printError(noClaimsWarning(manifest)) }
                print("packed \(manifest.name)@\(manifest.version): \(bundle.files.count) files, digest \(bundle.digest)")
                print(out)
            } catch {
                throw fail(error)
            }
        }
    }
}
