import ArgumentParser
import Foundation
import TitanLayout

extension Titan {
    struct Layout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Storage layouts of upgradeable contracts.",
            subcommands: [Check.self]
        )
    }
}

extension Titan.Layout {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a new storage layout can replace an old one behind a proxy.",
            discussion: """
            OLD and NEW are solc storageLayout output (bare, under "storageLayout", or solc standard-JSON output) or Titan layout files (the same shape plus ERC-7201 "namespaces"). Every old variable must stay at its slot and offset with a type that reads its bits the same way; new variables go after all old ones or into a __gap that shrinks to match.

            Exit codes: 0 compatible, 1 incompatible (one line per error), 2 bad input or usage.
            """
        )

        @Argument(help: "The deployed layout (JSON).")
        var old: String

        @Argument(help: "The upgrade's layout (JSON).")
        var new: String

        @Option(help: "Output on stdout: text or json.")
        var format: OutputFormat = .text

        @Option(help: "The contract to take from solc standard-JSON output, in both files: Name or file:Name.")
        var contract: String?

        @Option(name: .customLong("old-contract"), help: "The contract to take from OLD (overrides --contract).")
        var oldContract: String?

        @Option(name: .customLong("new-contract"), help: "The contract to take from NEW (overrides --contract).")
        var newContract: String?

        func run() throws {
            let report: LayoutReport
            do {
                let before = try LayoutLoader.load(path: old, contract: oldContract ?? contract)
                let after = try LayoutLoader.load(path: new, contract: newContract ?? contract)
                report = LayoutComparator.compare(before, after)
            } catch let e as LayoutInputError {
                FileHandle.standardError.write(Data("error: \(e)\n".utf8))
                throw ExitCode(2)
            }
            switch format {
            case .text:
                print(report.text(), terminator: "")
            case .json:
                print(String(decoding: try report.json(), as: UTF8.self))
            }
            throw ExitCode(report.compatible ? 0 : 1)
        }
    }
}
