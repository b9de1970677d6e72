import Foundation
import TitanIR
import TitanProver
import TitanSpec

/// Helper invariants for invariants that are true but not inductive (`titan verify --suggest`).
///
/// The candidates are mined from the states random walks reach (`InvariantMining`). They are added to the model
/// as invariants and Houdini (the prover's own induction, nothing else) keeps the set that is
/// jointly inductive; for each invariant it proves, the set is then made smaller one helper at a
/// time while the proof still goes through. What is printed is therefore proved, as a whole, by
/// the ordinary induction query on the model plus the helpers, never by the mining.
public struct InvariantSuggestion {
    public let model: Model
    /// The path of the spec file that holds the model.
    public let specPath: String
    public var options: ProverOptions
    /// Random walks whose states the candidates are mined from.
    public var walks = 200

    /// The spec text split before the closing brace of the model, where helpers go; found once,
    /// since every Houdini and shrinking run inserts there.
    private let insertionPoint: (before: String, after: String)?

    public init(model: Model, specText: String, specPath: String, options: ProverOptions) {
        self.model = model; self.specPath = specPath
        insertionPoint = Self.split(beforeClosingBraceOf: model.name, in: specText)
        var o = options
        // Induction only: the helpers must make the invariant inductive, not merely unrefuted.
        o.depth = 0; o.simulationSeconds = 0; o.maxInductionDepth = 1; o.progress = nil; o.emitDirectory = nil
        self.options = o
    }

    /// A helper, as a line to paste into the model.
    public struct Helper: Equatable, Sendable {
        public var name: String
        /// `k: address` for an invariant over every key, or empty.
        public var parameters = ""
        public var expression: String
        public var line: String { "invariant \(name)\(parameters.isEmpty ? "" : "(\(parameters))"): \(expression)" }
    }

    /// For each of `unknown` (names of invariants and rules) that some helpers make provable, the
    /// smallest set found, by invariant name. An invariant missing from the answer got no help.
    public func suggest(for unknown: [String]) -> [String: [Helper]] {
        let mined = InvariantMining.candidates(of: model, walks: walks)
        let candidates = zip(freshNames("suggested", count: mined.count), mined).map { name, c in
            Helper(name: name, parameters: c.parameters, expression: c.expression)
        }
        return prove(unknown, with: candidates)
    }

    /// `prefix_1`, `prefix_2`, ...: `count` names no property of the model has.
    func freshNames(_ prefix: String, count: Int) -> [String] {
        let taken = Set(model.properties.map(\.name))
        var names: [String] = [], n = 0
        while names.count < count {
            n += 1
            if !taken.contains("\(prefix)_\(n)") { names.append("\(prefix)_\(n)") }
        }
        return names
    }

    /// For each of `targets` that `candidates` make provable, the smallest set found: Houdini
    /// keeps the candidates that are jointly inductive, then each target's set is made smaller
    /// one helper at a time while induction still proves it.
    public func prove(_ targets: [String], with candidates: [Helper]) -> [String: [Helper]] {
        guard !candidates.isEmpty, !targets.isEmpty else { return [:] }
        guard let all = verify(with: candidates) else { return [:] }
        let survivors = candidates.filter { all[$0.name] == .proved }
        var out: [String: [Helper]] = [:]
        for target in targets where all[target] == .proved {
            var kept = survivors
            for helper in survivors {
                let fewer = kept.filter { $0 != helper }
                if verify(with: fewer)?[target] == .proved { kept = fewer }
            }
            out[target] = kept.enumerated().map { i, h in
                Helper(name: "\(target)_helper\(kept.count > 1 ? "_\(i + 1)" : "")", parameters: h.parameters, expression: h.expression)
            }
        }
        return out
    }

    /// Helpers from Z3's Spacer (`PDRSearch`) for each of `unknown` (invariants): the conjuncts
    /// of the inductive invariant it finds, each kept only if the language accepts it, then
    /// proved with the target by induction like any suggestion.
    public func pdrHelpers(for unknown: [String], secondsEach: Double) -> [String: [Helper]] {
        var out: [String: [Helper]] = [:]
        for name in unknown {
            guard let property = model.properties.first(where: { $0.name == name && $0.kind == .invariant }) else { continue }
            guard case .invariant(let conjuncts) = PDRSearch(model: model, timeoutMilliseconds: Int(secondsEach * 1000)).run(property),
                  conjuncts.count <= PDRProofLimits.maxHelpers else { continue }
            let helpers = zip(freshNames("pdr", count: conjuncts.count), conjuncts).compactMap { name, expression -> Helper? in
                let h = Helper(name: name, expression: expression)
                return verify(with: [h], proving: false) == nil ? nil : h
            }
            if let proved = prove([name], with: helpers)[name] { out[name] = proved }
        }
        return out
    }

    // MARK: Proving

    /// The status of every invariant of the model with `helpers` added (none are proved when
    /// `proving` is false: only whether the text checks), or nil when the text
    /// with them does not check (a template the language refuses for this model).
    func verify(with helpers: [Helper], proving: Bool = true) -> [String: Status]? {
        guard let (before, after) = insertionPoint else { return nil }
        let text = before + "\n" + helpers.map { "  " + $0.line + "\n" }.joined() + after
        guard let file = try? SpecLoader.parse(text: text, path: specPath),
              let augmented = file.models.first(where: { $0.name == model.name }) else { return nil }
        var results: [String: Status] = [:]
        guard proving else { return results }
        for r in Prover(model: augmented, specPath: specPath, options: options).verify() where r.kind == "invariant" || r.kind == "rule" {
            results[r.property] = r.status
        }
        return results
    }

    /// The spec text before and from the closing brace of model `name`.
    static func split(beforeClosingBraceOf name: String, in text: String) -> (before: String, after: String)? {
        let tokens = SpecLoader.tokens(of: text)
        guard let start = tokens.indices.first(where: { i in
            tokens[i].kind == .keyword && tokens[i].name == "model" && i + 1 < tokens.count && tokens[i + 1].name == name
        }) else { return nil }
        var depth = 0
        for token in tokens[start...] where token.kind == .punct {
            if token.name == "{" { depth += 1 }
            if token.name == "}" {
                depth -= 1
                if depth == 0 {
                    let characters = Array(text)
                    return (String(characters[..<token.start]), String(characters[token.start...]))
                }
            }
        }
        return nil
    }
}

/// Bounds on the re-check of Spacer's invariants. Each helper set is re-checked by induction,
/// then shrunk one helper at a time, a prover run each: an invariant of more conjuncts than
/// this would cost many runs and read as no explanation at all, so it is not tried.
enum PDRProofLimits {
    static let maxHelpers = 16
}
