import ArgumentParser
import Foundation
import TitanRegistry

/// The owner's key, for commands only the owner of a name may run.
struct OwnerKeyOption: ParsableArguments {
    @Option(help: "The owner's private key (tpm keygen).")
    var key: String = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".titan/publisher.key").path
}

extension TPM {
    struct Yank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Yank a version (owner only): it stays readable but is never chosen by install, and audit flags it.")

        @Argument(help: "NAME@VERSION")
        var package: PackageID
        @OptionGroup var owner: OwnerKeyOption
        @OptionGroup var options: RegistryOptions

        func run() async throws {
            let info = try await guarded {
                let s = try PublisherKey.load(owner.key).sign(OwnerAction.yank(package.name, package.version))
                return try await options.open().yank(package.name, package.version, signature: s)
            }
            print("yanked \(info.name)@\(info.version)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a verified version up for sale at a price in integer minor units (owner only).")

        @Argument(help: "NAME@VERSION")
        var package: PackageID
        @Option(help: "Price in integer minor units (at least 1).")
        var price: Int64
        @OptionGroup var owner: OwnerKeyOption
        @OptionGroup var options: RegistryOptions

        func run() async throws {
            let info = try await guarded {
                let s = try PublisherKey.load(owner.key).sign(OwnerAction.list(package.name, package.version, price: price))
                return try await options.open().list(package.name, package.version, price: price, signature: s)
            }
            print("listed \(info.name)@\(info.version) at \(info.price ?? 0) minor units")
        }
    }

    struct Buy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Buy a listed version: records buyer, price, the registry's fee (price / 10, rounded down) and the seller's proceeds (price - fee).")

        @Argument(help: "NAME@VERSION")
        var package: PackageID
        @Option(help: "The buyer's address.")
        var buyer: String
        @OptionGroup var options: RegistryOptions
        @Flag(help: "Print the purchase as JSON.")
        var json = false

        func run() async throws {
            let p = try await guarded { try await options.open().buy(package.name, package.version, buyer: buyer) }
            if json { return try printJSON(p) }
            print("purchase \(p.id): \(p.buyer) bought \(p.name)@\(p.version) for \(p.price); registry fee \(p.fee), seller \(p.sellerProceeds)")
        }
    }
}
