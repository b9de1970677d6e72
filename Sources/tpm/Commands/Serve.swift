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

        @Option(help: ArgumentHelp("The store: a SQLite file (the default, ~/.titan/registry.sqlite), or a PostgreSQL database shared by several instances.",
                                   valueName: "postgresql://USER@HOST:PORT/DATABASE | PATH"))
        var database: String?

        @OptionGroup var options: RegistryOptions

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            if database != nil && options.registry != nil { throw ValidationError("give --database or --registry, not both") }
            if let r = database ?? options.registry, r.hasPrefix("http://") || r.hasPrefix("https://") {
                throw ValidationError("tpm serve needs a store (a SQLite file or a postgresql:// URL), not a registry URL")
            }
        }

        func run() async throws {
            let store = try await guarded { try await openStore(database ?? options.registry ?? RegistryStore.defaultPath) }
            // The log says when a re-check starts; its per-property progress goes to the client that asked for it.
            let registry = LocalRegistry(store: store, recheck: options.recheck, progress: { line in
                if line.hasPrefix("re-checking") { printError("tpm serve: " + line) }
            })
            try await RegistryServer.run(registry: registry, host: host, port: port) { bound in
                // Tests and scripts read this line to find the port.
                print("tpm serve: listening on http://\(host):\(bound) (store \(store.location))")
                fflush(stdout)
            }
        }
    }
}
