import TitanUInt256

/// A Solana account's data: a fixed-size byte array that only a realloc changes, by at most
/// 10 KiB per instruction and to at most 10 MiB in all.
public struct SolanaAccount {
    public static let maxDataSize = 10 * 1024 * 1024
    public static let maxGrowthPerInstruction = 10 * 1024

    public private(set) var data: [UInt8]
    /// What the current instruction has grown the account by so far.
    private var grownThisInstruction = 0

    public init(size: Int = 0) { data = [UInt8](repeating: 0, count: size) }

    public enum ReallocError: Error { case tooLarge, growthPerInstructionExceeded }

    /// Starts a new instruction: the growth allowance is renewed.
    public mutating func beginInstruction() { grownThisInstruction = 0 }

    /// Resizes the data; new bytes are zero.
    public mutating func realloc(_ newSize: Int) throws {
        if newSize > SolanaAccount.maxDataSize { throw ReallocError.tooLarge }
        let growth = newSize - data.count
        if growth > 0 {
            if grownThisInstruction + growth > SolanaAccount.maxGrowthPerInstruction { throw ReallocError.growthPerInstructionExceeded }
            grownThisInstruction += growth
            data += [UInt8](repeating: 0, count: growth)
        } else if growth < 0 {
            data.removeLast(-growth)
        }
    }

    public subscript(range: Range<Int>) -> ArraySlice<UInt8> {
        get { data[range] }
        set { data.replaceSubrange(range, with: newValue) }
    }

    public func u16(at o: Int) -> Int { Int(data[o]) | Int(data[o + 1]) << 8 }
    public mutating func setU16(_ v: Int, at o: Int) { data[o] = UInt8(v & 0xff); data[o + 1] = UInt8(v >> 8) }
    public func u32(at o: Int) -> Int { (0..<4).reduce(0) { $0 | Int(data[o + $1]) << (8 * $1) } }
    public mutating func setU32(_ v: Int, at o: Int) { for i in 0..<4 { data[o + i] = UInt8((v >> (8 * i)) & 0xff) } }
    public func u64(at o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[o + $1]) << UInt64(8 * $1) } }
    public mutating func setU64(_ v: UInt64, at o: Int) { for i in 0..<8 { data[o + i] = UInt8((v >> UInt64(8 * i)) & 0xff) } }
}

/// The SBF program heap: a 32 KiB bump allocator, reset per instruction; free is a no-op.
public struct BumpHeap {
    public static let size = 32 * 1024
    public private(set) var used = 0
    public init() {}
    /// The offset of the new block, or nil when it does not fit (the allocator returns null).
    public mutating func alloc(_ n: Int, align: Int = 8) -> Int? {
        let start = (used + align - 1) / align * align
        guard n >= 0, n <= BumpHeap.size, start <= BumpHeap.size - n else { return nil }
        used = start + n
        return start
    }
    public mutating func reset() { used = 0 }
}

/// An SPL-Token-style ledger: a mint account (supply: u64 at offset 36) and one token account
/// per owner (amount: u64 at offset 64, 165 bytes), all amounts u64 as on Solana.
struct SPLTokenLedger {
    static let mintSize = 82, supplyOffset = 36
    static let tokenAccountSize = 165, ownerOffset = 32, amountOffset = 64

    var mint = SolanaAccount(size: SPLTokenLedger.mintSize)
    /// The chain's account database, restricted to this mint's token accounts, by owner.
    var tokenAccounts: [Address: SolanaAccount] = [:]

    mutating func reset() {
        mint = SolanaAccount(size: SPLTokenLedger.mintSize)
        tokenAccounts.removeAll()
    }

    func amount(_ owner: Address) -> UInt64 { tokenAccounts[owner]?.u64(at: SPLTokenLedger.amountOffset) ?? 0 }

    mutating func setAmount(_ owner: Address, _ v: UInt64) {
        var acct = tokenAccounts[owner] ?? {
            // Created on first credit, like an associated token account.
            var a = SolanaAccount(size: SPLTokenLedger.tokenAccountSize)
            a[SPLTokenLedger.ownerOffset..<SPLTokenLedger.ownerOffset + 20] = owner.bytes[...]
            return a
        }()
        acct.setU64(v, at: SPLTokenLedger.amountOffset)
        tokenAccounts[owner] = acct
    }

    var supply: UInt64 { mint.u64(at: SPLTokenLedger.supplyOffset) }

    /// mint_to: the amount must fit a u64 and supply.checked_add(amount) must succeed.
    mutating func mintTo(_ to: Address, _ amount: UInt256) -> Int {
        guard amount.bitWidth <= 64 else { return 1 }
        let (s, o) = supply.addingReportingOverflow(amount.low64)
        if o { return 1 }
        mint.setU64(s, at: SPLTokenLedger.supplyOffset)
        setAmount(to, self.amount(to) + amount.low64)
        return 0
    }

    /// transfer: the source must hold the amount; a self-transfer succeeds and changes nothing.
    mutating func transfer(_ from: Address, _ to: Address, _ amount: UInt256) -> Int {
        let have = self.amount(from)
        guard amount.bitWidth <= 64, have >= amount.low64 else { return 1 }
        if from == to { return 0 }
        setAmount(from, have - amount.low64)
        setAmount(to, self.amount(to) + amount.low64)
        return 0
    }
}
