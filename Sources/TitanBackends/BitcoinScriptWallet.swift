import TitanUInt256

/// The wallet side of the `bitcoin-script` runtime backend: every address's coins are locked
/// by a bare k-of-n multisig output (`OP_k <pubkey_0> ... <pubkey_n-1> OP_n OP_CHECKMULTISIG`),
/// and every transfer is signed with a witness this wallet derives from the call. The built-in
/// `BitcoinMultisig` model says whether that witness satisfies the sender's output; the chain
/// (python-bitcoinlib's `VerifyScript`, in `backends/runtimes/bitcoin_script.py`) decides
/// whether it does:
///
/// - a witness the model accepts is the owner's spend: if the interpreter rejects it, the
///   transfer fails (ret 2) where the reference's succeeds;
/// - a witness the model rejects is an attacker's: the adapter first tries to spend all the
///   sender's outputs to a thief with it, then makes the owner's transfer with the canonical
///   witness (the first k keys in order, an empty dummy). If the interpreter accepts the
///   attacker's spend, the sender's coins are gone, which the next balance or transfer shows.
///
/// So any disagreement between the model and the interpreter is a difference from the
/// reference ledger, found, shrunk and reported by the fuzzer like any other divergence. The
/// witness is a function of the call and how many identical calls came before it since the
/// reset, so a sequence always runs the same way (shrinking and corpus replays depend on it).
public enum BitcoinScriptWallet {
    /// The k-of-n policy locking an address's outputs: 2-of-3, 1-of-1, 3-of-5 for the fuzzer's
    /// small addresses (last byte 1, 2, 3) and 17-of-20 for any other (k and n above 16 are
    /// pushed as data, not as OP_k).
    public static func policy(of a: Address) -> (k: Int, n: Int) {
        let small = a.bytes.dropLast().allSatisfy { $0 == 0 }
        switch (small, a.bytes[19]) {
        case (true, 1): return (2, 3)
        case (true, 2): return (1, 1)
        case (true, 3): return (3, 5)
        default: return (17, 20)
        }
    }

    /// A spending scriptSig, as the adapter builds it: `extra` elements 0x51, then the dummy
    /// (nil: none pushed), then one element per entry of `sigs`: a key index (that key's
    /// signature over the spending input), -1 (a valid signature by a key outside the output)
    /// or -2 (an empty signature). `nullDummy`: the interpreter runs with NULLDUMMY (BIP 147).
    public struct Witness: Hashable, Sendable, CustomStringConvertible {
        public var sigs: [Int]
        public var dummy: [UInt8]?
        public var nullDummy: Bool
        public var extra: Int
        public init(sigs: [Int], dummy: [UInt8]?, nullDummy: Bool, extra: Int) {
            self.sigs = sigs; self.dummy = dummy; self.nullDummy = nullDummy; self.extra = extra
        }

        /// The owner's own witness: the first k keys in order, an empty dummy.
        public static func canonical(k: Int) -> Witness { Witness(sigs: Array(0..<k), dummy: [], nullDummy: true, extra: 0) }

        public var description: String {
            "sigs \(sigs) dummy \(dummy.map(Hex.encode) ?? "none") nulldummy \(nullDummy) extra \(extra)"
        }

        /// The built-in model's verdict on this witness spending a k-of-n output: the stack
        /// OP_CHECKMULTISIG sees, with abstract keys ([0xAA, i]) and signatures ([0x30, i];
        /// a key accepts exactly its own), evaluated by `BitcoinMultisig.checkMultisig`.
        public func modelAccepts(k: Int, n: Int) -> Bool {
            let keys = (0..<n).map { [UInt8(0xAA), UInt8($0)] }
            let elements: [[UInt8]] = sigs.map { $0 == -2 ? [] : $0 == -1 ? [0x30, 0xEE] : [0x30, UInt8($0)] }
            var stack = [[UInt8]](repeating: [0x51], count: extra) + (dummy.map { [$0] } ?? []) + elements
                + [[UInt8(k)]] + keys + [[UInt8(n)]]
            return (try? BitcoinMultisig.checkMultisig(stack: &stack, nullDummy: nullDummy) { sig, key in
                sig.count == 2 && sig[0] == 0x30 && key == [0xAA, sig[1]]
            }) == true
        }

        var json: String {
            "{\"sigs\":[\(sigs.map(String.init).joined(separator: ","))],\"dummy\":\(dummy.map { "\"\(Hex.encode($0))\"" } ?? "null"),\"nulldummy\":\(nullDummy),\"extra\":\(extra)}"
        }
    }

    /// The witness a transfer is signed with: a k-subset of the sender's keys in key order,
    /// about half the time disturbed (two signatures swapped out of order, a duplicate, a
    /// signature by an outsider or an empty one, one too few, one too many), with an empty
    /// dummy most of the time (else 0x00, 0x01, 0x51 or none), NULLDUMMY four times in five and
    /// now and then an extra element below the dummy. `occurrence`: how many identical calls
    /// came before it since the reset.
    public static func witness(for call: TitanCall, occurrence: Int) -> Witness {
        guard case .transfer(let from, _, _) = call else { return .canonical(k: 0) }
        let digest = Keccak256.hash(Array(ExternalProtocol.request(id: occurrence, call).utf8))
        var state = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        let (k, n) = policy(of: from)
        var sigs = Array((0..<n).filter { _ in int(2) == 0 }.prefix(k))
        while sigs.count < k { sigs.append(int(n)); sigs = Array(Set(sigs)).sorted() }
        switch int(12) {
        case 0 where k >= 2: sigs.swapAt(int(k - 1), k - 1)                      // two out of key order
        case 1 where k >= 2: let i = 1 + int(k - 1); sigs[i] = sigs[i - 1]          // a duplicate
        case 2: sigs[int(k)] = int(2) == 0 ? -1 : -2                                // an outsider's or an empty signature
        case 3: sigs.remove(at: int(k))                                             // one too few
        case 4: sigs.insert(int(n), at: int(k + 1))                                 // one too many
        case 5: sigs.reverse()                                                      // all out of order
        default: break
        }
        let d = int(100)
        let dummy: [UInt8]? = d < 72 ? [] : d < 80 ? [0x00] : d < 87 ? [0x01] : d < 92 ? [0x51] : nil
        return Witness(sigs: sigs, dummy: dummy, nullDummy: int(5) != 0, extra: int(10) == 0 ? 1 : 0)
    }

    /// The witness a transfer is signed with and the model's verdict, for reports.
    @Sendable public static func note(_ call: TitanCall, earlier: ArraySlice<TitanCall>) -> String? {
        guard case .transfer(let from, _, _) = call else { return nil }
        let w = witness(for: call, occurrence: earlier.filter { $0 == call }.count)
        let (k, n) = policy(of: from)
        return "witness \(w) on the sender's \(k)-of-\(n): the model \(w.modelAccepts(k: k, n: n) ? "accepts it (the owner's spend)" : "rejects it (tried as a theft first)")"
    }

    /// The request members the adapter needs beyond the protocol's: the policies of the
    /// addresses whose outputs a call creates or spends, and for a transfer the witness and
    /// the model's verdict on it. `earlier`: the calls before it since the reset.
    @Sendable public static func requestFields(_ call: TitanCall, earlier: ArraySlice<TitanCall>) -> String? {
        func policy(_ a: Address) -> String { let p = BitcoinScriptWallet.policy(of: a); return "[\(p.k),\(p.n)]" }
        switch call {
        case .mint(let to, _):
            return ",\"to_policy\":\(policy(to))"
        case .transfer(let from, let to, _):
            let w = witness(for: call, occurrence: earlier.filter { $0 == call }.count)
            let (k, n) = BitcoinScriptWallet.policy(of: from)
            return ",\"from_policy\":\(policy(from)),\"to_policy\":\(policy(to)),\"witness\":\(w.json),\"model_accepts\":\(w.modelAccepts(k: k, n: n))"
        default:
            return nil
        }
    }
}
