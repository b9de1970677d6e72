import Foundation
import TitanBackends

/// A replayable trace: JSON Lines, a header object, then one request per line in the external
/// protocol's format.
///
///     {"titan_corpus":1,"backend":"solana-hashmod","expect":"known:slot-collision-lost-write","found":"...","seed":7}
///     {"id":1,"op":"storage_write","key":"0x6b00000a1f","value":"0x"}
///
/// `backend` is a built-in backend's name or `cmd:<command>`. `expect` is what a replay must
/// see: `agree` (a fixed bug stays fixed; the fuzzer writes new divergences this way, so the
/// regression test fails until the backend is fixed), `known:<name>` (a documented divergence
/// stays classified), or `divergence` (a planted bug stays detected).
public struct CorpusFile: Sendable {
    public var backend: String
    public var expect: Verdict
    /// What the fuzzer saw when it wrote the file.
    public var found: String
    public var seed: UInt64?
    public var operations: [TitanCall]

    public init(backend: String, expect: Verdict, found: String, seed: UInt64?, operations: [TitanCall]) {
        self.backend = backend; self.expect = expect; self.found = found; self.seed = seed; self.operations = operations
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    public func text() -> String {
        var header: [String: Any] = ["titan_corpus": 1, "backend": backend, "expect": expect.description, "found": found]
        if let seed { header["seed"] = seed }
        let h = String(decoding: try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        return ([h] + operations.enumerated().map { ExternalProtocol.request(id: $0.offset + 1, $0.element) }).joined(separator: "\n") + "\n"
    }

    public static func parse(_ text: String, path: String = "corpus") throws -> CorpusFile {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        func object(_ line: Substring, _ n: Int) throws -> [String: Any] {
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw FormatError(description: "\(path):\(n): not a JSON object")
            }
            return o
        }
        guard let first = lines.first else { throw FormatError(description: "\(path): empty file") }
        let header = try object(first, 1)
        guard header["titan_corpus"] as? Int == 1, let backend = header["backend"] as? String,
              let e = header["expect"] as? String, let expect = Verdict(e) else {
            throw FormatError(description: "\(path):1: header needs titan_corpus 1, backend and expect (agree, known:NAME or divergence)")
        }
        var ops: [TitanCall] = []
        for (i, line) in lines.dropFirst().enumerated() {
            do {
                let op = try ExternalProtocol.operation(from: try object(line, i + 2))
                guard ReferenceModel.accepts(op) else { throw FormatError(description: "key or value longer than the reference's bounds (64, 256 bytes)") }
                ops.append(op)
            } catch let e as FormatError {
                throw e
            } catch {
                throw FormatError(description: "\(path):\(i + 2): \(error)")
            }
        }
        return CorpusFile(backend: backend, expect: expect, found: header["found"] as? String ?? "",
                          seed: (header["seed"] as? NSNumber)?.uint64Value, operations: ops)
    }

    public static func load(_ path: String) throws -> CorpusFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError(description: "cannot read \(path)") }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// A file name that says what it holds: backend, verdict, and a short hash of the trace.
    public var suggestedName: String {
        let safe = { (s: String) in String(s.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(40)) }
        let digest = Keccak256.hash(Array(text().utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        let what = found.hasPrefix("known:") ? String(found.dropFirst(6)) : "divergence"
        return "\(safe(backend))-\(safe(what))-\(digest).jsonl"
    }
}
