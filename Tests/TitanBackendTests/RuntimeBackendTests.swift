import Foundation
import TitanTestSupport
import Testing
import TitanBackends
import TitanInterp
import TitanUInt256

/// A Python program of backends/runtimes run with the project's venv (./scripts/setup installs
/// it), spoken to one JSON line at a time.
final class JSONLinesChild {
    let process = Process()
    let input = Pipe(), output = Pipe()
    var buffered = Data()
    private var exit: ExitWatch?

    init(script: String, environment: [String: String] = [:]) throws {
        process.executableURL = packageRoot.appendingPathComponent(RuntimeBackends.python)
        process.arguments = [packageRoot.appendingPathComponent(script).path]
        process.currentDirectoryURL = packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        exit = ExitWatch(process)
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        if exit?.wait(seconds: 30) != true { kill(process.processIdentifier, SIGKILL) }
    }

    /// Sends one request and returns its reply.
    func call(_ request: [String: Any]) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: request)
        line.append(10)
        input.fileHandleForWriting.write(line)
        while !buffered.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw BackendFailure("\(process.arguments![0]) exited before replying to \(request)") }
            buffered.append(chunk)
        }
        let nl = buffered.firstIndex(of: 10)!
        let reply = buffered[buffered.startIndex..<nl]
        buffered = Data(buffered[(nl + 1)...])
        return try #require(try JSONSerialization.jsonObject(with: reply) as? [String: Any])
    }
}

func hex(_ bytes: [UInt8]) -> String { "0x" + bytes.map { String(format: "%02x", $0) }.joined() }

@Suite("Runtime backends: the chains' real runtimes (backends/runtimes) against the reference and the models", .watched)
struct RuntimeBackendTests {
    /// What the runtime backends' runs may report as known (their table's divergences).
    static func knownNames(_ name: String) -> Set<String> {
        Set(RuntimeBackends.find(name)!.knownDivergences.map(\.name))
    }

    static func fuzz(_ name: String, seed: Int, environment: [String: String]? = nil, limit: Int = 20,
                     sequences: Int = 400, extra: [String] = []) throws -> ProcessResult {
        try titan(["fuzz", "--backend", name, "--seed", String(seed), "--time-limit", String(limit),
                   "--max-sequences", String(sequences), "--no-corpus"] + extra, environment: environment)
    }

    /// The known divergences a run reported, by name.
    static func reportedKnown(_ stdout: String, backend: String) -> Set<String> {
        Set(stdout.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "] \(backend): known:") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != " " })
        })
    }

    @Test("--list-backends lists each runtime, installed, with its known divergences")
    func listed() throws {
        let r = try titan(["fuzz", "--list-backends"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("evm-boa: runtime: the EVM (py-evm through titanoboa)"), "\(r.stdout)")
        #expect(r.stdout.contains("solana-litesvm: runtime: the SPL Token program on LiteSVM"))
        #expect(r.stdout.contains("bitcoin-script: runtime: Bitcoin's script interpreter (python-bitcoinlib's VerifyScript)"))
        #expect(r.stdout.contains("ton-pytvm: runtime: TON's TVM (the emulator pytvm ships)"))
        #expect(!r.stdout.contains("not installed"), "run ./scripts/setup first:\n\(r.stdout)")
        #expect(r.stdout.contains("known: amount-width-u64"))
    }

    @Test("evm-boa: the Vyper contract on py-evm agrees with the reference apart from empty-value-is-absent (exit 0)")
    func evmClean() throws {
        let r = try Self.fuzz("evm-boa", seed: 3)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("no divergence"))
        #expect(r.stdout.contains("backends: evm-boa"))
        #expect(Self.reportedKnown(r.stdout, backend: "evm-boa").isSubset(of: Self.knownNames("evm-boa")))
        #expect(r.stdout.range(of: #"seed 3, [1-9][0-9]* sequences"#, options: .regularExpression) != nil, "\(r.stdout)")
    }

    @Test("evm-boa: a planted bug in a copy of the contract is found and shrunk (exit 1)",
          arguments: [("supply-wraps", "mint("), ("short-buffer", "storage_read(")])
    func evmPlanted(plant: String, shrunkCall: String) throws {
        let r = try Self.fuzz("evm-boa", seed: 1, environment: ["TITAN_EVM_BOA_PLANT": plant], limit: 40, sequences: 2000)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let divergence = try #require(r.stdout.range(of: "DIVERGENCE evm-boa: divergence")).upperBound
        let trace = r.stdout[divergence...]
        #expect(trace.contains("2 operations after shrinking"), "\(trace)")
        #expect(trace.contains(shrunkCall), "\(trace)")
    }

    @Test("solana-litesvm: SPL Token on LiteSVM is ledger only and agrees apart from amount-width-u64 (exit 0)")
    func solanaClean() throws {
        let r = try Self.fuzz("solana-litesvm", seed: 5, limit: 15, sequences: 600)
        // The adapter answers a storage call with ret 98: a clean run shows none was sent.
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("solana-litesvm: ledger only"))
        #expect(r.stdout.contains("no divergence"))
        let known = Self.reportedKnown(r.stdout, backend: "solana-litesvm")
        #expect(known.isSubset(of: Self.knownNames("solana-litesvm")))
        // The generator's amounts past 2^64 - 1 reach the program's u64 limit in a few hundred sequences.
        #expect(known.contains("amount-width-u64"), "\(r.stdout)")
    }

    @Test("a runtime that is not installed: exit 2, saying to run ./scripts/setup")
    func notInstalled() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A package root of its own (it holds backends/runtimes) without a .venv.
        try copy(["backends/runtimes/evm_boa.py", "backends/runtimes/evm/titan_ledger.vy"], into: dir)
        let r = try titan(["fuzz", "--backend", "evm-boa", "--specs", specPath("Specs/kernel"), "--max-sequences", "5"], cwd: dir)
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("runtime backend 'evm-boa' is not installed"), "\(r.stderr)")
        #expect(r.stderr.contains("run ./scripts/setup"))
        let list = try titan(["fuzz", "--list-backends"], cwd: dir)
        #expect(list.stdout.contains("evm-boa: runtime:") && list.stdout.contains("not installed: run ./scripts/setup"))
    }

    @Test("the protocol's 'supports' field: storage, ledger, both, absent; anything else is refused")
    func capabilities() throws {
        func parsed(_ v: String) throws -> [Bool] {
            let c = try #require(try ExternalProtocol.capabilities(from: ["supports": v]))
            return [c.storage, c.ledger]
        }
        #expect(try parsed("ledger") == [false, true])
        #expect(try parsed("storage") == [true, false])
        #expect(try parsed("storage,ledger") == [true, true])
        #expect(try ExternalProtocol.capabilities(from: ["ret": 0]) == nil)
        #expect(throws: ExternalProtocol.ParseError.self) { try ExternalProtocol.capabilities(from: ["supports": "everything"]) }
        #expect(throws: ExternalProtocol.ParseError.self) { try ExternalProtocol.capabilities(from: ["supports": ""]) }
        #expect(throws: ExternalProtocol.ParseError.self) { try ExternalProtocol.capabilities(from: ["supports": 1]) }
        let ops: [TitanCall] = [.reset, .storageWrite(key: [1], value: [2]), .mint(to: Address([UInt8](repeating: 1, count: 20)), amount: UInt256(1)), .totalSupply]
        let b = ExternalProcessBackend(command: "true")
        #expect(b.applicableCalls(ops) == ops)
    }

    /// The real EVM's storage after a seeded run of calls is, word for word, the storage the
    /// built-in `evm` model (EVMStorage, SolidityLayout) computes: every slot the model uses or
    /// once used (entries, long values' data words, balances, the supply), read through
    /// titanoboa's raw storage access.
    @Test("evm model's storage slots match the real EVM's, word for word")
    func evmSlots() throws {
        let child = try JSONLinesChild(script: "backends/runtimes/evm_boa.py")
        let model = EVMBackend()
        var rng = SplitMix64(seed: 14)
        func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() | 1) } }
        let addresses = (1...4).map { i in Address([UInt8](repeating: 0, count: 19) + [UInt8(i * 17)]) }
        var id = 0
        func call(_ op: TitanCall, extra: [String: Any] = [:]) throws -> [String: Any] {
            id += 1
            var request = try #require(try JSONSerialization.jsonObject(with: Data(ExternalProtocol.request(id: id, op).utf8)) as? [String: Any])
            request.merge(extra) { $1 }
            let reply = try child.call(request)
            #expect(reply["id"] as? Int == id)
            return reply
        }
        func realWord(_ slot: UInt256) throws -> UInt256 {
            id += 1
            let reply = try child.call(["id": id, "op": "storage_at", "slot": hex(slot.bigEndianBytes)])
            let word = try #require(reply["word"] as? String)
            return UInt256(bigEndian: try #require(Hex.decode(word)))
        }
        var slotsSeen = Set<UInt256>()
        var nonZeroCompared = 0, longValues = 0
        for round in 0..<3 {
            _ = try call(.reset)
            model.reset()
            // After the reset, nothing of the round before is left.
            for slot in slotsSeen { #expect(try realWord(slot) == .zero, "slot \(slot) after reset, round \(round)") }
            let keys = (0..<5).map { _ in bytes([0, 1, 20, 32, 64][int(5)]) }
            for _ in 0..<40 {
                let key = keys[int(keys.count)]
                let op: TitanCall
                switch int(6) {
                case 0, 1:
                    let value = bytes([1, 2, 31, 32, 33, 64, 65, 200, 256][int(9)])
                    if value.count > 31 { longValues += 1 }
                    op = .storageWrite(key: key, value: value)
                case 2: op = .storageDelete(key: key)
                case 3: op = .mint(to: addresses[int(4)], amount: UInt256(UInt64(1 + int(1_000_000))))
                case 4: op = .transfer(from: addresses[int(4)], to: addresses[int(4)], amount: UInt256(UInt64(int(500_000))))
                default: op = .storageRead(key: key, bufLen: 256)
                }
                let expected = try model.perform(op)
                let reply = try call(op)
                #expect(reply["ret"] as? Int == expected.ret, "\(op)")
            }
            // Every slot the model can have touched: entries and their 8 possible data words,
            // balances, the supply; the model's own non-zero slots among them.
            var slots = Set(model.storage.slots.keys)
            slots.insert(EVMBackend.totalSupplySlot)
            for a in addresses { slots.insert(SolidityLayout.mappingSlot(address: a, base: EVMBackend.balancesSlot)) }
            for k in keys {
                let entry = SolidityLayout.mappingSlot(bytesKey: k, base: EVMBackend.storeSlot)
                slots.insert(entry)
                var data = SolidityLayout.dataSlot(of: entry)
                for _ in 0..<8 { slots.insert(data); data = data.addingReportingOverflow(UInt256(1)).partialValue }
            }
            for slot in slots {
                let expected = model.storage.sload(slot)
                if !expected.isZero { nonZeroCompared += 1 }
                #expect(try realWord(slot) == expected, "slot \(slot), round \(round)")
            }
            slotsSeen.formUnion(slots)
        }
        // The comparison covered real data: balances, short and long values.
        #expect(nonZeroCompared >= 30, "\(nonZeroCompared)")
        #expect(longValues >= 5)
    }

    /// The adapter's counts of the witnesses the interpreter judged (TITAN_BITCOIN_SCRIPT_STATS).
    static func bitcoinScriptStats(_ path: String) throws -> [String: Int] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Int])
    }

    @Test("bitcoin-script: every transfer's witness is judged alike by the BitcoinMultisig model and VerifyScript (exit 0)")
    func bitcoinScriptClean() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stats = dir.appendingPathComponent("stats.json").path
        // Fresh sequences only: the spread of witness kinds is the generator's, which building on
        // the corpus (whose outcomes do not tell witness kinds apart) would thin out.
        let r = try Self.fuzz("bitcoin-script", seed: 7, environment: ["TITAN_BITCOIN_SCRIPT_STATS": stats], limit: 30, sequences: 1500,
                              extra: ["--fresh-only"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("bitcoin-script: ledger only"))
        #expect(r.stdout.contains("no divergence"))
        #expect(Self.reportedKnown(r.stdout, backend: "bitcoin-script").isSubset(of: Self.knownNames("bitcoin-script")))
        // The run was a real check: the interpreter judged many witnesses of both verdicts, of
        // every kind the wallet makes.
        let counts = try Self.bitcoinScriptStats(stats)
        let agreeAccept = "model accepts, interpreter accepts", agreeReject = "model rejects, interpreter rejects"
        #expect((counts[agreeAccept] ?? 0) >= 30 && (counts[agreeReject] ?? 0) >= 100, "\(counts)")
        #expect(counts["model accepts, interpreter rejects"] == nil && counts["model rejects, interpreter accepts"] == nil)
        for kind in ["out of key order", "duplicate signature", "outsider or empty signature", "too few signatures",
                     "too many signatures", "no dummy", "dirty dummy, NULLDUMMY", "extra element", "k > 16"] {
            #expect(counts["\(kind): \(agreeReject)"] != nil, "\(kind) never rejected: \(counts)")
        }
        for kind in ["canonical form", "extra element", "k > 16"] {
            #expect(counts["\(kind): \(agreeAccept)"] != nil, "\(kind) never accepted: \(counts)")
        }
    }

    @Test("bitcoin-script: a rule planted in the chain is found both ways (a theft the model refuses, a spend it accepts refused) and shrunk (exit 1)",
          arguments: [("no-nulldummy", "the model rejects it (tried as a theft first)", "amount 0"),
                      ("cleanstack", "the model accepts it (the owner's spend)", "bitcoin-script ret 2")])
    func bitcoinScriptPlanted(plant: String, note: String, result: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Fresh sequences only, so that seed 1's campaign (and the trace it shrinks) stays the one
        // described here: a guided campaign finds the plant too, through another call.
        let r = try Self.fuzz("bitcoin-script", seed: 1, environment: ["TITAN_BITCOIN_SCRIPT_PLANT": plant], limit: 40, sequences: 2000,
                              extra: ["--report-dir", dir.path, "--fresh-only"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        // The witnesses go into fuzz.json too, beside the calls they sign.
        let json = try readJSON(dir.appendingPathComponent("fuzz.json"))
        let notes = ((json["divergence"] as? [String: Any])?["notes"] as? [Any])?.compactMap { $0 as? String } ?? []
        #expect(notes.contains { $0.hasPrefix("witness ") && $0.contains(note) }, "\(json)")
        let divergence = try #require(r.stdout.range(of: "DIVERGENCE bitcoin-script: divergence")).upperBound
        let trace = r.stdout[divergence...]
        #expect(trace.contains("transfer(") && trace.contains(note), "\(trace)")
        #expect(trace.range(of: #"\(([23]) operations after shrinking\)"#, options: .regularExpression) != nil, "\(trace)")
        #expect(trace.contains(result), "\(trace)")
        // Without NULLDUMMY the model takes any dummy too: the theft needs a witness that asks for it.
        if plant == "no-nulldummy" { #expect(trace.contains("nulldummy true"), "\(trace)") }
    }

    @Test("bitcoin-script's wallet: witnesses are a function of the call, judged by BitcoinMultisig, sent as request members")
    func bitcoinScriptWallet() throws {
        let a = Address(index: 1), b = Address(index: 3)
        let call = TitanCall.transfer(from: a, to: b, amount: UInt256(77))
        #expect(BitcoinScriptWallet.witness(for: call, occurrence: 0) == BitcoinScriptWallet.witness(for: call, occurrence: 0))
        #expect(BitcoinScriptWallet.policy(of: a) == (2, 3) && BitcoinScriptWallet.policy(of: Address([UInt8](repeating: 0xff, count: 20))) == (17, 20))
        typealias W = BitcoinScriptWallet.Witness
        #expect(W.canonical(k: 2).modelAccepts(k: 2, n: 3))
        #expect(W(sigs: [0, 2], dummy: [], nullDummy: true, extra: 0).modelAccepts(k: 2, n: 3))
        #expect(!W(sigs: [2, 0], dummy: [], nullDummy: true, extra: 0).modelAccepts(k: 2, n: 3))      // out of key order
        #expect(!W(sigs: [1, 1], dummy: [], nullDummy: true, extra: 0).modelAccepts(k: 2, n: 3))      // a duplicate
        #expect(!W(sigs: [0, 1], dummy: [0x01], nullDummy: true, extra: 0).modelAccepts(k: 2, n: 3))  // dirty dummy, NULLDUMMY
        #expect(W(sigs: [0, 1], dummy: [0x01], nullDummy: false, extra: 0).modelAccepts(k: 2, n: 3))
        #expect(!W(sigs: [0, 1], dummy: nil, nullDummy: true, extra: 0).modelAccepts(k: 2, n: 3))     // no dummy
        // Identical calls later in a sequence get witnesses of their own.
        let witnesses = Set((0..<50).map { BitcoinScriptWallet.witness(for: call, occurrence: $0) })
        #expect(witnesses.count > 10)
        var accepted = 0
        for i in 0..<400 {
            let t = TitanCall.transfer(from: a, to: b, amount: UInt256(UInt64(i)))
            let fields = try #require(BitcoinScriptWallet.requestFields(t, earlier: []))
            let request = ExternalProtocol.request(id: 1, t)
            let json = try #require(try JSONSerialization.jsonObject(with: Data((request.dropLast() + fields + "}").utf8)) as? [String: Any])
            #expect(json["from_policy"] as? [Int] == [2, 3] && json["to_policy"] as? [Int] == [3, 5])
            let w = BitcoinScriptWallet.witness(for: t, occurrence: 0)
            #expect(json["model_accepts"] as? Bool == w.modelAccepts(k: 2, n: 3))
            #expect((json["witness"] as? [String: Any])?["sigs"] as? [Int] == w.sigs)
            if w.modelAccepts(k: 2, n: 3) { accepted += 1 }
        }
        #expect(accepted > 60 && accepted < 340, "\(accepted)")
        #expect(BitcoinScriptWallet.requestFields(.mint(to: b, amount: UInt256(1)), earlier: []) == ",\"to_policy\":[3,5]")
        #expect(BitcoinScriptWallet.requestFields(.balance(b), earlier: []) == nil)
    }

    @Test("ton-pytvm: TVM's dictionary get-methods on the ton model's HashmapE are storage only and agree with the reference (exit 0)")
    func tonClean() throws {
        let r = try Self.fuzz("ton-pytvm", seed: 9, limit: 20, sequences: 1000)
        // The adapter answers a ledger call with ret 98: a clean run shows none was sent.
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ton-pytvm: storage only"))
        #expect(r.stdout.contains("no divergence"))
        #expect(Self.reportedKnown(r.stdout, backend: "ton-pytvm").isEmpty, "\(r.stdout)")
        #expect(r.stdout.range(of: #"seed 9, [1-9][0-9]* sequences"#, options: .regularExpression) != nil, "\(r.stdout)")
    }

    @Test("ton-pytvm: a planted bug around TVM's dictionary is found and shrunk (exit 1)",
          arguments: ["delete-keeps-root", "no-length-byte"])
    func tonPlanted(plant: String) throws {
        let r = try Self.fuzz("ton-pytvm", seed: 1, environment: ["TITAN_TON_PYTVM_PLANT": plant], limit: 40, sequences: 2000)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let divergence = try #require(r.stdout.range(of: "DIVERGENCE ton-pytvm: divergence")).upperBound
        let trace = r.stdout[divergence...]
        #expect(trace.range(of: #"\(([23]) operations after shrinking\)"#, options: .regularExpression) != nil, "\(trace)")
        #expect(trace.contains("storage_delete("), "\(trace)")
    }

    /// One OP_CHECKMULTISIG case, generated from the seed.
    struct MultisigCase: CustomStringConvertible {
        var n: Int, k: Int
        var sigs: [Int]          // key index, -1 a signature by a key not in the output, -2 empty
        var dummy: [UInt8]?      // nil: no dummy element pushed
        var nullDummy: Bool
        var extra: Int           // 0x51 elements pushed before the dummy
        var description: String { "n \(n) k \(k) sigs \(sigs) dummy \(dummy.map(hex) ?? "none") nulldummy \(nullDummy) extra \(extra)" }

        var request: [String: Any] {
            ["n": n, "k": k, "sigs": sigs, "dummy": dummy.map(hex) ?? NSNull(), "nulldummy": nullDummy, "extra": extra]
        }

        /// The Swift model's verdict, with abstract signatures: key i is [0xAA, i], its signature
        /// [0x30, i]; checkSig accepts exactly a key's own signature.
        var modelAccepts: Bool {
            let keys = (0..<n).map { [UInt8(0xAA), UInt8($0)] }
            let sigElements: [[UInt8]] = sigs.map { $0 == -2 ? [] : $0 == -1 ? [0x30, 0xEE] : [0x30, UInt8($0)] }
            var stack = [[UInt8]](repeating: [0x51], count: extra) + (dummy.map { [$0] } ?? []) + sigElements
                + [[UInt8(k)]] + keys + [[UInt8(n)]]
            return (try? BitcoinMultisig.checkMultisig(stack: &stack, nullDummy: nullDummy) { sig, key in
                sig.count == 2 && sig[0] == 0x30 && key == [0xAA, sig[1]]
            }) == true
        }

        static func generate(_ rng: inout SplitMix64) -> MultisigCase {
            func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
            let n = int(4) == 0 ? int(21) : int(6)
            let k = int(10) == 0 ? n + 1 : int(n + 1)
            // Signatures: a k-subset of the keys in key order, then now and then disturbed.
            var sigs = Array((0..<n).filter { _ in int(2) == 0 }.prefix(k))
            while sigs.count < k { sigs.append(n == 0 ? -1 : int(n)); sigs.sort() }
            switch int(8) {
            case 0 where sigs.count >= 2: sigs.swapAt(0, sigs.count - 1)                       // out of key order
            case 1 where sigs.count >= 2: sigs[1] = sigs[0]                                    // a duplicate
            case 2 where !sigs.isEmpty: sigs[int(sigs.count)] = int(2) == 0 ? -1 : -2          // a bad signature
            case 3: if !sigs.isEmpty { sigs.removeLast() }                                     // one too few
            case 4: sigs.append(n == 0 ? -1 : int(n))                                          // one too many
            default: break
            }
            let dummies: [[UInt8]?] = [[], [], [], [], [0x00], [0x01], [0x51], nil]
            return MultisigCase(n: n, k: k, sigs: sigs, dummy: dummies[int(dummies.count)],
                                nullDummy: int(5) != 0, extra: int(6) == 0 ? 1 : 0)
        }
    }

    @Test("Bitcoin multisig: the Swift model and python-bitcoinlib's VerifyScript agree on 1500 seeded k-of-n spends")
    func bitcoinMultisigOracle() throws {
        let oracle = try JSONLinesChild(script: "backends/runtimes/bitcoin_multisig_oracle.py")
        var rng = SplitMix64(seed: 2024)
        var accepted = 0, rejected = 0
        var seen = Set<String>()
        for id in 1...1500 {
            let c = MultisigCase.generate(&rng)
            var request = c.request
            request["id"] = id
            let reply = try oracle.call(request)
            let real = try #require(reply["accepted"] as? Bool, "\(reply)")
            #expect(real == c.modelAccepts, "case \(id): \(c): VerifyScript \(real) (\(reply["error"] ?? "")), model \(c.modelAccepts)")
            if real { accepted += 1 } else { rejected += 1 }
            // Which rules the agreeing cases exercised.
            let inOrder = c.sigs == c.sigs.sorted() && Set(c.sigs).count == c.sigs.count && !c.sigs.contains { $0 < 0 }
            if real && c.k >= 2 { seen.insert("accepted k >= 2") }
            if real && c.n > 16 { seen.insert("accepted n > 16") }
            if c.sigs.count == c.k && c.k >= 2 && !inOrder && !c.sigs.contains(where: { $0 < 0 }) && Set(c.sigs).count == c.sigs.count { seen.insert("out of order") }
            if c.sigs.count == c.k && Set(c.sigs).count < c.sigs.count { seen.insert("duplicate") }
            if c.dummy.map({ !$0.isEmpty }) == true && c.extra == 0 && c.sigs.count == c.k && inOrder {
                seen.insert(c.nullDummy ? "dirty dummy, NULLDUMMY" : "dirty dummy, no NULLDUMMY")
                if real && !c.nullDummy { seen.insert("dirty dummy accepted without NULLDUMMY") }
            }
            if c.dummy == nil && c.extra == 0 { seen.insert("no dummy") }
            if c.k > c.n { seen.insert("k > n") }
        }
        #expect(accepted >= 300 && rejected >= 300, "accepted \(accepted), rejected \(rejected)")
        #expect(seen == ["accepted k >= 2", "accepted n > 16", "out of order", "duplicate", "dirty dummy, NULLDUMMY",
                         "dirty dummy, no NULLDUMMY", "dirty dummy accepted without NULLDUMMY", "no dummy", "k > n"], "\(seen)")
    }
}
