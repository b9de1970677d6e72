import Foundation
import TitanIR
import TitanSpec

/// One planted bug: a spec file's text with one edit in an action or view.
@dynamicMemberLookup
public struct Mutant: Sendable {
    /// What the edit is and where: also the first fields of its result.
    public var edit: MutantEdit
    /// The whole mutated file, and the mutated model read from it.
    public var text: String
    public var mutated: Model

    public subscript<T>(dynamicMember path: KeyPath<MutantEdit, T>) -> T { edit[keyPath: path] }
}

/// One mutant's edit: what a mutant and its result both say of it.
public struct MutantEdit: Codable, Sendable, Hashable {
    /// Stable across runs of the same text: `Model:owner:line:column:operator:replacement`.
    public var id: String
    public var spec: String
    public var model: String
    /// The action or view the edit is in.
    public var owner: String
    public var mutationOperator: String
    public var line: Int
    public var column: Int
    /// The edited line before and after.
    public var before: String
    public var after: String
}

/// Generates the mutants of a spec file from the mutation sites its parser records.
public enum MutantGenerator {
    /// Every mutant of every model in `text`: each operator at each site, dropping edits that do
    /// not type-check and those whose IR equals the original's (they cannot change behaviour).
    public static func mutants(of text: String, path: String) throws -> [Mutant] {
        let original = try SpecLoader.parse(text: text, path: path)
        let originals = Dictionary(original.models.map { ($0.name, normalized($0)) }, uniquingKeysWith: { a, _ in a })
        let characters = Array(text)
        var seen = Set<String>()
        var out: [Mutant] = []
        for site in try SpecLoader.mutationSites(text: text) {
            for edit in edits(site, characters) {
                var chars = characters
                for change in edit.changes.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
                    chars.replaceSubrange(change.range, with: Array(change.replacement))
                }
                let mutatedText = String(chars)
                guard let file = try? SpecLoader.parse(text: mutatedText, path: path),
                      let model = file.models.first(where: { $0.name == site.model }),
                      normalized(model) != originals[site.model] else { continue }
                let (line, column) = position(of: site.range.lowerBound, in: characters)
                let id = "\(site.model):\(site.owner):\(line):\(column):\(edit.name):\(edit.label)"
                guard seen.insert(id).inserted else { continue }
                let description = MutantEdit(id: id, spec: path, model: site.model, owner: site.owner, mutationOperator: edit.name,
                                             line: line, column: column, before: lineText(line, characters), after: lineText(line, chars))
                out.append(Mutant(edit: description, text: mutatedText, mutated: model))
            }
        }
        return out
    }

    struct Change { var range: Range<Int>; var replacement: String }
    struct Edit { var name: String; var label: String; var changes: [Change] }

    static let arithmeticSwaps: [BinaryOp: [BinaryOp]] = [.add: [.sub, .mul], .sub: [.add], .mul: [.add, .div], .div: [.mul, .mod], .mod: [.div]]
    static let comparisonSwaps: [BinaryOp: [BinaryOp]] = [.ge: [.gt], .gt: [.ge], .le: [.lt], .lt: [.le], .eq: [.ne], .ne: [.eq]]

    /// The edits of one site, each named by its mutation operator.
    static func edits(_ site: MutationSite, _ text: [Character]) -> [Edit] {
        let source = { (r: Range<Int>) in String(text[r]) }
        func one(_ name: String, _ label: String, _ range: Range<Int>, _ replacement: String) -> Edit {
            Edit(name: name, label: label, changes: [Change(range: range, replacement: replacement)])
        }
        switch site.kind {
        case .arithmetic(let op):
            return (arithmeticSwaps[op] ?? []).map { one("arithmetic", "\(op.rawValue)->\($0.rawValue)", site.range, $0.rawValue) }
        case .comparison(let op):
            return (comparisonSwaps[op] ?? []).map { one("comparison", "\(op.rawValue)->\($0.rawValue)", site.range, $0.rawValue) }
        case .number(let n):
            var out = [one("constant", "\(n)->\(n + 1)", site.range, "\(n + 1)")]
            if n > 0 { out.append(one("constant", "\(n)->\(n - 1)", site.range, "\(n - 1)")) }
            if n > 1 { out.append(one("constant", "\(n)->0", site.range, "0")) }
            return out
        case .bool(let b):
            return [one("boolean", "\(b)->\(!b)", site.range, "\(!b)")]
        case .require(let condition):
            return [one("require-deleted", "deleted", site.range, ""),
                    one("require-negated", "negated", condition, "!(\(source(condition)))")]
        case .assignment(let indices):
            var out = [one("assignment-deleted", "deleted", site.range, "")]
            for (i, index) in indices.enumerated() {
                let current = source(index).trimmingCharacters(in: .whitespaces)
                for name in site.names where name != current {
                    out.append(one("map-key-moved", "[\(i)]\(current)->\(name)", index, name))
                }
            }
            return out
        case .elseBranch:
            return [one("else-deleted", "deleted", site.range, "")]
        case .unchecked(let close):
            // `unchecked {` and its `}` go; the statements stay, now checked.
            var end = site.range.upperBound
            while end < text.count, text[end] != "{" { end += 1 }
            guard end < text.count else { return [] }
            return [Edit(name: "unchecked-removed", label: "removed",
                         changes: [Change(range: site.range.lowerBound..<(end + 1), replacement: ""), Change(range: close, replacement: "")])]
        case .callArguments(let args):
            var out: [Edit] = []
            for i in 0..<(args.count - 1) {
                out.append(Edit(name: "arguments-swapped", label: "\(i)<->\(i + 1)",
                                changes: [Change(range: args[i], replacement: source(args[i + 1])),
                                          Change(range: args[i + 1], replacement: source(args[i]))]))
            }
            return out
        }
    }

    static func position(of offset: Int, in text: [Character]) -> (Int, Int) {
        var line = 1, column = 1
        for c in text[..<min(offset, text.count)] {
            if c.isNewline { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    static func lineText(_ line: Int, _ text: [Character]) -> String {
        var current = 1
        var out = ""
        for c in text {
            if c.isNewline {
                if current == line { break }
                current += 1
            } else if current == line {
                out.append(c)
            }
        }
        return out
    }

    /// The model with every source position and quoted text blanked, so two models compare
    /// equal exactly when they mean the same.
    public static func normalized(_ m: Model) -> Model {
        let here = SourceLocation(file: "", line: 0, column: 0)
        func stmt(_ s: Stmt) -> Stmt {
            switch s {
            case .require(let e, _): return .require(e, here)
            case .ifElse(let c, let t, let f): return .ifElse(c, t.map(stmt), f.map(stmt))
            default: return s
            }
        }
        var out = m
        out.location = here
        out.actions = m.actions.map { Action(name: $0.name, params: $0.params, body: $0.body.map(stmt), location: here) }
        out.properties = m.properties.map { Property(name: $0.name, kind: $0.kind, params: $0.params, body: $0.body, location: here, sourceText: "") }
        return out
    }
}
