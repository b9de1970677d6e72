import TitanUInt256

/// Solana: VSS storage in one program-owned account's data, as records at computed offsets
///
///     header  [magic "TVSS" 4][layout_version u8][end u32 LE]
///     record  [live u8][key_len u8][value_len u16 LE][key][value]
///
/// A write overwrites a live record of the same length in place, otherwise retires it and
/// appends; when the account would pass its size limit, dead records are compacted away.
/// The caller's read buffer comes from the 32 KiB bump heap, as a program's would.
/// Balances follow SPL Token (u64 amounts).
public final class SolanaBackend: ChainBackend {
    static let headerSize = 9, endOffset = 5
    static let magic: [UInt8] = Array("TVSS".utf8)

    public private(set) var account = SolanaAccount()
    public private(set) var heap = BumpHeap()
    var ledger = SPLTokenLedger()
    /// The account size limit (10 MiB on chain; smaller only to test the limit quickly).
    public let maxAccountSize: Int

    /// storage_write: the account cannot hold the record even after compaction.
    public static let accountFullCode = 1
    /// storage_read: the caller's buffer could not be allocated on the heap.
    public static let outOfHeapCode = -3

    public init(maxAccountSize: Int = SolanaAccount.maxDataSize) {
        self.maxAccountSize = min(maxAccountSize, SolanaAccount.maxDataSize)
        reset()
    }

    public var name: String { "solana" }
    public var summary: String { "Solana account data (records at computed offsets, 10 KiB realloc steps, 10 MiB cap), 32 KiB bump heap, SPL-Token u64 balances" }

    public var knownDivergences: [KnownDivergence] {
        [SolanaBackend.heapExhausted, .narrowAmounts(bits: 64, chain: "SPL Token"), SolanaBackend.accountFull]
    }

    public static let heapExhausted = KnownDivergence(
        name: "heap-32k",
        description: "The caller's read buffer is allocated on the 32 KiB bump heap: a storage_read with buf_len beyond it fails (ret -3) before the call is made."
    ) { o in
        guard case .storageRead(_, let n) = o.op else { return false }
        return n > BumpHeap.size && o.backend.ret == SolanaBackend.outOfHeapCode
    }

    public static let accountFull = KnownDivergence(
        name: "account-10mib",
        description: "All values live in one account of at most 10 MiB: a write that does not fit even after compaction fails (ret 1)."
    ) { o in
        guard case .storageWrite = o.op else { return false }
        return o.reference.ret == 0 && o.backend.ret == SolanaBackend.accountFullCode
    }

    public func reset() {
        account = SolanaAccount()
        account.beginInstruction()
        try! account.realloc(SolanaBackend.headerSize)
        account[0..<4] = SolanaBackend.magic[...]
        account[4..<5] = [1]
        account.setU32(SolanaBackend.headerSize, at: SolanaBackend.endOffset)
        heap.reset()
        ledger.reset()
    }

    /// Every call is one instruction: fresh heap, fresh realloc allowance.
    func beginInstruction() { heap.reset(); account.beginInstruction() }

    var end: Int { account.u32(at: SolanaBackend.endOffset) }

    /// The offset of the live record for `key`.
    func find(_ key: [UInt8]) -> Int? {
        var o = SolanaBackend.headerSize
        let e = end
        while o < e {
            let keyLen = Int(account.data[o + 1]), valueLen = account.u16(at: o + 2)
            if account.data[o] == 1 && keyLen == key.count && account.data[(o + 4)..<(o + 4 + keyLen)].elementsEqual(key) { return o }
            o += 4 + keyLen + valueLen
        }
        return nil
    }

    func recordValue(at o: Int) -> [UInt8] {
        let keyLen = Int(account.data[o + 1]), valueLen = account.u16(at: o + 2)
        return Array(account.data[(o + 4 + keyLen)..<(o + 4 + keyLen + valueLen)])
    }

    /// Moves live records down over dead ones; the data shrinks to what is live.
    func compact() {
        var read = SolanaBackend.headerSize, write = SolanaBackend.headerSize
        let e = end
        while read < e {
            let size = 4 + Int(account.data[read + 1]) + account.u16(at: read + 2)
            if account.data[read] == 1 {
                if read != write { account[write..<(write + size)] = account[read..<(read + size)] }
                write += size
            }
            read += size
        }
        account.setU32(write, at: SolanaBackend.endOffset)
        try! account.realloc(write)
    }

    public func storageWrite(key: [UInt8], value: [UInt8]) -> Int {
        beginInstruction()
        let existing = find(key)
        if let o = existing, account.u16(at: o + 2) == value.count {
            account[(o + 4 + key.count)..<(o + 4 + key.count + value.count)] = value[...]
            return 0
        }
        let size = 4 + key.count + value.count
        if end + size > maxAccountSize { compact() }
        // Compaction may have moved the old record; look it up again before retiring it.
        let old = find(key)
        let o = end
        guard o + size <= maxAccountSize else { return SolanaBackend.accountFullCode }
        do { try account.realloc(o + size) } catch { return SolanaBackend.accountFullCode }
        if let old { account[old..<(old + 1)] = [0] }
        account[o..<(o + 1)] = [1]
        account[(o + 1)..<(o + 2)] = [UInt8(key.count)]
        account.setU16(value.count, at: o + 2)
        account[(o + 4)..<(o + 4 + key.count)] = key[...]
        account[(o + 4 + key.count)..<(o + size)] = value[...]
        account.setU32(o + size, at: SolanaBackend.endOffset)
        return 0
    }

    public func storageRead(key: [UInt8], bufLen: Int) -> StorageReadResult {
        beginInstruction()
        guard heap.alloc(bufLen) != nil else { return .failed(code: SolanaBackend.outOfHeapCode) }
        guard let o = find(key) else { return .absent }
        let len = account.u16(at: o + 2)
        if len > bufLen { return .tooSmall(needed: len) }
        return .ok(value: recordValue(at: o))
    }

    public func storageDelete(key: [UInt8]) -> Int {
        beginInstruction()
        guard let o = find(key) else { return -1 }
        account[o..<(o + 1)] = [0]
        return 0
    }

    public func mint(to: Address, amount: UInt256) -> Int { beginInstruction(); return ledger.mintTo(to, amount) }
    public func transfer(from: Address, to: Address, amount: UInt256) -> Int {
        beginInstruction(); return ledger.transfer(from, to, amount)
    }
    public func balance(of addr: Address) -> UInt256 { UInt256(ledger.amount(addr)) }
    public func totalSupply() -> UInt256 { UInt256(ledger.supply) }
}
