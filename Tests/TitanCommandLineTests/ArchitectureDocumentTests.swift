import Foundation
import Testing
import TitanTestSupport

/// Docs/architecture.md is where a newcomer learns the target graph, so it must be the graph
/// Package.swift builds: its table lists every target with exactly the targets and products it
/// depends on, and its Mermaid graph has exactly the edges between the product's targets.
@Suite("The architecture page matches Package.swift", .watched)
struct ArchitectureDocumentTests {
    struct Target: Equatable, CustomStringConvertible {
        var name: String
        var targets: Set<String>
        var products: Set<String>
        var isTest: Bool
        var description: String { "\(name): \(targets.sorted()) \(products.sorted())" }
    }

    /// The targets of Package.swift, read from its text: each `.target`, `.executableTarget`,
    /// `.testTarget` and `.systemLibrary` with the names in its `dependencies:` list, products apart.
    static func manifestTargets() throws -> [String: Target] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [String: Target] = [:]
        let declaration = try Regex(#"\.(target|executableTarget|testTarget|systemLibrary)\(name: "([^"]+)""#)
        for match in text.matches(of: declaration) {
            let kind = String(match.output[1].substring!), name = String(match.output[2].substring!)
            var targets = Set<String>(), products = Set<String>()
            let rest = text[match.range.upperBound...]
            let end = rest.range(of: "\n        .")?.lowerBound ?? rest.endIndex
            var body = String(rest[..<end])
            if let deps = body.range(of: "dependencies: [") {
                var depth = 1, index = deps.upperBound
                while depth > 0, index < body.endIndex {
                    if body[index] == "[" { depth += 1 } else if body[index] == "]" { depth -= 1 }
                    index = body.index(after: index)
                }
                body = String(body[deps.upperBound..<index])
                for p in body.matches(of: try Regex(#"\.product\(name: "([^"]+)", package: "[^"]+"\)"#)) {
                    products.insert(String(p.output[1].substring!))
                }
                body = body.replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
                for t in body.matches(of: try Regex(#""([^"]+)""#)) { targets.insert(String(t.output[1].substring!)) }
            }
            out[name] = Target(name: name, targets: targets, products: products, isTest: kind == "testTarget")
        }
        return out
    }

    static func page() throws -> String {
        try String(contentsOf: packageRoot.appendingPathComponent("Docs/architecture.md"), encoding: .utf8)
    }

    @Test("the table lists every target with exactly its dependencies")
    func table() throws {
        let manifest = try Self.manifestTargets()
        try #require(manifest.count > 20, "Package.swift was not read: \(manifest.keys.sorted())")
        var documented: [String: Target] = [:]
        let row = try Regex(#"^\| `([^`]+)`[^|]* \| ([^|]*) \| ([^|]*) \|$"#)
        for line in try Self.page().split(separator: "\n") {
            guard let m = String(line).wholeMatch(of: row) else { continue }
            let name = String(m.output[1].substring!)
            guard manifest[name] != nil else { continue }  // a row of another table
            func names(_ cell: Substring?) -> Set<String> {
                let c = String(cell ?? "").trimmingCharacters(in: .whitespaces)
                if c == "none" || c.isEmpty { return [] }
                return Set(c.components(separatedBy: ", ").map { $0.replacingOccurrences(of: "`", with: "") })
            }
            if documented[name] == nil {
                documented[name] = Target(name: name, targets: names(m.output[2].substring), products: names(m.output[3].substring),
                                          isTest: manifest[name]!.isTest)
            }
        }
        #expect(Set(documented.keys) == Set(manifest.keys), "targets missing from the table: \(Set(manifest.keys).subtracting(documented.keys).sorted())")
        for (name, target) in manifest {
            #expect(documented[name] == target, "Package.swift: \(target); Docs/architecture.md: \(documented[name].map(\.description) ?? "no row")")
        }
    }

    @Test("the graph has exactly the edges between the product's targets")
    func graph() throws {
        let manifest = try Self.manifestTargets()
        let page = try Self.page()
        let graph = try #require(page.range(of: "```mermaid\n").flatMap { start in
            page[start.upperBound...].range(of: "```").map { String(page[start.upperBound..<$0.lowerBound]) }
        }, "no mermaid graph")
        let edge = try Regex(#"^\s+(\S+) --> (\S+)$"#)
        let drawn = Set(graph.split(separator: "\n").compactMap { line -> String? in
            String(line).wholeMatch(of: edge).map { "\($0.output[1].substring!) -> \($0.output[2].substring!)" }
        })
        let built = Set(manifest.values.filter { !$0.isTest && $0.name != "TitanTestSupport" }.flatMap { t in
            t.targets.map { "\(t.name.replacingOccurrences(of: "-", with: "_")) -> \($0)" }
        })
        #expect(drawn == built, "only drawn: \(drawn.subtracting(built).sorted()); only built: \(built.subtracting(drawn).sorted())")
    }
}
