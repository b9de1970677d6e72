import Foundation
import TitanProver

/// Whether the registry's own re-check proved every claimed property.
public enum VerificationStatus: String, Codable, Sendable {
    case verified, unverified
}

/// The registry's verdict on one property of a published version.
public struct PropertyVerdict: Codable, Sendable, Equatable {
    /// `Model.property`.
    public var name: String
    public var spec: String
    public var kind: String
    /// Named in the manifest's `[proofs] properties`; only claimed properties decide verification.
    public var claimed: Bool
    public var status: Status
    public var method: String
    public var reason: String?
    /// For a violated property: the trace the interpreter replayed.
    public var counterexample: Counterexample?
}

/// One published version as the registry records it. The JSON API returns this shape.
public struct PackageVersionInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var digest: String
    /// `ed25519:<base64>` of the key that signed it (the name's owner).
    public var publisherKey: String
    public var status: VerificationStatus
    /// Why it is not verified (empty when verified).
    public var reasons: [String]
    /// The tool and solver that re-checked it, e.g. `titan 0.1.0; z3 4.8.12`.
    public var checkedWith: String
    public var publishedAt: String
    public var yanked: Bool
    /// Listing price in integer minor units; nil when not for sale.
    public var price: Int64?
    public var dependencies: [Manifest.Dependency]
    public var targets: [Manifest.Target]
    public var verdicts: [PropertyVerdict]

    /// Claimed properties the registry proved.
    public var provedProperties: [String] { verdicts.filter { $0.claimed && $0.status == .proved }.map(\.name) }
}

/// A package in search results: its newest version that is not yanked.
public struct PackageSummary: Codable, Sendable, Equatable {
    public var name: String
    public var latest: String
    public var status: VerificationStatus
    public var provedProperties: [String]
    public var price: Int64?
}

/// A recorded sale. `fee + sellerProceeds == price` always (see `MarketplaceSplit`).
public struct Purchase: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var version: String
    public var buyer: String
    public var price: Int64
    public var fee: Int64
    public var sellerProceeds: Int64
    public var purchasedAt: String
}
