import ArgumentParser
import Foundation
import TitanRegistry

extension TPM {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the registry store over HTTP (JSON API in Docs/registry-openapi.yaml, report pages for auditors).")

        @Option(help: "Port (0: any free port; the chosen one is printed).")
        var port: Int = 8470

        @Option(help: "Address to bind; loopback by default.")
        var host: String = "127.0.0.1"

        @OptionGroup var options: RegistryOptions

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            if let r = options.registry, r.hasPrefix("http") { throw ValidationError("--registry must be a store file for tpm serve") }
        }

        func run() async throws {
            let store = try await guarded { try RegistryStore(path: options.registry ?? RegistryStore.defaultPath) }
            // The log says when a re-check starts; its per-property progress goes to the client that asked for it.
            let registry = LocalRegistry(store: store, recheck: options.recheck, progress: { line in
                if line.hasPrefix("re-checking") { printError("tpm serve: " + line) }
            })
            try await RegistryServer.run(registry: registry, host: host, port: port) { bound in
                // Tests and scripts read this line to find the port.
                print("tpm serve: listening on http://\(host):\(bound) (store \(store.path))")
                fflush(stdout)
            }
        }
    }
}
