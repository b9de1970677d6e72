import Foundation
import TitanProcess

/// A second solver run as a command-line program on the emitted SMT-LIB2 files (`--cross-check`),
/// so that no result rests on Z3 alone. Only cvc5 is supported; its answers are compared with
/// Z3's verdict query by query.
public struct ExternalSolver: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case cvc5 }

    public enum SetupError: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound(String)
        case notRunnable(String, String)
        public var description: String {
            switch self {
            case .notFound(let name): return "\(name) was not found on PATH (install it, e.g. with scripts/setup)"
            case .notRunnable(let name, let why): return "could not run \(name): \(why)"
            }
        }
    }

    public var kind: Kind
    public var executable: String
    /// For example "cvc5 1.0.3".
    public var name: String

    /// Finds the solver on PATH and reads its version.
    public static func locate(_ kind: Kind, path: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") throws -> ExternalSolver {
        let found = path.split(separator: ":").map { "\($0)/\(kind.rawValue)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let executable = found else { throw SetupError.notFound(kind.rawValue) }
        let out: String
        do {
            out = try Self.run(executable, ["--version"], wallSeconds: 10).stdout
        } catch {
            throw SetupError.notRunnable(kind.rawValue, "\(error)")
        }
        // "This is cvc5 version 1.0.3 [git ...]"
        let words = out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let version = words.firstIndex(of: "version").flatMap { $0 + 1 < words.count ? String(words[$0 + 1]) : nil } ?? "unknown version"
        return ExternalSolver(kind: kind, executable: executable, name: "\(kind.rawValue) \(version)")
    }

    /// The solver's answer on one file: "sat", "unsat", "unknown" (including its own time limit),
    /// or a description of what went wrong.
    public func verdict(file: String, timeoutSeconds: Double) -> String {
        let ms = max(1, Int(timeoutSeconds * 1000))
        do {
            let r = try Self.run(executable, ["--lang=smt2", "--tlimit-per=\(ms)", file], wallSeconds: timeoutSeconds * 2 + 10)
            if r.timedOut { return "timeout" }
            let first = r.stdout.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if ["sat", "unsat", "unknown"].contains(first) { return first }
            let err = (r.stderr + r.stdout).split(separator: "\n").first.map(String.init) ?? "no output"
            return "error (\(r.exit)): \(err)"
        } catch {
            return "error: \(error)"
        }
    }

    /// Re-runs every query of a result whose text was emitted, and records what this solver said.
    /// A file is used only if it still holds the exact text the record's hash names, since emitted
    /// files of same-named models in different specs overwrite each other.
    public func crossCheck(_ r: inout PropertyResult, timeoutSeconds: Double) {
        var disagreements: [String] = [], unconfirmed: [String] = []
        for i in r.queries.indices {
            let q = r.queries[i]
            guard let file = q.file, let text = try? String(contentsOfFile: file, encoding: .utf8),
                  Self.queryText(ofEmitted: text).map(sha256Hex) == q.sha256 else {
                r.queries[i].crossCheck = "not run: the emitted file is missing or holds another query"
                unconfirmed.append("\(q.name): not run")
                continue
            }
            let theirs = verdict(file: file, timeoutSeconds: timeoutSeconds)
            r.queries[i].crossCheck = theirs
            let ours = q.verdict
            let decided = ["sat", "unsat"]
            if decided.contains(ours) && decided.contains(theirs) && ours != theirs {
                disagreements.append("\(q.name): z3 \(ours), \(kind.rawValue) \(theirs)")
            } else if decided.contains(ours) && !decided.contains(theirs) {
                unconfirmed.append("\(q.name): \(theirs)")
            }
        }
        if !disagreements.isEmpty {
            r.crossCheck = CrossCheck(solver: name, outcome: .disagreed, detail: disagreements.joined(separator: "; "))
        } else if !unconfirmed.isEmpty {
            r.crossCheck = CrossCheck(solver: name, outcome: .unconfirmed, detail: unconfirmed.joined(separator: "; "))
        } else {
            r.crossCheck = CrossCheck(solver: name, outcome: .agreed)
        }
    }

    /// The query text of an emitted file: everything after its leading comment header.
    public static func queryText(ofEmitted file: String) -> String? {
        var rest = Substring(file)
        while rest.hasPrefix(";") {
            guard let nl = rest.firstIndex(of: "\n") else { return nil }
            rest = rest[rest.index(after: nl)...]
        }
        return String(rest)
    }

    /// Runs the solver, reading its output as it goes, and kills it after `wallSeconds`. It stays
    /// in titan's process group: Ctrl-C reaches it, and `titan verify`'s own interrupt handling
    /// (which writes the report of what is finished) stays in charge.
    static func run(_ executable: String, _ arguments: [String], wallSeconds: Double) throws -> ChildProcess.Completed {
        try ChildProcess.run([executable] + arguments, group: .inherited, timeout: wallSeconds)
    }
}
