/// OP_CHECKMULTISIG as Bitcoin Core evaluates it, for k-of-n spends of
/// `OP_k <pubkey_1> ... <pubkey_n> OP_n OP_CHECKMULTISIG` with scriptSig `OP_0 <sig> ...`:
/// - it pops n, the n keys, k, the k signatures, and then one more element: the historical
///   off-by-one "dummy", which must be present, and (NULLDUMMY, BIP 147) must be empty;
/// - signatures are matched against keys in order: each key is tried once, so signatures must
///   appear in the same order as their keys, and one key cannot satisfy two signatures;
/// - 0 <= k <= n <= 20.
public enum BitcoinMultisig {
    public enum ScriptError: Error, Equatable {
        case invalidStackOperation
        case pubkeyCount
        case sigCount
        case sigNullDummy
    }

    /// Evaluates OP_CHECKMULTISIG on `stack` (top last) and returns whether it succeeded.
    /// `checkSig(sig, pubkey)` says whether a signature is valid for a key.
    public static func checkMultisig(stack: inout [[UInt8]], nullDummy: Bool = true,
                                     checkSig: ([UInt8], [UInt8]) -> Bool) throws -> Bool {
        func pop() throws -> [UInt8] {
            guard let top = stack.popLast() else { throw ScriptError.invalidStackOperation }
            return top
        }
        func number(_ e: [UInt8]) -> Int { e.isEmpty ? 0 : Int(e[0]) }
        let n = number(try pop())
        guard n >= 0 && n <= 20 else { throw ScriptError.pubkeyCount }
        var keys: [[UInt8]] = []
        for _ in 0..<n { keys.append(try pop()) }
        keys.reverse()
        let k = number(try pop())
        guard k >= 0 && k <= n else { throw ScriptError.sigCount }
        var sigs: [[UInt8]] = []
        for _ in 0..<k { sigs.append(try pop()) }
        sigs.reverse()
        let dummy = try pop()
        if nullDummy && !dummy.isEmpty { throw ScriptError.sigNullDummy }
        var isig = 0, ikey = 0
        var ok = true
        while ok && isig < sigs.count {
            if checkSig(sigs[isig], keys[ikey]) { isig += 1 }
            ikey += 1
            // More signatures left than keys to match them against: fail.
            if sigs.count - isig > keys.count - ikey { ok = false }
        }
        return ok
    }

    /// Whether `scriptSig` (the pushed elements, dummy first) spends a k-of-n output to `keys`.
    public static func verifySpend(scriptSig: [[UInt8]], k: Int, keys: [[UInt8]],
                                   checkSig: ([UInt8], [UInt8]) -> Bool) -> Bool {
        var stack = scriptSig + [[UInt8(k)]] + keys + [[UInt8(keys.count)]]
        return (try? checkMultisig(stack: &stack, checkSig: checkSig)) ?? false
    }
}
