import BigInt
import Foundation
import TitanIR
import TitanSMT

/// What a solver said, kept so that the same query need not be solved again: the verdict and,
/// for `sat`, the value of every scalar constant of the model (enough to rebuild the
/// counterexample, which is then replayed by the interpreter as if freshly found).
struct CachedAnswer: Codable {
    var verdict: String
    var values: [String: String]?
}

/// Which answer a query described before it is built has: the key of its text's entry, and
/// the SHA-256 of that text (what reports and certificates name the query by).
struct QueryReference: Codable {
    var textKey: String
    var sha256: String
}

/// A content-addressed store of solver answers under one directory.
///
/// An answer's key is the SHA-256 of the exact SMT-LIB2 text of a query together with the
/// solver's name, version and options, so a hit can only answer the identical question (and
/// queries that two models share, such as a mutant and its original, share answers).
///
/// Building a query to print its text costs more than reading an answer, so a second kind of
/// entry, a reference (`.ref`), leads from what determines the text, known before anything is
/// built, to the text's key and hash: the build of the encoder (the executable's GNU build ID,
/// a hash of its code, the parser's included), the model (for a model as parsed, its spec file's
/// SHA-256 and path and its name; otherwise its whole printed IR), the query's name and every
/// input its construction reads (assumed invariants, lemmas), and the solver and options. Any
/// change that can change the text changes the reference's key, so a reference never leads to
/// another query's answer; with it, a proved query is answered, and named in reports and
/// certificates by its text's hash, without a Z3 context (a warm run of the kernel: 0.74 s to
/// about 0.12 s, Reports/bench/scale.md).
///
/// Entries are written to a temporary file and renamed into place, so processes sharing the
/// directory never see a torn entry. The directory is kept under `maxBytes` by removing the entries
/// used least recently (a hit refreshes an entry's modification time).
///
/// `@unchecked Sendable`: the hit and miss counters change only under `lock`; entries are files,
/// shared through atomic renames.
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

    /// The key of a query's reference, from what determines its text (see the type's comment).
    /// `model` is a fingerprint of the model's IR (`ProofCache.fingerprint(of:)`), `query` the
    /// query's name and inputs.
    static func referenceKey(model: String, query: String, solver: String, timeoutSeconds: Double) -> String {
        sha256Hex("titan-query-v2\nbuild=\(BuildIdentity.current)\n\(solver)\ntimeout=\(timeoutSeconds)\nmodel=\(model)\n\(query)")
    }

    /// SHA-256 of the model's complete IR as Swift prints its structure (every stored field of
    /// every nested value, strings quoted; the IR holds no dictionaries or sets, so the text is
    /// the same in every process).
    static func fingerprint(of model: Model) -> String {
        sha256Hex(String(reflecting: model))
    }

    func url(_ key: String, kind: String = "json") -> URL {
        directory.appendingPathComponent(String(key.prefix(2))).appendingPathComponent(key + "." + kind)
    }

    /// The reference stored under `key`, if any and readable. Not counted: the answer it leads
    /// to is (`lookup`).
    func reference(_ key: String) -> QueryReference? {
        let file = url(key, kind: "ref")
        guard let data = try? Data(contentsOf: file), let r = try? JSONDecoder().decode(QueryReference.self, from: data),
              r.textKey.count == 64, r.sha256.count == 64 else { return nil }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
        return r
    }

    func store(reference r: QueryReference, under key: String) {
        guard let data = try? JSONEncoder().encode(r) else { return }
        write(data, to: url(key, kind: "ref"), key: key)
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
        guard let data = try? JSONEncoder().encode(answer) else { return }
        write(data, to: url(key), key: key)
    }

    func write(_ data: Data, to file: URL, key: String) {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(key).\(UUID().uuidString).tmp")
            try data.write(to: temporary)
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
        for case let file as URL in walker where file.pathExtension == "json" || file.pathExtension == "ref" {
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
        integer(t).flatMap { $0.sign == .minus ? nil : $0.magnitude }
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
