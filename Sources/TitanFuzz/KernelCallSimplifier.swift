import TitanBackends
import TitanUInt256

/// Simpler versions of kernel calls, simplest first, for shrinking.
enum KernelCallSimplifier {
    static func renaming(_ op: TitanCall, _ key: [UInt8], to new: [UInt8]) -> TitanCall {
        switch op {
        case .storageWrite(key, let v): return .storageWrite(key: new, value: v)
        case .storageRead(key, let n): return .storageRead(key: new, bufLen: n)
        case .storageDelete(key): return .storageDelete(key: new)
        default: return op
        }
    }

    static func shorter(_ b: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        if !b.isEmpty { out += [[], Array(b.prefix(b.count / 2)), Array(b.dropLast())] }
        if b.contains(where: { $0 != 0 }) { out.append([UInt8](repeating: 0, count: b.count)) }
        return out.filter { $0 != b }
    }

    /// 0, 1, half, then a - 2^k for k from the top bit down: repeated, this descends to the
    /// smallest amount that keeps the verdict (e.g. exactly one past a chain's limit).
    static func smaller(_ a: UInt256) -> [UInt256] {
        guard !a.isZero else { return [] }
        var out: [UInt256] = [.zero, UInt256(1), a.quotientAndRemainder(dividingBy: 2).quotient]
        for k in stride(from: a.bitWidth - 1, through: 0, by: -1) {
            let p = UInt256.maxOf(bits: k + 1).subtractingReportingOverflow(UInt256.maxOf(bits: max(k, 1))).partialValue
            let step = k == 0 ? UInt256(1) : p
            out.append(a.subtractingReportingOverflow(step).partialValue)
        }
        return out.filter { $0 < a }
    }

    static func smaller(_ n: Int) -> [Int] {
        guard n > 0 else { return [] }
        var out = [0, 1, n / 2]
        var step = 1 << (Int.bitWidth - 1 - n.leadingZeroBitCount)
        while step > 0 { out.append(n - step); step >>= 1 }
        return out.filter { $0 >= 0 && $0 < n }
    }

    static func simpler(_ a: Address) -> [Address] { [Address(index: 1), Address(index: 2)].filter { $0 < a } }

    /// Candidates strictly simpler than `op`, simplest first.
    static func simpler(_ op: TitanCall) -> [TitanCall] {
        switch op {
        case .storageWrite(let k, let v):
            return shorter(v).map { .storageWrite(key: k, value: $0) } + shorter(k).map { .storageWrite(key: $0, value: v) }
        case .storageRead(let k, let n):
            return smaller(n).map { .storageRead(key: k, bufLen: $0) } + shorter(k).map { .storageRead(key: $0, bufLen: n) }
        case .storageDelete(let k):
            return shorter(k).map { .storageDelete(key: $0) }
        case .mint(let to, let a):
            return smaller(a).map { .mint(to: to, amount: $0) } + simpler(to).map { .mint(to: $0, amount: a) }
        case .transfer(let f, let t, let a):
            return smaller(a).map { .transfer(from: f, to: t, amount: $0) }
                + simpler(f).map { .transfer(from: $0, to: t, amount: a) }
                + simpler(t).map { .transfer(from: f, to: $0, amount: a) }
        case .balance(let a):
            return simpler(a).map { .balance($0) }
        case .reset, .totalSupply:
            return []
        }
    }
}
