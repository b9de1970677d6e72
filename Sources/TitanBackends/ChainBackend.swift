import TitanUInt256

/// A failure that stops a backend from answering at all (as opposed to a result that differs):
/// an external process that crashed, hung, or spoke something other than the protocol.
public struct BackendFailure: Error, CustomStringConvertible {
    public var message: String
    /// What the backend wrote to stderr, when it is a process.
    public var stderr: String
    public init(_ message: String, stderr: String = "") { self.message = message; self.stderr = stderr }
    public var description: String { stderr.isEmpty ? message : "\(message)\n--- backend stderr ---\n\(stderr)" }
}

/// The titan.h subset every chain backend implements, on that chain's own state model.
///
/// Return codes follow titan.h: storage_read 0 / -1 absent / -2 buffer too small;
/// storage_delete 0 / -1 absent; storage_write 0 or an error code; mint 0 or 1 (total supply
/// would overflow the chain's amount type); transfer 0 or 1 (the call failed, e.g. insufficient
/// balance). A chain may return other codes where it fails for its own reasons; those show up
/// as divergences unless the backend lists them as known.
public protocol ChainBackend: AnyObject {
    /// The name `--backend` selects it by.
    var name: String { get }
    /// One line: which chain and which state model.
    var summary: String { get }
    /// Differences from the reference that are properties of this chain, not bugs.
    var knownDivergences: [KnownDivergence] { get }
    /// Keys worth trying on this backend (e.g. a pair that collides in its slot scheme).
    var keyHints: [[UInt8]] { get }
    /// False for a backend that implements storage only: it is sent no ledger calls.
    var supportsLedger: Bool { get }
    /// False for a backend that implements the ledger only: it is sent no storage calls.
    var supportsStorage: Bool { get }

    func reset() throws
    func storageWrite(key: [UInt8], value: [UInt8]) throws -> Int
    func storageRead(key: [UInt8], bufLen: Int) throws -> StorageReadResult
    func storageDelete(key: [UInt8]) throws -> Int
    func mint(to: Address, amount: UInt256) throws -> Int
    func transfer(from: Address, to: Address, amount: UInt256) throws -> Int
    func balance(of addr: Address) throws -> UInt256
    func totalSupply() throws -> UInt256

    /// Runs one call. The default dispatches to the methods above.
    func perform(_ op: TitanCall) throws -> OpResult
    /// Runs a sequence from a reset state. A process backend overrides it to pipeline requests.
    func performAll(_ ops: [TitanCall]) throws -> [OpResult]
    /// What a report should say about a call beyond the call itself (e.g. the witness
    /// `bitcoin-script` signs a transfer with), given the calls before it since the reset; nil
    /// for nothing.
    func note(for op: TitanCall, earlier: ArraySlice<TitanCall>) -> String?
}

extension ChainBackend {
    public var keyHints: [[UInt8]] { [] }
    public var supportsLedger: Bool { true }
    public var supportsStorage: Bool { true }
    public func note(for op: TitanCall, earlier: ArraySlice<TitanCall>) -> String? { nil }

    /// The calls of `ops` this backend takes: all of them, the storage calls (and resets) of a
    /// storage-only backend, or the ledger calls (and resets) of a ledger-only one. Storage and
    /// ledger are separate models in the reference, so leaving one side's calls out does not
    /// change what the other side's calls must return.
    public func applicableCalls(_ ops: [TitanCall]) -> [TitanCall] {
        switch (supportsStorage, supportsLedger) {
        case (true, true): return ops
        case (true, false): return ops.filter { !$0.isLedgerCall }
        case (false, true): return ops.filter { $0.storageKey == nil }
        case (false, false): return ops.filter { $0 == .reset }
        }
    }

    public func perform(_ op: TitanCall) throws -> OpResult {
        switch op {
        case .reset: try reset(); return OpResult(ret: 0)
        case .storageWrite(let k, let v): return OpResult(ret: try storageWrite(key: k, value: v))
        case .storageRead(let k, let n): return try storageRead(key: k, bufLen: n).opResult
        case .storageDelete(let k): return OpResult(ret: try storageDelete(key: k))
        case .mint(let to, let a): return OpResult(ret: try mint(to: to, amount: a))
        case .transfer(let f, let t, let a): return OpResult(ret: try transfer(from: f, to: t, amount: a))
        case .balance(let a): return OpResult(ret: 0, amount: try balance(of: a))
        case .totalSupply: return OpResult(ret: 0, amount: try totalSupply())
        }
    }

    public func performAll(_ ops: [TitanCall]) throws -> [OpResult] {
        try reset()
        return try ops.map { try perform($0) }
    }
}

/// Everything a known-divergence predicate may look at: the call, both results, the calls
/// before it in the sequence, and the reference's state the call started from.
public struct Observation: Sendable {
    public var op: TitanCall
    public var reference: OpResult
    public var backend: OpResult
    public var history: [TitanCall]
    /// The value the reference held under the call's storage key before the call (nil: absent).
    public var storedBefore: [UInt8]?
    /// The reference's total supply before the call.
    public var supplyBefore: UInt256
    public init(op: TitanCall, reference: OpResult, backend: OpResult, history: [TitanCall],
                storedBefore: [UInt8]?, supplyBefore: UInt256) {
        self.op = op; self.reference = reference; self.backend = backend; self.history = history
        self.storedBefore = storedBefore; self.supplyBefore = supplyBefore
    }
}

/// A documented difference between a chain and the reference model, as data the fuzzer
/// classifies with.
public struct KnownDivergence: Sendable {
    public var name: String
    public var description: String
    public var matches: @Sendable (Observation) -> Bool
    public init(name: String, description: String, matches: @escaping @Sendable (Observation) -> Bool) {
        self.name = name; self.description = description; self.matches = matches
    }
}

extension KnownDivergence {
    /// Mint refused because the supply would pass the chain's amount width, though the
    /// reference's uint256 supply still has room.
    static func narrowAmounts(bits: Int, chain: String, limit: UInt256? = nil) -> KnownDivergence {
        let max = limit ?? UInt256.maxOf(bits: bits)
        return KnownDivergence(
            name: "amount-width-\(limit == nil ? "u\(bits)" : "max-money")",
            description: "\(chain) amounts are narrower than uint256 (at most \(max)): a mint that takes the total supply past that fails with ret 1, where the reference succeeds."
        ) { o in
            guard case .mint(_, let amount) = o.op, o.reference.ret == 0, o.backend.ret == 1 else { return false }
            let (sum, overflow) = o.supplyBefore.addingReportingOverflow(amount)
            return overflow || sum > max
        }
    }
}
