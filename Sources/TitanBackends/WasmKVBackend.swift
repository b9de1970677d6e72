import TitanUInt256

/// Wasm chains with a host key-value store (Near, Cosmos, Polkadot style), modeled on Near:
/// a contract sees one byte-keyed store through host calls, and namespaces its state by
/// prefix: "s" + key for VSS values, "b" + address for balances, "t" for the supply. A read
/// goes through a register, and the kernel copies registers into a 4096-byte buffer. The
/// ledger follows NEP-141: U128 amounts, and ft_transfer panics for a transfer to oneself or
/// of zero.
public final class WasmKVBackend: ChainBackend {
    public static let registerBufferLimit = 4096
    public private(set) var host: [[UInt8]: [UInt8]] = [:]
    var register: [UInt8]?

    public init() {}

    public var name: String { "wasm-kv" }
    public var summary: String { "Wasm host KV store (Near): prefixed byte keys, 4096-byte register reads, NEP-141 U128 balances" }

    public var knownDivergences: [KnownDivergence] {
        [.narrowAmounts(bits: 128, chain: "NEP-141 (U128)"), WasmKVBackend.selfTransfer, WasmKVBackend.zeroTransfer]
    }

    public static let selfTransfer = KnownDivergence(
        name: "nep141-self-transfer",
        description: "NEP-141 ft_transfer asserts that the receiver differs from the sender: a transfer to oneself fails (ret 1) where the reference succeeds as a no-op."
    ) { o in
        guard case .transfer(let f, let t, _) = o.op else { return false }
        return f == t && o.reference.ret == 0 && o.backend.ret == 1
    }

    public static let zeroTransfer = KnownDivergence(
        name: "nep141-zero-amount",
        description: "NEP-141 ft_transfer requires a positive amount: a transfer of 0 fails (ret 1) where the reference succeeds."
    ) { o in
        guard case .transfer(_, _, let a) = o.op else { return false }
        return a.isZero && o.reference.ret == 0 && o.backend.ret == 1
    }

    // Host functions.
    func storageWriteHost(_ k: [UInt8], _ v: [UInt8]) { host[k] = v }
    /// Puts the value in register 0; returns whether the key exists.
    func storageReadHost(_ k: [UInt8]) -> Bool { register = host[k]; return register != nil }
    func storageRemoveHost(_ k: [UInt8]) -> Bool { host.removeValue(forKey: k) != nil }

    static let storagePrefix = UInt8(ascii: "s"), balancePrefix = UInt8(ascii: "b")
    static let supplyKey: [UInt8] = [UInt8(ascii: "t")]

    public func reset() { host.removeAll(); register = nil }

    public func storageWrite(key: [UInt8], value: [UInt8]) -> Int {
        storageWriteHost([WasmKVBackend.storagePrefix] + key, value)
        return 0
    }

    public func storageRead(key: [UInt8], bufLen: Int) -> StorageReadResult {
        guard storageReadHost([WasmKVBackend.storagePrefix] + key), let value = register else { return .absent }
        // The kernel reads the register into its fixed buffer before copying to the caller.
        guard value.count <= WasmKVBackend.registerBufferLimit else { return .failed(code: -3) }
        return value.count > bufLen ? .tooSmall(needed: value.count) : .ok(value: value)
    }

    public func storageDelete(key: [UInt8]) -> Int {
        storageRemoveHost([WasmKVBackend.storagePrefix] + key) ? 0 : -1
    }

    func u128(_ k: [UInt8]) -> UInt256 {
        guard storageReadHost(k), let le = register else { return .zero }
        return UInt256(bigEndian: le.reversed())
    }
    func setU128(_ k: [UInt8], _ v: UInt256) {
        storageWriteHost(k, Array(v.bigEndianBytes.suffix(16).reversed()))
    }

    public func mint(to: Address, amount: UInt256) -> Int {
        guard let supply = u128(WasmKVBackend.supplyKey).adding(amount, bits: 128) else { return 1 }
        let k = [WasmKVBackend.balancePrefix] + to.bytes
        setU128(k, u128(k).addingReportingOverflow(amount).partialValue)
        setU128(WasmKVBackend.supplyKey, supply)
        return 0
    }

    public func transfer(from: Address, to: Address, amount: UInt256) -> Int {
        guard from != to, !amount.isZero else { return 1 }   // env::panic in ft_transfer
        let kf = [WasmKVBackend.balancePrefix] + from.bytes, kt = [WasmKVBackend.balancePrefix] + to.bytes
        let have = u128(kf)
        guard have >= amount else { return 1 }
        setU128(kf, have.subtractingReportingOverflow(amount).partialValue)
        setU128(kt, u128(kt).addingReportingOverflow(amount).partialValue)
        return 0
    }

    public func balance(of addr: Address) -> UInt256 { u128([WasmKVBackend.balancePrefix] + addr.bytes) }
    public func totalSupply() -> UInt256 { u128(WasmKVBackend.supplyKey) }
}
