import TitanUInt256

/// The EVM: one contract's storage as Solidity lays out
///
///     mapping(bytes => bytes) store;           // slot 0
///     mapping(address => uint256) balances;    // slot 1
///     uint256 totalSupply;                     // slot 2
///     mapping(bytes => bool) present;          // slot 3, only with the presence adapter
///
/// with Solidity >= 0.8 checked arithmetic. Without the adapter, an empty value is
/// indistinguishable from an absent key: both are a zero length word.
public final class EVMBackend: ChainBackend {
    public static let storeSlot = UInt256(0)
    public static let balancesSlot = UInt256(1)
    public static let totalSupplySlot = UInt256(2)
    public static let presentSlot = UInt256(3)

    public let withPresenceAdapter: Bool
    public private(set) var storage = EVMStorage()

    public init(withPresenceAdapter: Bool = false) { self.withPresenceAdapter = withPresenceAdapter }

    public var name: String { withPresenceAdapter ? "evm-adapted" : "evm" }
    public var summary: String {
        withPresenceAdapter
            ? "EVM storage words, Solidity layout, with a mapping(bytes => bool) presence adapter"
            : "EVM storage words, Solidity layout: mapping(bytes => bytes), mapping(address => uint256)"
    }

    public var knownDivergences: [KnownDivergence] {
        withPresenceAdapter ? [] : [EVMBackend.emptyValueIsAbsent]
    }

    public static let emptyValueIsAbsent = KnownDivergence(
        name: "empty-value-is-absent",
        description: "An unset slot reads as zero, and a zero-length `bytes` is a zero word: after writing an empty value, read and delete report the key absent (-1) where the reference has it present with length 0."
    ) { o in
        switch o.op {
        case .storageRead:
            return o.reference.ret == 0 && o.reference.outLen == 0 && o.backend == OpResult(ret: -1)
        case .storageDelete:
            return o.storedBefore == [] && o.reference.ret == 0 && o.backend.ret == -1
        default:
            return false
        }
    }

    func valueSlot(_ key: [UInt8]) -> UInt256 { SolidityLayout.mappingSlot(bytesKey: key, base: EVMBackend.storeSlot) }
    func presentSlot(_ key: [UInt8]) -> UInt256 { SolidityLayout.mappingSlot(bytesKey: key, base: EVMBackend.presentSlot) }
    func balanceSlot(_ a: Address) -> UInt256 { SolidityLayout.mappingSlot(address: a, base: EVMBackend.balancesSlot) }

    func isPresent(_ key: [UInt8]) -> Bool {
        withPresenceAdapter
            ? !storage.sload(presentSlot(key)).isZero
            : SolidityLayout.bytesLength(storage, at: valueSlot(key)) != 0
    }

    public func reset() { storage.clear() }

    public func storageWrite(key: [UInt8], value: [UInt8]) -> Int {
        SolidityLayout.writeBytes(&storage, at: valueSlot(key), value)
        if withPresenceAdapter { storage.sstore(presentSlot(key), UInt256(1)) }
        return 0
    }

    public func storageRead(key: [UInt8], bufLen: Int) -> StorageReadResult {
        guard isPresent(key) else { return .absent }
        let slot = valueSlot(key)
        let len = SolidityLayout.bytesLength(storage, at: slot)
        if len > bufLen { return .tooSmall(needed: len) }
        return .ok(value: SolidityLayout.readBytes(storage, at: slot))
    }

    public func storageDelete(key: [UInt8]) -> Int {
        guard isPresent(key) else { return -1 }
        SolidityLayout.clearBytes(&storage, at: valueSlot(key))
        if withPresenceAdapter { storage.sstore(presentSlot(key), .zero) }
        return 0
    }

    public func mint(to: Address, amount: UInt256) -> Int {
        let supply = storage.sload(EVMBackend.totalSupplySlot)
        let (newSupply, overflow) = supply.addingReportingOverflow(amount)
        if overflow { return 1 }   // Panic(0x11): the whole call reverts, nothing was written
        storage.sstore(EVMBackend.totalSupplySlot, newSupply)
        let slot = balanceSlot(to)
        storage.sstore(slot, storage.sload(slot).addingReportingOverflow(amount).partialValue)
        return 0
    }

    public func transfer(from: Address, to: Address, amount: UInt256) -> Int {
        let fromSlot = balanceSlot(from)
        let fromBalance = storage.sload(fromSlot)
        if fromBalance < amount { return 1 }
        // Sender written before the receiver is read, so from == to leaves the balance as it was.
        storage.sstore(fromSlot, fromBalance.subtractingReportingOverflow(amount).partialValue)
        let toSlot = balanceSlot(to)
        storage.sstore(toSlot, storage.sload(toSlot).addingReportingOverflow(amount).partialValue)
        return 0
    }

    public func balance(of addr: Address) -> UInt256 { storage.sload(balanceSlot(addr)) }
    public func totalSupply() -> UInt256 { storage.sload(EVMBackend.totalSupplySlot) }
}
