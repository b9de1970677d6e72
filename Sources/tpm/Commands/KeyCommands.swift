import ArgumentParser
import Foundation
import TitanRegistry

extension TPM {
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a publisher's Ed25519 key (private key file 0600); print the public key.")

        @Option(help: "Where the private key is written (never overwritten; default: $HOME/.titan/publisher.key).")
        var output: String = defaultKeyPath

        func run() throws {
            do {
                let parent = (output as NSString).deletingLastPathComponent
                if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
                let key = PublisherKey()
                try key.write(to: output)
                print("private key written to \(output) (mode 0600)")
                print("public key: \(key.publicKeyText)")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a bundle's digest with the publisher's key (the bundle file is rewritten with the signature).")

        @Argument(help: "The bundle (.titanpkg) written by tpm pack.")
        var bundle: String

        @Option(help: "The private key written by tpm keygen (default: $HOME/.titan/publisher.key).")
        var key: String = defaultKeyPath

        func run() throws {
            do {
                guard let data = FileManager.default.contents(atPath: bundle) else { throw RegistryError.notFound("cannot read \(bundle)") }
                var b: PackageBundle
                do { b = try JSONDecoder().decode(PackageBundle.self, from: data) } catch {
                    throw RegistryError.malformedBundle("\(bundle) is not a bundle (tpm pack writes one)")
                }
                // Signing vouches for the content: the listed hashes must match it.
                guard PackageBundle.digest(of: b.files) == b.digest,
                      b.files.allSatisfy({ PackageBundle.Entry(path: $0.path, content: $0.content).sha256 == $0.sha256 }) else {
                    throw RegistryError.tamperedFile(path: bundle)
                }
                let k = try PublisherKey.load(key)
                b.signature = try k.sign(PackageBundle.signedMessage(digest: b.digest))
                try b.encoded().write(to: URL(fileURLWithPath: bundle), options: .atomic)
                print("signed \(bundle): digest \(b.digest) by \(k.publicKeyText)")
            } catch {
                throw fail(error)
            }
        }
    }
}
