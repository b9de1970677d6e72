import TitanInterp
import TitanBackends
import TitanDifferential
import TitanUInt256

/// Generates operation sequences biased to where backends go wrong: empty, one-byte and
/// maximal keys and values; values at EVM word (31/32/33) and TON cell (127/128) boundaries;
/// a small key pool so keys repeat, plus the colliding keys backends hint at; buffers one
/// byte too small; delete then read; amounts 0, 1, exact balances and every chain's width
/// boundary; from == to.
public struct SequenceGenerator: SequenceSource {
    public var rng: SplitMix64
    public var maxLength: Int
    let hints: [[UInt8]]

    static let valueLengths = [0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 254, 255, 256]
    static let bigAmounts: [UInt256] = {
        var out: [UInt256] = [.max, UInt256.max.subtractingReportingOverflow(UInt256(1)).partialValue,
                              UInt256(21_000_000 * 100_000_000), UInt256(21_000_000 * 100_000_000 + 1)]
        for bits in [64, 120, 128] {
            let m = UInt256.maxOf(bits: bits)
            out += [m, m.addingReportingOverflow(UInt256(1)).partialValue]
        }
        return out
    }()

    public init(seed: UInt64, maxLength: Int = 24, keyHints: [[UInt8]] = []) {
        rng = SplitMix64(seed: seed)
        self.maxLength = maxLength
        hints = keyHints.filter { $0.count <= ReferenceModel.keyMaxLength }
    }

    mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    mutating func bytes(_ n: Int) -> [UInt8] {
        switch int(4) {
        case 0: return [UInt8](repeating: 0, count: n)
        case 1: return [UInt8](repeating: 0xff, count: n)
        default: return (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        }
    }

    mutating func keyPool() -> [[UInt8]] {
        var pool: [[UInt8]] = []
        if hints.count >= 2 && chance(15) {
            // Now and then a sequence on one hinted pair alone, so its keys meet often.
            let i = int(hints.count / 2) * 2
            return Array(hints[i..<(i + 2)])
        }
        let size = 2 + int(4)
        for _ in 0..<size {
            switch int(6) {
            case 0: pool.append([])
            case 1: pool.append([UInt8(int(3))])
            case 2: pool.append(bytes(ReferenceModel.keyMaxLength))
            case 3: pool.append(bytes(pick([31, 32, 33])))
            default: pool.append(bytes(1 + int(ReferenceModel.keyMaxLength)))
            }
        }
        if !hints.isEmpty && chance(50) {
            // Hints come in pairs (e.g. two keys in one slot): take a pair together.
            let i = int((hints.count + 1) / 2) * 2
            pool += hints[i..<min(i + 2, hints.count)]
        }
        return pool
    }

    mutating func amount(balance: UInt256) -> UInt256 {
        switch int(10) {
        case 0: return .zero
        case 1: return UInt256(1)
        case 2, 3: return balance
        case 4: return balance.addingReportingOverflow(UInt256(1)).partialValue
        case 5: return pick(SequenceGenerator.bigAmounts)
        default: return UInt256(UInt64(int(1000)))
        }
    }

    /// One sequence. It keeps its own rough picture of what it wrote and minted, only to aim
    /// buffer sizes and amounts at boundaries; the reference decides what is right.
    public mutating func next() -> [TitanCall] { fresh(continuing: [], maxLength: maxLength) }

    public mutating func random(below n: Int) -> Int { int(max(1, n)) }

    /// A new sequence; after `prefix`, its keys join the pool so that the new calls meet them.
    public mutating func fresh(continuing prefix: [TitanCall], maxLength: Int) -> [TitanCall] {
        var keys = keyPool()
        for k in prefix.compactMap(\.storageKey) where !keys.contains(k) { keys.append(k) }
        // On a hinted pair alone, keep values within one 32-byte word most of the time, so the
        // pair's slot is exercised rather than the value-size limit.
        let focused = keys.count == 2 && hints.contains(keys[0]) && hints.contains(keys[1])
        let addrs = [Address(index: 1), Address(index: 2), Address(index: 3)] + (chance(20) ? [Address([UInt8](repeating: 0xff, count: 20))] : [])
        var lengths: [[UInt8]: Int] = [:]
        var balances: [Address: UInt256] = [:]
        var ops: [TitanCall] = []
        let n = 1 + int(max(1, maxLength))
        while ops.count < n {
            let key = pick(keys)
            switch int(16) {
            case 0, 1, 2, 3:
                let len = focused && chance(80) ? pick([0, 1, 2, 31])
                    : chance(70) ? pick(SequenceGenerator.valueLengths) : int(ReferenceModel.valueMaxLength + 1)
                ops.append(.storageWrite(key: key, value: bytes(len)))
                lengths[key] = len
                if chance(40) { ops.append(.storageRead(key: key, bufLen: len)) }
            case 4, 5, 6:
                let len = lengths[key] ?? 0
                let buf = pick([len, len, max(0, len - 1), len + 1, 0, ReferenceModel.valueMaxLength, 4096, 32 * 1024 + 1, 1 << 40])
                ops.append(.storageRead(key: key, bufLen: buf))
            case 7, 8:
                ops.append(.storageDelete(key: key))
                lengths[key] = nil
                if chance(50) { ops.append(.storageRead(key: key, bufLen: ReferenceModel.valueMaxLength)) }
            case 9, 10:
                let to = pick(addrs)
                let a = amount(balance: balances[to] ?? .zero)
                ops.append(.mint(to: to, amount: a))
                balances[to] = (balances[to] ?? .zero).addingReportingOverflow(a).partialValue
                if chance(30) { ops.append(.totalSupply) }
            case 11, 12, 13:
                let from = pick(addrs)
                let to = chance(25) ? from : pick(addrs)
                let a = amount(balance: balances[from] ?? .zero)
                ops.append(.transfer(from: from, to: to, amount: a))
                if (balances[from] ?? .zero) >= a {
                    balances[from] = (balances[from] ?? .zero).subtractingReportingOverflow(a).partialValue
                    balances[to] = (balances[to] ?? .zero).addingReportingOverflow(a).partialValue
                }
                ops.append(.balance(from))
                if from != to && chance(60) { ops.append(.balance(to)) }
            case 14:
                ops.append(.balance(pick(addrs)))
            default:
                ops.append(.totalSupply)
            }
        }
        return ops
    }

    /// `call` with its value length, buffer size or amount drawn anew.
    public mutating func varied(_ call: TitanCall, after prefix: ArraySlice<TitanCall>) -> TitanCall {
        switch call {
        case .storageWrite(let k, _):
            return .storageWrite(key: k, value: bytes(chance(70) ? pick(SequenceGenerator.valueLengths) : int(ReferenceModel.valueMaxLength + 1)))
        case .storageRead(let k, let n):
            return .storageRead(key: k, bufLen: pick([0, max(0, n - 1), n + 1, pick(SequenceGenerator.valueLengths), ReferenceModel.valueMaxLength]))
        case .mint(let to, let a):
            return .mint(to: to, amount: amount(balance: a))
        case .transfer(let f, let t, let a):
            return chance(25) ? .transfer(from: f, to: f, amount: a) : .transfer(from: f, to: t, amount: amount(balance: a))
        default:
            return call
        }
    }
}
