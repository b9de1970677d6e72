import TitanTestSupport
import Testing
import TitanBackends
import TitanUInt256

@Suite("Bitcoin backend: UTXOs, OP_RETURN metadata, OP_CHECKMULTISIG", .watched)
struct BitcoinBackendTests {
    let a = Address(index: 1), b = Address(index: 2)

    @Test("balances are sums of UTXOs; a transfer spends inputs into payment and change")
    func utxos() {
        let btc = BitcoinBackend()
        #expect(btc.mint(to: a, amount: UInt256(30)) == 0)
        #expect(btc.mint(to: a, amount: UInt256(20)) == 0)
        #expect(btc.utxos.count == 2)
        #expect(btc.transfer(from: a, to: b, amount: UInt256(35)) == 0)
        #expect(btc.utxos.count == 2)   // both inputs spent; payment 35 and change 15
        #expect(btc.balance(of: a) == UInt256(15) && btc.balance(of: b) == UInt256(35))
        #expect(btc.transfer(from: a, to: a, amount: UInt256(15)) == 0)
        #expect(btc.balance(of: a) == UInt256(15))
        #expect(btc.transfer(from: a, to: b, amount: UInt256(16)) == 1)
        #expect(btc.totalSupply() == UInt256(50))
    }

    @Test("known divergences: op-return-80-bytes and max-money")
    func known() throws {
        let runner = try makeRunner()
        let fits: [TitanCall] = [.storageWrite(key: [1], value: [UInt8](repeating: 9, count: 76)), .storageRead(key: [1], bufLen: 76)]
        #expect(try runner.run(fits, on: BitcoinBackend()).verdict == .agree)
        let over: [TitanCall] = [.storageWrite(key: [1], value: [UInt8](repeating: 9, count: 77))]
        #expect(try runner.run(over, on: BitcoinBackend()).verdict == .known("op-return-80-bytes"))
        let past = BitcoinBackend.maxMoney.addingReportingOverflow(UInt256(1)).partialValue
        #expect(try runner.run([.mint(to: a, amount: past)], on: BitcoinBackend()).verdict == .known("amount-width-max-money"))
    }

    // A stand-in signature: valid for a key when it is keccak256(key . message).
    static let message: [UInt8] = Array("spend".utf8)
    static func sign(_ key: [UInt8]) -> [UInt8] { Keccak256.hash(key + message) }
    static func checkSig(_ sig: [UInt8], _ key: [UInt8]) -> Bool { sig == sign(key) }
    let keys: [[UInt8]] = (1...3).map { [UInt8](repeating: $0, count: 33) }

    @Test("2-of-3: signatures in key order with the empty dummy spend; other orders and counts do not")
    func multisig() {
        let s = keys.map(Self.sign)
        func spend(_ scriptSig: [[UInt8]]) -> Bool { BitcoinMultisig.verifySpend(scriptSig: scriptSig, k: 2, keys: keys, checkSig: Self.checkSig) }
        #expect(spend([[], s[0], s[1]]))
        #expect(spend([[], s[0], s[2]]))
        #expect(spend([[], s[1], s[2]]))
        #expect(!spend([[], s[1], s[0]]))            // out of key order
        #expect(!spend([[], s[0], s[0]]))            // one key cannot count twice
        #expect(!spend([[], s[0]]))                  // too few: the dummy is taken as a signature, stack short
        #expect(!spend([s[0], s[1]]))                // no dummy element
        #expect(!spend([[0], s[0], s[1]]))           // NULLDUMMY: the dummy must be empty
    }

    @Test("OP_CHECKMULTISIG errors: missing dummy underflows the stack; k > n is rejected")
    func multisigErrors() {
        var stack: [[UInt8]] = [Self.sign(keys[0]), [1], keys[0], [1]]
        #expect(throws: BitcoinMultisig.ScriptError.invalidStackOperation) { try BitcoinMultisig.checkMultisig(stack: &stack, checkSig: Self.checkSig) }
        var tooMany: [[UInt8]] = [[], [2], keys[0], [1]]
        #expect(throws: BitcoinMultisig.ScriptError.sigCount) { try BitcoinMultisig.checkMultisig(stack: &tooMany, checkSig: Self.checkSig) }
        var dirty: [[UInt8]] = [[1], Self.sign(keys[0]), [1], keys[0], [1]]
        #expect(throws: BitcoinMultisig.ScriptError.sigNullDummy) { try BitcoinMultisig.checkMultisig(stack: &dirty, checkSig: Self.checkSig) }
        var legacy: [[UInt8]] = [[1], Self.sign(keys[0]), [1], keys[0], [1]]
        #expect((try? BitcoinMultisig.checkMultisig(stack: &legacy, nullDummy: false, checkSig: Self.checkSig)) == true)
    }
}

@Suite("Wasm-KV backend", .watched)
struct WasmKVBackendTests {
    @Test("prefixed host keys; known divergences nep141-self-transfer, nep141-zero-amount, amount-width-u128")
    func wasm() throws {
        let w = WasmKVBackend()
        _ = w.storageWrite(key: [1], value: [2])
        _ = w.mint(to: Address(index: 1), amount: UInt256(5))
        #expect(w.host[[UInt8(ascii: "s"), 1]] == [2])
        #expect(w.host[[UInt8(ascii: "b")] + Address(index: 1).bytes] == [5] + [UInt8](repeating: 0, count: 15))
        let runner = try makeRunner()
        let a = Address(index: 1)
        #expect(try runner.run([.mint(to: a, amount: UInt256(5)), .transfer(from: a, to: a, amount: UInt256(1))], on: WasmKVBackend()).verdict == .known("nep141-self-transfer"))
        #expect(try runner.run([.transfer(from: a, to: Address(index: 2), amount: .zero)], on: WasmKVBackend()).verdict == .known("nep141-zero-amount"))
        #expect(try runner.run([.mint(to: a, amount: UInt256.maxOf(bits: 128)), .mint(to: a, amount: UInt256(1))], on: WasmKVBackend()).verdict == .known("amount-width-u128"))
    }
}
