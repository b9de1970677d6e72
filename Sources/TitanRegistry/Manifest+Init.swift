import Foundation
import TitanIR
import TitanSpec

extension Manifest {
    /// What `tpm init` claims: every `.tspec` under `specs/` and all of its properties.
    public static func discoverSpecs(in directory: URL) throws -> (specs: [String], properties: [String]) {
        let specDir = directory.appendingPathComponent("specs")
        guard FileManager.default.fileExists(atPath: specDir.path) else { return ([], []) }
        let files: [SpecFile]
        do { files = try SpecLoader.load(paths: [specDir.path]) } catch let e as SpecErrors {
            throw RegistryError.specError(e.description)
        }
        var specs: [String] = [], properties: [String] = []
        for f in files {
            specs.append(String(f.path.dropFirst(directory.path.count + 1)))
            for m in f.models { properties += m.properties.map { "\(m.name).\($0.name)" } }
        }
        return (specs, properties)
    }

    /// The model name `tpm init` gives a package's example spec: the name in CamelCase.
    public static func exampleModelName(for package: String) -> String {
        let words = package.split(whereSeparator: { $0 == "-" || $0 == "_" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        let name = words.joined()
        return name.first?.isLetter == true ? name : "Package" + name
    }

    /// The example spec `tpm init` writes into an empty package: a ledger whose invariant and
    /// rule both prove, so the package publishes verified as it is.
    public static func exampleSpec(model: String) -> String {
        """
        // An example model written by `tpm init`; replace it with your own. Every property here is
        // claimed in package.titan.toml, and the registry re-proves each one when the package is published.
        model \(model) {
          arithmetic checked                      // an overflow reverts the action
          state balances: map<address, uint256>
          state totalSupply: uint256

          action mint(to: address, amount: uint256) {
            balances[to] = balances[to] + amount
            totalSupply = totalSupply + amount
          }

          action transfer(from: address, to: address, amount: uint256) {
            require balances[from] >= amount      // reverts the action when false
            balances[from] = balances[from] - amount
            balances[to] = balances[to] + amount
          }

          invariant supply_is_sum: totalSupply == sum(balances)

          rule transfer_moves_amount on transfer(from, to, amount):
            !reverted && from != to ==>
              balances'[from] == balances[from] - amount && balances'[to] == balances[to] + amount
        }

        """
    }
}
