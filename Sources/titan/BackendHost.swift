import ArgumentParser
import Foundation
import TitanBackends

extension Titan {
    /// The child process `titan fuzz --backend-lib` runs: it loads the library, so that a
    /// library that crashes or hangs takes down this process and not the fuzzer.
    struct BackendHost: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backend-host",
            abstract: "Load a titan.h shared library and answer JSON Lines requests on stdin (run by titan fuzz --backend-lib).",
            shouldDisplay: false
        )

        @Flag(help: "Print the titan.h entry points the library exports, one per line, and exit.")
        var entryPoints = false

        @Argument(help: "The shared library.")
        var path: String

        func run() throws {
            func fail(_ message: String) -> ExitCode {
                FileHandle.standardError.write(Data(("backend-host: \(message)\n").utf8))
                return ExitCode(1)
            }
            if entryPoints {
                switch NativeLibraryHost.exportedSymbols(path) {
                case .success(let names): print(names.joined(separator: "\n"))
                case .failure(let e): throw fail(e.description)
                }
                return
            }
            let host: NativeLibraryHost
            do { host = try NativeLibraryHost(path: path) } catch { throw fail("\(error)") }
            let status = host.serve()
            if status != 0 { throw ExitCode(status) }
        }
    }
}
