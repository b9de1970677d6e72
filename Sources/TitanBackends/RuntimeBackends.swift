import Foundation
import TitanProcess

/// A chain's real runtime as a fuzz backend: a Python adapter in `backends/runtimes` that runs
/// the chain's own software (installed from PyPI into the project's `.venv` by
/// `./scripts/setup`) and speaks the external JSON Lines protocol. `titan fuzz --backend NAME`
/// selects one like a built-in; the run is an external process run.
public struct RuntimeBackend: Sendable {
    /// The name `--backend` selects it by: the chain and the runtime.
    public var name: String
    public var summary: String
    /// The adapter, relative to the package root.
    public var script: String
    /// Python packages (top-level module directories in the venv's site-packages) the adapter
    /// imports: all must be installed for the runtime to be.
    public var modules: [String]
    /// Differences from the reference that are properties of the chain, reusing the built-in
    /// models' classifiers.
    public var knownDivergences: [KnownDivergence]
    /// Request members the adapter needs beyond the protocol's (see
    /// `ExternalProcessBackend.requestFields`); nil for none.
    public var requestFields: (@Sendable (TitanCall, ArraySlice<TitanCall>) -> String?)? = nil
    /// What a report says about a call beyond the call itself (`ChainBackend.note`); nil for nothing.
    public var note: (@Sendable (TitanCall, ArraySlice<TitanCall>) -> String?)? = nil
}

public enum RuntimeBackends {
    public static let all: [RuntimeBackend] = [
        RuntimeBackend(
            name: "evm-boa",
            summary: "the EVM (py-evm through titanoboa) running backends/runtimes/evm/titan_ledger.vy, compiled by Vyper: storage in the evm model's Solidity layout, the ledger with checked uint256 arithmetic",
            script: "backends/runtimes/evm_boa.py",
            modules: ["boa", "vyper", "eth"],
            knownDivergences: [EVMBackend.emptyValueIsAbsent]),
        RuntimeBackend(
            name: "solana-litesvm",
            summary: "the SPL Token program on LiteSVM (solders): mint, transfer, balance and supply as signed transactions; ledger only",
            script: "backends/runtimes/solana_litesvm.py",
            modules: ["solders"],
            knownDivergences: [KnownDivergence.narrowAmounts(bits: 64, chain: "SPL Token")]),
        RuntimeBackend(
            name: "bitcoin-script",
            summary: "Bitcoin's script interpreter (python-bitcoinlib's VerifyScript): UTXOs locked by bare k-of-n multisig outputs, each transfer signed with a witness the built-in BitcoinMultisig model judges (signature order, duplicates, outsiders, the dummy, NULLDUMMY) and the interpreter verifies; ledger only",
            script: "backends/runtimes/bitcoin_script.py",
            modules: ["bitcoin"],
            knownDivergences: [.narrowAmounts(bits: 51, chain: "Bitcoin (MAX_MONEY satoshis)", limit: BitcoinBackend.maxMoney)],
            requestFields: BitcoinScriptWallet.requestFields,
            note: BitcoinScriptWallet.note),
        RuntimeBackend(
            name: "ton-pytvm",
            summary: "TON's TVM (the emulator pytvm ships) running dictionary get-methods (DICTGETREF, DICTSETREF, DICTDEL) on the ton model's HashmapE 520 ^Cell of cell chains; storage only",
            script: "backends/runtimes/ton_pytvm.py",
            modules: ["pytvm", "pytoniq_core"],
            knownDivergences: []),
    ]

    public static var names: [String] { all.map(\.name) }

    public static func find(_ name: String) -> RuntimeBackend? { all.first { $0.name == name } }

    /// The project's virtual environment's interpreter, relative to the package root.
    public static let python = ".venv/bin/python3"

    /// Why a runtime backend cannot be run.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The package root the runtimes are found under: the current directory if it holds
    /// `backends/runtimes`, else the nearest directory above the titan executable that does
    /// (`.build/debug/titan` is two levels below it). nil when neither does.
    public static func packageRoot(executable: String, currentDirectory: String = FileManager.default.currentDirectoryPath) -> String? {
        func holdsRuntimes(_ dir: URL) -> Bool {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent("backends/runtimes").path)
        }
        let cwd = URL(fileURLWithPath: currentDirectory)
        if holdsRuntimes(cwd) { return cwd.standardizedFileURL.path }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if holdsRuntimes(dir) { return dir.path }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// What is missing for `runtime` under `root` (empty: it is installed): the venv's python, or
    /// a package the adapter imports.
    public static func missing(_ runtime: RuntimeBackend, root: String) -> [String] {
        let fm = FileManager.default
        let venv = URL(fileURLWithPath: root).appendingPathComponent(".venv")
        guard fm.isExecutableFile(atPath: venv.appendingPathComponent("bin/python3").path) else {
            return ["\(python) (the project's virtual environment)"]
        }
        let lib = venv.appendingPathComponent("lib")
        let sitePackages = ((try? fm.contentsOfDirectory(atPath: lib.path)) ?? [])
            .filter { $0.hasPrefix("python") }
            .map { lib.appendingPathComponent($0).appendingPathComponent("site-packages") }
        return runtime.modules.filter { m in
            !sitePackages.contains { fm.fileExists(atPath: $0.appendingPathComponent(m).path) }
        }.map { "the Python package '\($0)'" }
    }

    /// The backend running `runtime`'s adapter with the venv's python, from the package root.
    /// Throws `Unavailable` (saying to run ./scripts/setup) when it is not installed.
    public static func backend(_ runtime: RuntimeBackend, executable: String, timeout: Double,
                               startupTimeout: Double, currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> ExternalProcessBackend {
        guard let root = packageRoot(executable: executable, currentDirectory: currentDirectory) else {
            throw Unavailable(description: "runtime backend '\(runtime.name)' needs the package root (a directory holding backends/runtimes): run titan from it")
        }
        let missing = missing(runtime, root: root)
        guard missing.isEmpty else {
            throw Unavailable(description: "runtime backend '\(runtime.name)' is not installed (missing in \(root): \(missing.joined(separator: ", "))): run ./scripts/setup")
        }
        let b = ExternalProcessBackend(command: ShellQuote.quote(python) + " " + ShellQuote.quote(runtime.script),
                                       timeout: timeout, startupTimeout: startupTimeout, name: runtime.name,
                                       summary: runtime.summary, knownDivergences: runtime.knownDivergences)
        b.workingDirectory = root
        b.requestFields = runtime.requestFields
        b.callNote = runtime.note
        return b
    }
}
