import Foundation
import BigInt
import TitanBackends
import TitanIR
import TitanInterp
import TitanSemantics
import TitanUInt256

/// The reference the backends are compared with: the interpreter running the shipped specs,
/// VSS (Specs/kernel/vss.tspec) for storage and Ledger (Specs/kernel/ledger.tspec) for
/// mint, transfer, balances and supply.
public final class ReferenceModel {
    public static let keyMaxLength = 64
    public static let valueMaxLength = 256
    /// The one contract whose storage the storage calls address.
    public static let contract = Value.bits(BigUInt(0xC0DE))

    public struct ModelError: Error, CustomStringConvertible {
        public var description: String
    }

    let vss: TitanSemantics.Executor<ConcreteDomain>
    let ledger: TitanSemantics.Executor<ConcreteDomain>
    let write, read, delete, mintAction, transferAction: TitanSemantics.Executor<ConcreteDomain>.CompiledAction
    /// Slots of the state variables the results are read from.
    let present, store, lastCode, lastLen, lastValue, balances, totalSupplySlot: Int
    var vssState: ConcreteState
    var ledgerState: ConcreteState
    let vssInitial: ConcreteState
    let ledgerInitial: ConcreteState

    /// `vss` and `ledger` are the VSS and Ledger models; their actions and state variables are
    /// checked here so that a changed spec fails loudly, not with wrong comparisons.
    public init(vss vssModel: Model, ledger ledgerModel: Model) throws {
        func action(_ m: Model, _ n: String, _ params: [String], _ e: TitanSemantics.Executor<ConcreteDomain>) throws
            -> TitanSemantics.Executor<ConcreteDomain>.CompiledAction {
            guard let a = e.compiled(n), a.params.map(\.name) == params else {
                throw ModelError(description: "model \(m.name) needs action \(n)(\(params.joined(separator: ", ")))")
            }
            return a
        }
        vss = TitanSemantics.Executor(model: vssModel, domain: ConcreteDomain())
        ledger = TitanSemantics.Executor(model: ledgerModel, domain: ConcreteDomain())
        write = try action(vssModel, "storage_write", ["c", "key", "value"], vss)
        read = try action(vssModel, "storage_read", ["c", "key", "buf_len"], vss)
        delete = try action(vssModel, "storage_delete", ["c", "key"], vss)
        mintAction = try action(ledgerModel, "mint", ["to", "amount"], ledger)
        transferAction = try action(ledgerModel, "transfer", ["from", "to", "amount"], ledger)
        func slot(_ m: Model, _ name: String, _ e: TitanSemantics.Executor<ConcreteDomain>) throws -> Int {
            guard let i = e.layout.slot(name) else { throw ModelError(description: "model \(m.name) needs state variable \(name)") }
            return i
        }
        present = try slot(vssModel, "present", vss)
        store = try slot(vssModel, "store", vss)
        lastCode = try slot(vssModel, "lastCode", vss)
        lastLen = try slot(vssModel, "lastLen", vss)
        lastValue = try slot(vssModel, "lastValue", vss)
        balances = try slot(ledgerModel, "balances", ledger)
        totalSupplySlot = try slot(ledgerModel, "totalSupply", ledger)
        vssInitial = vss.initialState()
        ledgerInitial = ledger.initialState()
        vssState = vssInitial
        ledgerState = ledgerInitial
    }

    public func reset() {
        vssState = vssInitial
        ledgerState = ledgerInitial
    }

    static func key(_ k: [UInt8]) -> Value { .bytes(k, maxLength: keyMaxLength) }
    static func number(_ n: UInt256) -> Value {
        let l = n.limbs
        return .bits(BigUInt(words: [UInt(l.0), UInt(l.1), UInt(l.2), UInt(l.3)]))
    }
    static func address(_ a: Address) -> Value { .number(bigEndian: a.bytes) }
    static func uint256(_ v: Value) -> UInt256 {
        let words = v.asBits.words
        func word(_ i: Int) -> UInt64 { i < words.count ? UInt64(words[i]) : 0 }
        return UInt256(limbs: word(0), word(1), word(2), word(3))
    }

    /// Whether the reference can take `op` (keys and values within the specs' bounds).
    public static func accepts(_ op: TitanCall) -> Bool {
        switch op {
        case .storageWrite(let k, let v): return k.count <= keyMaxLength && v.count <= valueMaxLength
        case .storageRead(let k, let n): return k.count <= keyMaxLength && n >= 0
        case .storageDelete(let k): return k.count <= keyMaxLength
        default: return true
        }
    }

    /// The value stored under `key`, nil when absent.
    public func stored(_ key: [UInt8]) -> [UInt8]? {
        let k = ReferenceModel.key(key)
        guard vssState.values[present].asMap[ReferenceModel.contract].asMap[k].asBool else { return nil }
        return vssState.values[store].asMap[ReferenceModel.contract].asMap[k].byteArray(maxLength: ReferenceModel.valueMaxLength)
    }

    public var totalSupply: UInt256 { ReferenceModel.uint256(ledgerState.values[totalSupplySlot]) }

    public func balance(_ a: Address) -> UInt256 {
        ReferenceModel.uint256(ledgerState.values[balances].asMap[ReferenceModel.address(a)])
    }

    func runVSS(_ a: TitanSemantics.Executor<ConcreteDomain>.CompiledAction, _ args: [Value]) {
        _ = vss.run(a, args: args, state: &vssState)
    }

    func runLedger(_ a: TitanSemantics.Executor<ConcreteDomain>.CompiledAction, _ args: [Value]) -> Int {
        ledger.run(a, args: args, state: &ledgerState).asBool ? 0 : 1
    }

    /// Runs one call on the models. VSS return codes are uint8 (1 for -1, 2 for -2); ledger
    /// actions return 1 when they reverted.
    public func perform(_ op: TitanCall) -> OpResult {
        let c = ReferenceModel.contract
        switch op {
        case .reset:
            reset()
            return OpResult(ret: 0)
        case .storageWrite(let k, let v):
            runVSS(write, [c, ReferenceModel.key(k), .bytes(v, maxLength: ReferenceModel.valueMaxLength)])
            return OpResult(ret: 0)
        case .storageRead(let k, let n):
            runVSS(read, [c, ReferenceModel.key(k), .bits(BigUInt(n))])
            let len = Int(vssState.values[lastLen].asBits)
            switch vssState.values[lastCode].asBits {
            case 0: return OpResult(ret: 0, value: vssState.values[lastValue].byteArray(maxLength: ReferenceModel.valueMaxLength), outLen: len)
            case 1: return OpResult(ret: -1)
            default: return OpResult(ret: -2, outLen: len)
            }
        case .storageDelete(let k):
            runVSS(delete, [c, ReferenceModel.key(k)])
            return OpResult(ret: vssState.values[lastCode].asBits == 0 ? 0 : -1)
        case .mint(let to, let amount):
            return OpResult(ret: runLedger(mintAction, [ReferenceModel.address(to), ReferenceModel.number(amount)]))
        case .transfer(let from, let to, let amount):
            return OpResult(ret: runLedger(transferAction, [ReferenceModel.address(from), ReferenceModel.address(to), ReferenceModel.number(amount)]))
        case .balance(let a):
            return OpResult(ret: 0, amount: balance(a))
        case .totalSupply:
            return OpResult(ret: 0, amount: totalSupply)
        }
    }
}
