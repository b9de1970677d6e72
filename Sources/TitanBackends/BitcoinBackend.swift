import TitanUInt256

/// Bitcoin: no mutable storage and no balances, only a set of unspent outputs.
/// - mint is a coinbase-like output; a balance is the sum of an owner's UTXOs, the supply the
///   sum of all of them; amounts are satoshis bounded by MAX_MONEY (21,000,000 BTC).
/// - transfer spends the sender's UTXOs (oldest first) into a payment output and a change output.
/// - storage is an append-only chain of OP_RETURN metadata outputs ('T' 'W' key_len key value,
///   or 'T' 'D' key_len key for a delete); the last record for a key wins. An OP_RETURN payload
///   is at most 80 bytes (the standardness limit), so larger writes are refused.
public final class BitcoinBackend: ChainBackend {
    public static let maxMoney = UInt256(21_000_000 * 100_000_000)
    public static let opReturnLimit = 80
    public static let payloadTooLargeCode = 1

    public struct OutPoint: Hashable, Comparable {
        public var txid: [UInt8]
        public var vout: Int
        public static func < (a: OutPoint, b: OutPoint) -> Bool { (a.txid.lexicographicallyPrecedes(b.txid)) || (a.txid == b.txid && a.vout < b.vout) }
    }
    public struct TxOut { public var value: UInt64; public var owner: Address }

    public private(set) var utxos: [OutPoint: TxOut] = [:]
    /// The order outputs were created in, so coin selection is deterministic.
    var created: [OutPoint: Int] = [:]
    var clock = 0
    public private(set) var metadata: [[UInt8]] = []

    public init() {}

    public var name: String { "bitcoin" }
    public var summary: String { "Bitcoin UTXOs (balances are sums of outputs, MAX_MONEY), storage as OP_RETURN metadata (80 bytes)" }

    public var knownDivergences: [KnownDivergence] {
        [BitcoinBackend.opReturnTooLarge, .narrowAmounts(bits: 51, chain: "Bitcoin (MAX_MONEY satoshis)", limit: BitcoinBackend.maxMoney)]
    }

    public static let opReturnTooLarge = KnownDivergence(
        name: "op-return-80-bytes",
        description: "There is no mutable storage; a write becomes an OP_RETURN output, which carries at most 80 bytes: a write whose record ('T' 'W' key_len key value) is larger is refused (ret 1)."
    ) { o in
        guard case .storageWrite(let k, let v) = o.op else { return false }
        return 3 + k.count + v.count > opReturnLimit && o.backend.ret == payloadTooLargeCode
    }

    public func reset() { utxos.removeAll(); created.removeAll(); metadata.removeAll(); clock = 0 }

    /// Adds a transaction's outputs; its id hashes its contents (a stand-in for double SHA-256).
    func commit(inputs: [OutPoint], outputs: [TxOut], opReturn: [UInt8]? = nil) {
        var preimage: [UInt8] = withUnsafeBytes(of: UInt64(clock).bigEndian, Array.init)
        for i in inputs { preimage += i.txid + [UInt8(i.vout)] }
        for o in outputs { preimage += withUnsafeBytes(of: o.value.bigEndian, Array.init) + o.owner.bytes }
        if let opReturn { preimage += opReturn }
        let txid = Keccak256.hash(preimage)
        for i in inputs { utxos[i] = nil; created[i] = nil }
        for (n, o) in outputs.enumerated() {
            let p = OutPoint(txid: txid, vout: n)
            utxos[p] = o; created[p] = clock
        }
        if let opReturn { metadata.append(opReturn) }
        clock += 1
    }

    func latestRecord(_ key: [UInt8]) -> [UInt8]? {
        metadata.last { $0[2] == UInt8(key.count) && $0[3..<(3 + key.count)].elementsEqual(key) }
    }

    public func storageWrite(key: [UInt8], value: [UInt8]) -> Int {
        let payload = Array("TW".utf8) + [UInt8(key.count)] + key + value
        guard payload.count <= BitcoinBackend.opReturnLimit else { return BitcoinBackend.payloadTooLargeCode }
        commit(inputs: [], outputs: [], opReturn: payload)
        return 0
    }

    public func storageRead(key: [UInt8], bufLen: Int) -> StorageReadResult {
        guard let r = latestRecord(key), r[1] == UInt8(ascii: "W") else { return .absent }
        let value = Array(r[(3 + key.count)...])
        return value.count > bufLen ? .tooSmall(needed: value.count) : .ok(value: value)
    }

    public func storageDelete(key: [UInt8]) -> Int {
        guard let r = latestRecord(key), r[1] == UInt8(ascii: "W") else { return -1 }
        commit(inputs: [], outputs: [], opReturn: Array("TD".utf8) + [UInt8(key.count)] + key)
        return 0
    }

    func outputs(of a: Address) -> [OutPoint] {
        utxos.filter { $0.value.owner == a }.keys.sorted { (created[$0]!, $0) < (created[$1]!, $1) }
    }

    public func balance(of addr: Address) -> UInt256 { UInt256(utxos.values.filter { $0.owner == addr }.reduce(0) { $0 + $1.value }) }
    public func totalSupply() -> UInt256 { UInt256(utxos.values.reduce(0) { $0 + $1.value }) }

    public func mint(to: Address, amount: UInt256) -> Int {
        guard let total = totalSupply().adding(amount), total <= BitcoinBackend.maxMoney else { return 1 }
        if amount.isZero { return 0 }   // an output of zero value is dust; nothing to create
        commit(inputs: [], outputs: [TxOut(value: amount.low64, owner: to)])
        return 0
    }

    public func transfer(from: Address, to: Address, amount: UInt256) -> Int {
        guard amount <= BitcoinBackend.maxMoney else { return 1 }
        if amount.isZero { return 0 }   // a spend needs an input and a non-zero output
        var selected: [OutPoint] = []
        var sum: UInt64 = 0
        for p in outputs(of: from) where sum < amount.low64 {
            selected.append(p); sum += utxos[p]!.value
        }
        guard sum >= amount.low64 else { return 1 }
        var outs = [TxOut(value: amount.low64, owner: to)]
        if sum > amount.low64 { outs.append(TxOut(value: sum - amount.low64, owner: from)) }
        commit(inputs: selected, outputs: outs)
        return 0
    }
}
