import TitanUInt256

/// Solana with the whitepaper's §2.1 slot scheme: a key lives in the 32-byte slot
/// `base + (hash(key) mod 1_000_000)` of the program account, read and written as one word.
/// The paper hashes with Wyhash; Keccak-256 stands in here, since any hash collides the same
/// way modulo 10^6. The slot holds only the value (first byte len + 1, 0 meaning empty), so two
/// keys in one slot are one key, and values longer than 31 bytes do not fit. The account is
/// sized to the 10 MiB maximum at deployment, which covers only the first 327,680 slots.
public final class SolanaHashModBackend: ChainBackend {
    public static let modulus: UInt64 = 1_000_000
    public static let slotSize = 32
    /// The map's base slot (its position among the contract's state variables).
    public static let base = 3

    public private(set) var account: SolanaAccount
    /// Slots written since the last reset, so a reset need not sweep 10 MiB.
    var dirty = Set<Int>()
    var ledger = SPLTokenLedger()

    static let zeroWord = [UInt8](repeating: 0, count: 32)
    public static let valueTooLongCode = 2
    public static let slotOutOfAccountCode = 3

    public init() {
        account = SolanaAccount(size: SolanaAccount.maxDataSize)
    }

    public var name: String { "solana-hashmod" }
    public var summary: String { "Solana, whitepaper §2.1 slots: offset 32 * (base + hash(key) mod 1000000) in a 10 MiB account" }

    public static func slot(of key: [UInt8]) -> Int {
        base + Int(UInt256(bigEndian: Keccak256.hash(key)).quotientAndRemainder(dividingBy: modulus).remainder)
    }

    static func collide(_ a: [UInt8], _ b: [UInt8]) -> Bool { a != b && slot(of: a) == slot(of: b) }

    /// A pair of distinct keys in one reachable slot, found by a birthday search (a few
    /// thousand hashes), so the fuzzer can aim at the collision.
    public static let collidingPair: ([UInt8], [UInt8]) = {
        let reachable = SolanaAccount.maxDataSize / slotSize
        var seen: [Int: [UInt8]] = [:]
        var i: UInt32 = 0
        while true {
            let key = Array("k".utf8) + withUnsafeBytes(of: i.bigEndian, Array.init)
            let s = slot(of: key)
            if s < reachable {
                if let other = seen[s] { return (other, key) }
                seen[s] = key
            }
            i += 1
        }
    }()

    public var keyHints: [[UInt8]] { [SolanaHashModBackend.collidingPair.0, SolanaHashModBackend.collidingPair.1] }

    public var knownDivergences: [KnownDivergence] {
        [SolanaHashModBackend.collisionLostWrite, SolanaHashModBackend.collisionPhantom,
         SolanaHashModBackend.valueTooLong, SolanaHashModBackend.slotOutOfAccount,
         .narrowAmounts(bits: 64, chain: "SPL Token")]
    }

    static func touchedColliding(_ key: [UInt8], in history: [TitanCall]) -> Bool {
        history.contains { op in
            if case .storageWrite(let k, _) = op { return collide(k, key) }
            if case .storageDelete(let k) = op { return collide(k, key) }
            return false
        }
    }

    public static let collisionLostWrite = KnownDivergence(
        name: "slot-collision-lost-write",
        description: "Two keys with equal hash mod 1000000 share one slot: writing or deleting the second overwrites the first, so the first reads back the other key's value (or absent)."
    ) { o in
        guard let key = o.op.storageKey, o.op.name != "storage_write", o.storedBefore != nil else { return false }
        return touchedColliding(key, in: o.history)
    }

    public static let collisionPhantom = KnownDivergence(
        name: "slot-collision-phantom-read",
        description: "Two keys with equal hash mod 1000000 share one slot: a key never written reads (or deletes) the value another key wrote."
    ) { o in
        guard let key = o.op.storageKey, o.op.name != "storage_write", o.storedBefore == nil, o.backend.ret != -1 else { return false }
        return touchedColliding(key, in: o.history)
    }

    public static let valueTooLong = KnownDivergence(
        name: "value-exceeds-slot",
        description: "A slot is one 32-byte word with a length byte: values longer than 31 bytes are refused (ret 2)."
    ) { o in
        guard case .storageWrite(_, let v) = o.op else { return false }
        return v.count > 31 && o.backend.ret == SolanaHashModBackend.valueTooLongCode
    }

    public static let slotOutOfAccount = KnownDivergence(
        name: "slot-beyond-10mib",
        description: "Offsets reach 32 * (base + 999999) bytes, about 32 MB, but an account holds at most 10 MiB: a key whose slot lies beyond it cannot be written (ret 3)."
    ) { o in
        guard case .storageWrite(let k, _) = o.op else { return false }
        return (slot(of: k) + 1) * slotSize > SolanaAccount.maxDataSize && o.backend.ret == SolanaHashModBackend.slotOutOfAccountCode
    }

    public func reset() {
        for o in dirty { account[o..<(o + 32)] = SolanaHashModBackend.zeroWord[...] }
        dirty.removeAll(keepingCapacity: true)
        ledger.reset()
    }

    func offset(_ key: [UInt8]) -> Int? {
        let o = SolanaHashModBackend.slot(of: key) * SolanaHashModBackend.slotSize
        return o + SolanaHashModBackend.slotSize <= account.data.count ? o : nil
    }

    public func storageWrite(key: [UInt8], value: [UInt8]) -> Int {
        guard value.count <= 31 else { return SolanaHashModBackend.valueTooLongCode }
        guard let o = offset(key) else { return SolanaHashModBackend.slotOutOfAccountCode }
        let word = [UInt8(value.count + 1)] + value + [UInt8](repeating: 0, count: 31 - value.count)
        account[o..<(o + 32)] = word[...]
        dirty.insert(o)
        return 0
    }

    public func storageRead(key: [UInt8], bufLen: Int) -> StorageReadResult {
        guard let o = offset(key), account.data[o] != 0 else { return .absent }
        let len = Int(account.data[o]) - 1
        if len > bufLen { return .tooSmall(needed: len) }
        return .ok(value: Array(account.data[(o + 1)..<(o + 1 + len)]))
    }

    public func storageDelete(key: [UInt8]) -> Int {
        guard let o = offset(key), account.data[o] != 0 else { return -1 }
        account[o..<(o + 32)] = SolanaHashModBackend.zeroWord[...]
        return 0
    }

    public func mint(to: Address, amount: UInt256) -> Int { ledger.mintTo(to, amount) }
    public func transfer(from: Address, to: Address, amount: UInt256) -> Int { ledger.transfer(from, to, amount) }
    public func balance(of addr: Address) -> UInt256 { UInt256(ledger.amount(addr)) }
    public func totalSupply() -> UInt256 { UInt256(ledger.supply) }
}
