import TitanUInt256

/// TON: contract data (c4) is one root cell
///
///     storage:(HashmapE 520 ^Cell) balances:(HashmapE 160 ^Cell) total_supply:Coins
///
/// Storage keys are 520 bits (a length byte and the key padded to 64 bytes), values chains of
/// cells of at most 127 bytes each. Balances and the supply are `Coins` (VarUInteger 16), as
/// jettons keep them. Every call decodes c4 and builds a new one.
public final class TONBackend: ChainBackend {
    public static let storageKeyBits = 8 + 8 * 64
    public private(set) var c4: Cell

    public init() { c4 = try! TONBackend.encode(TONDictionary(keyBits: TONBackend.storageKeyBits), TONDictionary(keyBits: 160), .zero) }

    public var name: String { "ton" }
    public var summary: String { "TON cells (1023 bits, 4 refs): c4 with a 520-bit-key dictionary of cell chains, Coins balances" }
    public var knownDivergences: [KnownDivergence] { [.narrowAmounts(bits: 120, chain: "TON Coins (VarUInteger 16)")] }

    static func encode(_ storage: TONDictionary, _ balances: TONDictionary, _ supply: UInt256) throws -> Cell {
        var bits: [Bool] = [], refs: [Cell] = []
        for d in [storage, balances] {
            bits.append(d.root != nil)
            if let r = d.root { refs.append(r) }
        }
        return try Cell(bits: bits + CellBits.coins(supply)!, refs: refs)
    }

    func decode() -> (TONDictionary, TONDictionary, UInt256) {
        var refs = c4.refs[...]
        let storage = TONDictionary(keyBits: TONBackend.storageKeyBits, root: c4.bits[0] ? refs.popFirst() : nil)
        let balances = TONDictionary(keyBits: 160, root: c4.bits[1] ? refs.popFirst() : nil)
        return (storage, balances, CellBits.readCoins(c4.bits[2...]).0)
    }

    static func storageKey(_ key: [UInt8]) -> [Bool] {
        CellBits.of([UInt8(key.count)] + key + [UInt8](repeating: 0, count: 64 - key.count))
    }

    public func reset() { c4 = try! TONBackend.encode(TONDictionary(keyBits: TONBackend.storageKeyBits), TONDictionary(keyBits: 160), .zero) }

    public func storageWrite(key: [UInt8], value: [UInt8]) throws -> Int {
        guard key.count <= 64 else { return 1 }
        var (s, b, supply) = decode()
        try s.set(TONBackend.storageKey(key), try CellChain.build(value))
        c4 = try TONBackend.encode(s, b, supply)
        return 0
    }

    public func storageRead(key: [UInt8], bufLen: Int) -> StorageReadResult {
        guard key.count <= 64, let cell = decode().0.get(TONBackend.storageKey(key)) else { return .absent }
        let value = CellChain.read(cell)
        return value.count > bufLen ? .tooSmall(needed: value.count) : .ok(value: value)
    }

    public func storageDelete(key: [UInt8]) throws -> Int {
        guard key.count <= 64 else { return -1 }
        var (s, b, supply) = decode()
        guard try s.remove(TONBackend.storageKey(key)) else { return -1 }
        c4 = try TONBackend.encode(s, b, supply)
        return 0
    }

    func balance(_ d: TONDictionary, _ a: Address) -> UInt256 {
        d.get(CellBits.of(a.bytes)).map { CellBits.readCoins($0.bits[...]).0 } ?? .zero
    }

    func setBalance(_ d: inout TONDictionary, _ a: Address, _ v: UInt256) throws {
        try d.set(CellBits.of(a.bytes), try Cell(bits: CellBits.coins(v)!))
    }

    public func mint(to: Address, amount: UInt256) throws -> Int {
        var (s, b, supply) = decode()
        guard let newSupply = supply.adding(amount, bits: 120) else { return 1 }
        try setBalance(&b, to, balance(b, to).addingReportingOverflow(amount).partialValue)
        c4 = try TONBackend.encode(s, b, newSupply)
        return 0
    }

    public func transfer(from: Address, to: Address, amount: UInt256) throws -> Int {
        var (s, b, supply) = decode()
        let have = balance(b, from)
        guard have >= amount else { return 1 }
        try setBalance(&b, from, have.subtractingReportingOverflow(amount).partialValue)
        try setBalance(&b, to, balance(b, to).addingReportingOverflow(amount).partialValue)
        c4 = try TONBackend.encode(s, b, supply)
        return 0
    }

    public func balance(of addr: Address) -> UInt256 { balance(decode().1, addr) }
    public func totalSupply() -> UInt256 { decode().2 }
}
