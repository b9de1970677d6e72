/// How a sale's price is divided: the registry's fee is 10% rounded down (integer division),
/// the seller gets the rest, so `fee + seller == price` exactly. `Specs/kernel/marketplace.tspec`
/// states the same split, and a test runs random prices through both.
public struct MarketplaceSplit: Sendable, Equatable {
    public static let feeDivisor: Int64 = 10
    public let price: Int64
    public let fee: Int64
    public let seller: Int64

    /// Prices are integer minor units, at least 1.
    public init(price: Int64) throws {
        guard price >= 1 else { throw RegistryError.invalidArgument("price must be a positive integer number of minor units") }
        self.price = price
        fee = price / Self.feeDivisor
        seller = price - fee
    }
}
