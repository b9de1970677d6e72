import TitanTestSupport
import Testing
import TitanBackends
import TitanUInt256

@Suite("EVM backend: Solidity storage layout", .watched)
struct EVMBackendTests {
    @Test("mapping slot of address 0 at base 0 is keccak256(pad32(0) . pad32(0))")
    func mappingSlot() {
        let slot = SolidityLayout.mappingSlot(address: Address([UInt8](repeating: 0, count: 20)), base: .zero)
        #expect(Hex.encode(slot.bigEndianBytes) == "0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5")
    }

    @Test("bytes values: 31 bytes inline with 2*len, 32 and 33 bytes long form from keccak256(slot)")
    func bytesLayout() {
        let evm = EVMBackend()
        let key: [UInt8] = [1, 2, 3]
        let slot = SolidityLayout.mappingSlot(bytesKey: key, base: EVMBackend.storeSlot)
        let short = [UInt8](repeating: 0xab, count: 31)
        _ = evm.storageWrite(key: key, value: short)
        #expect(evm.storage.sload(slot).bigEndianBytes == short + [62])
        #expect(evm.storage.slots.count == 1)

        let long = (0..<33).map { UInt8($0 + 1) }
        _ = evm.storageWrite(key: key, value: long)
        #expect(evm.storage.sload(slot) == UInt256(67))
        let data = SolidityLayout.dataSlot(of: slot)
        #expect(evm.storage.sload(data).bigEndianBytes == Array(long.prefix(32)))
        #expect(evm.storage.sload(data.addingReportingOverflow(UInt256(1)).partialValue).bigEndianBytes == [33] + [UInt8](repeating: 0, count: 31))
        #expect(evm.storageRead(key: key, bufLen: 33) == .ok(value: long))
        #expect(evm.storageRead(key: key, bufLen: 32) == .tooSmall(needed: 33))

        // Back to a short value: the long value's data words are cleared, no stale word stays.
        _ = evm.storageWrite(key: key, value: [7])
        #expect(evm.storage.slots.count == 1)
        #expect(evm.storageDelete(key: key) == 0)
        #expect(evm.storage.slots.isEmpty)
        #expect(evm.storageDelete(key: key) == -1)
    }

    @Test("balances at keccak256(pad32(addr) . pad32(1)); mint reverts on uint256 overflow; self-transfer is a no-op")
    func ledger() {
        let evm = EVMBackend()
        let a = Address(index: 1)
        #expect(evm.mint(to: a, amount: UInt256(10)) == 0)
        #expect(evm.storage.sload(SolidityLayout.mappingSlot(address: a, base: UInt256(1))) == UInt256(10))
        #expect(evm.storage.sload(UInt256(2)) == UInt256(10))
        #expect(evm.mint(to: a, amount: .max) == 1)
        #expect(evm.totalSupply() == UInt256(10))
        #expect(evm.transfer(from: a, to: a, amount: UInt256(10)) == 0)
        #expect(evm.balance(of: a) == UInt256(10))
        #expect(evm.transfer(from: a, to: Address(index: 2), amount: UInt256(11)) == 1)
    }

    @Test("known divergence empty-value-is-absent: the fuzzer classifies it; the presence adapter removes it")
    func emptyValue() throws {
        let ops: [TitanCall] = [.storageWrite(key: [9], value: []), .storageRead(key: [9], bufLen: 4)]
        let runner = try makeRunner()
        #expect(try runner.run(ops, on: EVMBackend()).verdict == .known("empty-value-is-absent"))
        let delete: [TitanCall] = [.storageWrite(key: [9], value: []), .storageDelete(key: [9])]
        #expect(try runner.run(delete, on: EVMBackend()).verdict == .known("empty-value-is-absent"))
        #expect(try runner.run(ops, on: EVMBackend(withPresenceAdapter: true)).verdict == .agree)
        #expect(try runner.run(delete, on: EVMBackend(withPresenceAdapter: true)).verdict == .agree)
    }
}
