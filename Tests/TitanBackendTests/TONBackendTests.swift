import TitanTestSupport
import Testing
import TitanBackends
import TitanFuzz
import TitanInterp
import TitanUInt256

@Suite("TON backend: cells and dictionaries", .watched)
struct TONBackendTests {
    @Test("a cell holds at most 1023 bits and 4 references")
    func cellLimits() throws {
        _ = try Cell(bits: [Bool](repeating: true, count: 1023))
        #expect(throws: Cell.OverflowError.self) { try Cell(bits: [Bool](repeating: true, count: 1024)) }
        let leaf = try Cell(bits: [])
        #expect(throws: Cell.OverflowError.self) { try Cell(bits: [], refs: [Cell](repeating: leaf, count: 5)) }
    }

    @Test("values chain at 127 bytes per cell: 127 is one cell, 128 two, 256 three")
    func chains() throws {
        for (n, cells) in [(0, 1), (127, 1), (128, 2), (254, 2), (255, 3), (256, 3)] {
            let v = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 7) }
            let c = try CellChain.build(v)
            #expect(CellChain.cellCount(c) == cells)
            #expect(CellChain.read(c) == v)
        }
    }

    @Test("the Patricia dictionary agrees with a plain map over random inserts and removals, within cell limits")
    func dictionaryModel() throws {
        var rng = SplitMix64(seed: 42)
        var d = TONDictionary(keyBits: 16)
        var model: [[Bool]: [UInt8]] = [:]
        for _ in 0..<600 {
            let k = CellBits.uint(Int(rng.next() % 64) * 997 % 65536, width: 16)
            if rng.next() % 3 == 0 {
                #expect(try d.remove(k) == (model.removeValue(forKey: k) != nil))
            } else {
                let v = [UInt8(rng.next() % 256)]
                try d.set(k, try CellChain.build(v))
                model[k] = v
            }
        }
        for (k, v) in model { #expect(d.get(k).map(CellChain.read) == v) }
        #expect(d.allCells.allSatisfy { $0.bits.count <= 1023 && $0.refs.count <= 4 })
        for k in Array(model.keys) { #expect(try d.remove(k)) }
        #expect(d.root == nil)
    }

    @Test("known divergence amount-width-u120: Coins are VarUInteger 16")
    func coins() throws {
        let runner = try makeRunner()
        let past = CellBits.coinsMax.addingReportingOverflow(UInt256(1)).partialValue
        #expect(try runner.run([.mint(to: Address(index: 1), amount: past)], on: TONBackend()).verdict == .known("amount-width-u120"))
        #expect(try runner.run([.mint(to: Address(index: 1), amount: CellBits.coinsMax), .totalSupply], on: TONBackend()).verdict == .agree)
        #expect(CellBits.coins(past) == nil)
    }
}

