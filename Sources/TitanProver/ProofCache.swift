import BigInt
import CZ3
import Foundation
import TitanSMT

/// What a solver said, kept so that the same query need not be solved again: the verdict and,
/// for `sat`, the value of every scalar constant of the model (enough to rebuild the
/// counterexample, which is then replayed by the interpreter as if freshly found).
struct CachedAnswer: Codable {
    var verdict: String
    var values: [String: String]?
}

/// A content-addressed store of solver answers under one directory.
///
/// The key is the SHA-256 of the exact SMT-LIB2 text of a query together with the solver's
/// name, version and options, so a hit can only answer the identical question. Entries are
/// written to a temporary file and renamed into place, so processes sharing the directory
/// never see a torn entry. The directory is kept under `maxBytes` by removing the entries
/// used least recently (a hit refreshes an entry's modification time).
public final class ProofCache: @unchecked Sendable {
    public let directory: URL
    public let maxBytes: Int
    let lock = NSLock()
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(directory: URL, maxBytes: Int = 256 << 20) {
        self.directory = directory
        self.maxBytes = maxBytes
    }

    /// `$XDG_CACHE_HOME/titan/proofs`, or `~/.cache/titan/proofs`.
    public static var defaultDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("titan/proofs")
    }

    static func key(text: String, solver: String, timeoutSeconds: Double) -> String {
        sha256Hex("\(solver)\ntimeout=\(timeoutSeconds)\n\(text)")
    }

    func url(_ key: String) -> URL {
        directory.appendingPathComponent(String(key.prefix(2))).appendingPathComponent(key + ".json")
    }

    func lookup(_ key: String) -> CachedAnswer? {
        let file = url(key)
        guard let data = try? Data(contentsOf: file),
              let answer = try? JSONDecoder().decode(CachedAnswer.self, from: data),
              answer.verdict == "unsat" || (answer.verdict == "sat" && answer.values != nil) else {
            count(hit: false)
            return nil
        }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
        count(hit: true)
        return answer
    }

    func store(_ key: String, _ answer: CachedAnswer) {
        let file = url(key)
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(key).\(UUID().uuidString).tmp")
            try JSONEncoder().encode(answer).write(to: temporary)
            // rename(2) replaces atomically: readers see the old entry or the new one, never a part.
            if rename(temporary.path, file.path) != 0 { try? fm.removeItem(at: temporary) }
        } catch {
            // A cache that cannot be written only costs time; the answer itself is unaffected.
        }
    }

    func count(hit: Bool) {
        lock.lock(); defer { lock.unlock() }
        if hit { hits += 1 } else { misses += 1 }
    }

    /// Removes the least recently used entries until the cache holds at most 90% of `maxBytes`.
    public func evict() {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey]) else { return }
        var entries: [(url: URL, size: Int, used: Date)] = []
        for case let file as URL in walker where file.pathExtension == "json" {
            let v = try? file.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey])
            entries.append((file, v?.fileSize ?? 0, v?.contentModificationDate ?? .distantPast))
        }
        var total = entries.reduce(0) { $0 + $1.size }
        guard total > maxBytes else { return }
        for e in entries.sorted(by: { $0.used < $1.used }) where total > maxBytes * 9 / 10 {
            try? fm.removeItem(at: e.url)
            total -= e.size
        }
    }
}

/// The values a satisfying assignment gives to a query's constants: live from Z3, or from
/// a cached answer.
protocol ModelValues {
    func number(_ t: Term) -> BigUInt?
    /// An integer term's value, which may be negative.
    func integer(_ t: Term) -> BigInt?
    func bool(_ t: Term) -> Bool?
}

extension Z3Model: ModelValues {}

/// A model read back from the cache, by constant name. Constants the solver left out of its
/// model may take any value; like Z3's model completion, they read as zero or false.
struct CachedModel: ModelValues {
    let context: Z3Context
    let values: [String: String]
    func number(_ t: Term) -> BigUInt? {
        guard let s = values[context.constantName(t)] else { return 0 }
        return BigUInt(s, radix: 10)
    }
    func integer(_ t: Term) -> BigInt? {
        guard let s = values[context.constantName(t)] else { return 0 }
        return BigInt(s, radix: 10)
    }
    func bool(_ t: Term) -> Bool? {
        guard let s = values[context.constantName(t)] else { return false }
        return s == "true"
    }
}
