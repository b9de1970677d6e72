import TitanTestSupport
import Testing
import TitanBackends
import TitanFuzz
import TitanUInt256

@Suite("Solana backends: account data, heap, SPL amounts, the whitepaper's hash-mod slots", .watched)
struct SolanaBackendTests {
    @Test("realloc: at most 10 KiB growth per instruction, at most 10 MiB")
    func reallocLimits() throws {
        var a = SolanaAccount()
        a.beginInstruction()
        try a.realloc(10 * 1024)
        #expect(throws: SolanaAccount.ReallocError.growthPerInstructionExceeded) { try a.realloc(10 * 1024 + 1) }
        a.beginInstruction()
        try a.realloc(20 * 1024)
        #expect(throws: SolanaAccount.ReallocError.tooLarge) { try a.realloc(10 * 1024 * 1024 + 1) }
    }

    @Test("bump heap: 32 KiB in all, then allocation fails")
    func heap() {
        var h = BumpHeap()
        #expect(h.alloc(32 * 1024) == 0)
        #expect(h.alloc(1) == nil)
        h.reset()
        #expect(h.alloc(32 * 1024 + 1) == nil)
    }

    @Test("records: rewrite in place, retire and append, compaction when the account is full")
    func records() {
        let s = SolanaBackend(maxAccountSize: 9 + 3 * (4 + 1 + 100))
        #expect(s.storageWrite(key: [1], value: [UInt8](repeating: 1, count: 100)) == 0)
        #expect(s.storageWrite(key: [1], value: [UInt8](repeating: 2, count: 100)) == 0)   // in place
        #expect(s.account.data.count == 9 + 105)
        #expect(s.storageWrite(key: [1], value: [UInt8](repeating: 3, count: 99)) == 0)    // appended
        #expect(s.storageWrite(key: [2], value: [UInt8](repeating: 4, count: 100)) == 0)
        // Full: the dead record is compacted away to make room.
        #expect(s.storageWrite(key: [3], value: [UInt8](repeating: 5, count: 100)) == 0)
        #expect(s.storageRead(key: [1], bufLen: 256) == .ok(value: [UInt8](repeating: 3, count: 99)))
        #expect(s.storageRead(key: [3], bufLen: 256) == .ok(value: [UInt8](repeating: 5, count: 100)))
        #expect(s.storageWrite(key: [4], value: [UInt8](repeating: 6, count: 100)) == SolanaBackend.accountFullCode)
        #expect(SolanaBackend().maxAccountSize == 10 * 1024 * 1024)
    }

    @Test("known divergences: heap-32k, amount-width-u64, account-10mib")
    func knownDivergences() throws {
        let runner = try makeRunner()
        #expect(try runner.run([.storageRead(key: [1], bufLen: 32 * 1024 + 1)], on: SolanaBackend()).verdict == .known("heap-32k"))
        #expect(try runner.run([.storageRead(key: [1], bufLen: 32 * 1024)], on: SolanaBackend()).verdict == .agree)
        let twoTo64 = UInt256.maxOf(bits: 64).addingReportingOverflow(UInt256(1)).partialValue
        #expect(try runner.run([.mint(to: Address(index: 1), amount: twoTo64)], on: SolanaBackend()).verdict == .known("amount-width-u64"))
        let small = SolanaBackend(maxAccountSize: 100)
        #expect(try runner.run([.storageWrite(key: [1], value: [UInt8](repeating: 0, count: 100))], on: small).verdict == .known("account-10mib"))
    }

    @Test("hash-mod: offsets are 32 * (base + keccak(key) mod 1000000); the hinted pair collides")
    func hashModSlots() {
        let (a, b) = SolanaHashModBackend.collidingPair
        #expect(a != b)
        #expect(SolanaHashModBackend.slot(of: a) == SolanaHashModBackend.slot(of: b))
        #expect(SolanaHashModBackend.slot(of: a) < SolanaAccount.maxDataSize / 32)
        let h = SolanaHashModBackend()
        #expect(h.storageWrite(key: a, value: [1, 2]) == 0)
        #expect(h.storageRead(key: b, bufLen: 2) == .ok(value: [1, 2]))
        #expect(h.storageWrite(key: a, value: [UInt8](repeating: 0, count: 32)) == SolanaHashModBackend.valueTooLongCode)
    }

    @Test("known divergences of hash-mod: slot-beyond-10mib, value-exceeds-slot, phantom read")
    func hashModKnown() throws {
        let runner = try makeRunner()
        var far: [UInt8] = []
        var i: UInt8 = 0
        while (SolanaHashModBackend.slot(of: [i]) + 1) * 32 <= SolanaAccount.maxDataSize { i += 1 }
        far = [i]
        #expect(try runner.run([.storageWrite(key: far, value: [])], on: SolanaHashModBackend()).verdict == .known("slot-beyond-10mib"))
        let (a, b) = SolanaHashModBackend.collidingPair
        #expect(try runner.run([.storageWrite(key: a, value: [UInt8](repeating: 1, count: 32))], on: SolanaHashModBackend()).verdict == .known("value-exceeds-slot"))
        #expect(try runner.run([.storageWrite(key: a, value: [1]), .storageRead(key: b, bufLen: 8)], on: SolanaHashModBackend()).verdict == .known("slot-collision-phantom-read"))
    }

    @Test("the fuzzer finds the hash-mod collision losing a write and shrinks it to two writes and a read")
    func collisionFoundAndShrunk() throws {
        let reference = try makeReference()
        var options = Campaign.Options()
        options.seed = 1
        options.maxSequences = 200
        let report = try Campaign(reference: reference, backends: [SolanaHashModBackend()], options: options).run()
        #expect(report.divergence == nil)
        let found = report.known.first { $0.verdict == .known("slot-collision-lost-write") }
        let f = try #require(found)
        let writes = f.trace.filter { if case .storageWrite = $0 { return true }; return false }
        #expect(f.trace.count == 3, "\(Campaign.describe(f))")
        #expect(writes.count == 2)
        if case .storageWrite(let k1, _) = f.trace[0], case .storageWrite(let k2, _) = f.trace[1] {
            #expect(k1 != k2 && SolanaHashModBackend.slot(of: k1) == SolanaHashModBackend.slot(of: k2))
        }
    }
}
