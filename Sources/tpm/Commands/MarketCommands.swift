import ArgumentParser
import Foundation
import TitanRegistry

/// The signing key, for commands that act in its name: an owner's (yank, list) or a buyer's (buy).
struct OwnerKeyOption: ParsableArguments {
    @Option(help: "The private key that signs the request (tpm keygen; default: $HOME/.titan/publisher.key).")
    var key: String = defaultKeyPath
}

extension TPM {
    struct Yank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Yank a version (owner only): it stays readable but is never chosen by install, and audit flags it.")

        @Argument(help: "NAME@VERSION (VERSION is MAJOR.MINOR.PATCH, e.g. ledger@0.1.0).", transform: PackageID.parse)
        var package: PackageID
        @OptionGroup var owner: OwnerKeyOption
        @OptionGroup var options: RegistryOptions

        func run() async throws {
            let info = try await guarded {
                let key = try PublisherKey.load(owner.key)
                let sequence = SignedAction.nextSequence()
                let s = try key.sign(SignedAction.yank(package.name, package.version, sequence: sequence))
                return try await options.open().yank(package.name, package.version, sequence: sequence, signature: s)
            }
            print("yanked \(info.name)@\(info.version)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a verified version up for sale at a price in integer minor units (owner only).")

        @Argument(help: "NAME@VERSION (VERSION is MAJOR.MINOR.PATCH, e.g. ledger@0.1.0).", transform: PackageID.parse)
        var package: PackageID
        @Option(help: "Price in integer minor units (at least 1).")
        var price: Int64
        @OptionGroup var owner: OwnerKeyOption
        @OptionGroup var options: RegistryOptions

        func validate() throws {
            guard (1...SignedAction.maxPrice).contains(price) else {
                throw ValidationError("--price must be an integer number of minor units from 1 to \(SignedAction.maxPrice)")
            }
        }

        func run() async throws {
            let info = try await guarded {
                let key = try PublisherKey.load(owner.key)
                let sequence = SignedAction.nextSequence()
                let s = try key.sign(SignedAction.list(package.name, package.version, price: price, sequence: sequence))
                return try await options.open().list(package.name, package.version, price: price, sequence: sequence, signature: s)
            }
            print("listed \(info.name)@\(info.version) at \(info.price ?? 0) minor units")
        }
    }

    struct Buy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Buy a listed version, signed with the buyer's key: records the buyer (that key), price, the registry's fee (price / 10, rounded down) and the seller's proceeds (price - fee).")

        @Argument(help: "NAME@VERSION (VERSION is MAJOR.MINOR.PATCH, e.g. ledger@0.1.0).", transform: PackageID.parse)
        var package: PackageID
        @Option(help: "The price you agree to pay, in minor units (default: the current listing price, shown before buying).")
        var price: Int64?
        @OptionGroup var buyer: OwnerKeyOption
        @OptionGroup var options: RegistryOptions
        @Flag(help: "Print the purchase as JSON.")
        var json = false

        func run() async throws {
            let p = try await guarded { () -> Purchase in
                let key = try PublisherKey.load(buyer.key)
                let registry = try await options.open()
                var agreed = price
                if agreed == nil {
                    let v = try await registry.version(package.name, package.version)
                    guard let listed = v.price else {
                        throw RegistryError.notListed("\(package) has no listing price (tpm list), or is not verified, or is yanked")
                    }
                    agreed = listed
                }
                let sequence = SignedAction.nextSequence()
                let s = try key.sign(SignedAction.buy(package.name, package.version, price: agreed!, sequence: sequence))
                return try await registry.buy(package.name, package.version, price: agreed!, sequence: sequence, signature: s)
            }
            if json { return try printJSON(p) }
            print("purchase \(p.id): \(p.buyer) bought \(p.name)@\(p.version) for \(p.price); registry fee \(p.fee), seller \(p.sellerProceeds)")
        }
    }
}
