import Foundation
import BigInt
import TitanBackends
import TitanIR
import TitanInterp
import TitanSemantics

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
    let write, read, delete, mintAction, transferAction: Action
    var vssState: ConcreteState
    var ledgerState: ConcreteState
    let vssInitial: ConcreteState
    let ledgerInitial: ConcreteState

    /// `vss` and `ledger` are the VSS and Ledger models; their actions and state variables are
    /// checked here so that a changed spec fails loudly, not with wrong comparisons.
    public init(vss vssModel: Model, ledger ledgerModel: Model) throws {
        func action(_ m: Model, _ n: String, _ params: [String]) throws -> Action {
            guard let a = m.action(n), a.params.map(\.name) == params else {
                throw ModelError(description: "model \(m.name) needs action \(n)(\(params.joined(separator: ", ")))")
            }
            return a
        }
        write = try action(vssModel, "storage_write", ["c", "key", "value"])
        read = try action(vssModel, "storage_read", ["c", "key", "buf_len"])
        delete = try action(vssModel, "storage_delete", ["c", "key"])
        mintAction = try action(ledgerModel, "mint", ["to", "amount"])
        transferAction = try action(ledgerModel, "transfer", ["from", "to", "amount"])
        for (m, vars) in [(vssModel, ["present", "store", "lastCode", "lastLen", "lastValue"]), (ledgerModel, ["balances", "totalSupply"])] {
            for v in vars where m.stateVar(v) == nil {
                throw ModelError(description: "model \(m.name) needs state variable \(v)")
            }
        }
        vss = TitanSemantics.Executor(model: vssModel, domain: ConcreteDomain())
        ledger = TitanSemantics.Executor(model: ledgerModel, domain: ConcreteDomain())
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
    static func number(_ n: UInt256) -> Value { .bits(BigUInt(Data(n.bigEndianBytes))) }
    static func address(_ a: Address) -> Value { .bits(BigUInt(Data(a.bytes))) }
    static func uint256(_ v: Value) -> UInt256 {
        let bytes = [UInt8](v.asBits.serialize())
        return UInt256(bigEndian: Array(bytes.suffix(32)))
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
        guard vssState.vars["present"]!.asMap[ReferenceModel.contract].asMap[k].asBool else { return nil }
        return vssState.vars["store"]!.asMap[ReferenceModel.contract].asMap[k].byteArray(maxLength: ReferenceModel.valueMaxLength)
    }

    public var totalSupply: UInt256 { ReferenceModel.uint256(ledgerState.vars["totalSupply"]!) }

    public func balance(_ a: Address) -> UInt256 {
        ReferenceModel.uint256(ledgerState.vars["balances"]!.asMap[ReferenceModel.address(a)])
    }

    func runVSS(_ a: Action, _ args: [String: Value]) {
        let out = vss.run(a, args: args, from: vssState)
        vssState = out.state
    }

    func runLedger(_ a: Action, _ args: [String: Value]) -> Int {
        let out = ledger.run(a, args: args, from: ledgerState)
        ledgerState = out.state
        return out.ok.asBool ? 0 : 1
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
            runVSS(write, ["c": c, "key": ReferenceModel.key(k), "value": .bytes(v, maxLength: ReferenceModel.valueMaxLength)])
            return OpResult(ret: 0)
        case .storageRead(let k, let n):
            runVSS(read, ["c": c, "key": ReferenceModel.key(k), "buf_len": .bits(BigUInt(n))])
            let len = Int(vssState.vars["lastLen"]!.asBits)
            switch vssState.vars["lastCode"]!.asBits {
            case 0: return OpResult(ret: 0, value: vssState.vars["lastValue"]!.byteArray(maxLength: ReferenceModel.valueMaxLength), outLen: len)
            case 1: return OpResult(ret: -1)
            default: return OpResult(ret: -2, outLen: len)
            }
        case .storageDelete(let k):
            runVSS(delete, ["c": c, "key": ReferenceModel.key(k)])
            return OpResult(ret: vssState.vars["lastCode"]!.asBits == 0 ? 0 : -1)
        case .mint(let to, let amount):
            return OpResult(ret: runLedger(mintAction, ["to": ReferenceModel.address(to), "amount": ReferenceModel.number(amount)]))
        case .transfer(let from, let to, let amount):
            return OpResult(ret: runLedger(transferAction, ["from": ReferenceModel.address(from), "to": ReferenceModel.address(to),
                                                            "amount": ReferenceModel.number(amount)]))
        case .balance(let a):
            return OpResult(ret: 0, amount: balance(a))
        case .totalSupply:
            return OpResult(ret: 0, amount: totalSupply)
        }
    }
}
