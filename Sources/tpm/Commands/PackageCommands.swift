import ArgumentParser
import Foundation
import TitanRegistry

extension TPM {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write package.titan.toml; specs under specs/ are named and all their properties claimed.")

        @Argument(help: "The package directory.")
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
                    throw RegistryError.invalidArgument("'\(pkg)' is not a package name (lowercase letters, digits, '-', '_'); use --name")
                }
                let (specs, properties) = try Manifest.discoverSpecs(in: dir)
                try Manifest.template(name: pkg, specs: specs, properties: properties).write(to: target, atomically: true, encoding: .utf8)
                print("wrote \(target.path): \(pkg) 0.1.0, \(specs.count) spec\(specs.count == 1 ? "" : "s"), \(properties.count) claimed propert\(properties.count == 1 ? "y" : "ies")")
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
                print("packed \(manifest.name)@\(manifest.version): \(bundle.files.count) files, digest \(bundle.digest)")
                print(out)
            } catch {
                throw fail(error)
            }
        }
    }
}
