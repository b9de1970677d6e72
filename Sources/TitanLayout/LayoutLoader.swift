import Foundation

/// Bad input: a file that cannot be read, is not JSON, or is not a storage layout.
public struct LayoutInputError: Error, CustomStringConvertible, Sendable {
    public var file: String
    /// A JSON path such as `storage[2].slot`; empty when the problem is the whole file.
    public var path: String
    public var message: String

    public init(file: String = "", path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
    }
}

/// Reads storage layouts: solc's `storageLayout` object (bare or under a `storageLayout` key),
/// solc standard-JSON output (`contracts[file][name].storageLayout`), and Titan's layout files
/// (the same shape plus `namespaces`).
public enum LayoutLoader {
    /// Reads `path`; `contract` (`Name` or `file:Name`) picks a contract in standard-JSON output
    /// and is ignored for a file that holds a single layout.
    public static func load(path: String, contract: String? = nil) throws -> StorageLayout {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LayoutInputError(file: path, path: "", message: "cannot read the file (\(readFailure(path)))")
        }
        return try parse(data: data, source: path, contract: contract)
    }

    public static func parse(data: Data, source: String, contract: String? = nil) throws -> StorageLayout {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw LayoutInputError(file: source, path: "", message: "not valid JSON: \(jsonFailure(data))")
        }
        return try parse(json: root, source: source, contract: contract)
    }

    /// Reads an already decoded JSON document (e.g. one built in memory).
    public static func parse(json: JSONValue, source: String, contract: String? = nil) throws -> StorageLayout {
        do {
            return try read(JSONNode(value: json, path: ""), source: source, contract: contract)
        } catch var e as LayoutInputError {
            e.file = source
            throw e
        }
    }

    static func read(_ root: JSONNode, source: String, contract: String?) throws -> StorageLayout {
        guard case .object = root.value else {
            throw root.fail("expected a storage layout object, found \(root.value.kindDescription)")
        }
        if root.child("storage") != nil {
            return try readLayout(root, source: source)
        }
        if let wrapped = root.child("storageLayout") {
            return try readLayout(wrapped, source: source)
        }
        if let contracts = root.child("contracts") {
            return try readStandardJSON(contracts, source: source, contract: contract)
        }
        if let errors = root.child("errors"), case .array(let list) = errors.value {
            let messages = list.compactMap { e -> String? in
                guard case .object(let o) = e, case .string(let m)? = o["formattedMessage"] ?? o["message"] else { return nil }
                return m.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            throw root.fail("compiler output without contracts; its errors: \(messages.joined(separator: "; "))")
        }
        throw root.fail("not a storage layout: expected \"storage\" and \"types\", a \"storageLayout\" object, or solc standard-JSON output with \"contracts\"")
    }

    static func readStandardJSON(_ contracts: JSONNode, source: String, contract: String?) throws -> StorageLayout {
        var candidates: [(name: String, node: JSONNode)] = []
        for (file, fileNode) in try contracts.entries() {
            for (name, contractNode) in try fileNode.entries() {
                if let layout = contractNode.child("storageLayout") { candidates.append(("\(file):\(name)", layout)) }
            }
        }
        if candidates.isEmpty {
            throw contracts.fail("no contract has a storageLayout (compile with outputSelection \"storageLayout\")")
        }
        let chosen: [(name: String, node: JSONNode)]
        if let contract {
            chosen = candidates.filter { $0.name == contract || $0.name.hasSuffix(":\(contract)") && !contract.contains(":") }
            if chosen.isEmpty {
                throw contracts.fail("no contract named \(contract) has a storageLayout; contracts with one: \(candidates.map(\.name).joined(separator: ", "))")
            }
            if chosen.count > 1 {
                throw contracts.fail("\(contract) names several contracts: \(chosen.map(\.name).joined(separator: ", ")); use file:Name")
            }
        } else {
            chosen = candidates
            if chosen.count > 1 {
                throw contracts.fail("several contracts have a storageLayout; choose one with --contract NAME (or file:NAME): \(candidates.map(\.name).joined(separator: ", "))")
            }
        }
        var layout = try readLayout(chosen[0].node, source: source)
        layout.source = "\(source) (\(chosen[0].name))"
        return layout
    }

    /// `{"storage": [...], "types": {...} or null, "namespaces": {...}?}`.
    static func readLayout(_ node: JSONNode, source: String) throws -> StorageLayout {
        guard case .object = node.value else {
            throw node.fail("expected a storage layout object, found \(node.value.kindDescription)")
        }
        let storage = try node.required("storage").array().map(readVariable)
        var rawTypes: [String: JSONNode] = [:]
        if let typesNode = node.child("types"), !typesNode.isNull {
            for (id, t) in try typesNode.entries() { rawTypes[id] = t }
        }
        var namespaces: [Namespace] = []
        if let ns = node.child("namespaces"), !ns.isNull {
            for (id, n) in try ns.entries() {
                namespaces.append(Namespace(id: id, storage: try n.required("storage").array().map(readVariable)))
            }
        }
        var types: [String: StorageType] = [:]
        for (id, t) in rawTypes { types[id] = try readType(id: id, t) }
        // Every type id used anywhere must be defined; checked here so comparisons never miss one.
        func check(_ id: String, at path: String) throws {
            guard types[id] != nil else {
                throw LayoutInputError(path: path, message: "unknown type id \"\(id)\" (not in \"types\")")
            }
        }
        let typesPath = JSONNode.join(node.path, "types")
        for (i, v) in storage.enumerated() { try check(v.type, at: JSONNode.join(node.path, "storage") + "[\(i)].type") }
        for n in namespaces {
            let base = JSONNode.join(JSONNode.join(node.path, "namespaces"), n.id) + ".storage"
            for (i, v) in n.storage.enumerated() { try check(v.type, at: "\(base)[\(i)].type") }
        }
        for id in types.keys.sorted() {
            let path = JSONNode.join(typesPath, id)
            switch types[id]!.shape {
            case .value, .bytes: break
            case .structure(let members):
                for (i, m) in members.enumerated() { try check(m.type, at: "\(path).members[\(i)].type") }
            case .staticArray(let base, _), .dynamicArray(let base):
                try check(base, at: "\(path).base")
            case .mapping(let key, let value):
                try check(key, at: "\(path).key")
                try check(value, at: "\(path).value")
            }
        }
        try rejectSelfContainment(types, typesPath: typesPath)
        return StorageLayout(source: source, storage: storage, namespaces: namespaces, types: types)
    }

    /// Solidity types contain themselves only through a struct (`struct Node { mapping(uint =>
    /// Node) children; }`); a mapping or array that reaches itself without one cannot be
    /// declared, and comparing it would never end.
    static func rejectSelfContainment(_ types: [String: StorageType], typesPath: String) throws {
        var done: Set<String> = []
        func visit(_ id: String, _ trail: [String]) throws {
            if let start = trail.firstIndex(of: id) {
                throw LayoutInputError(path: JSONNode.join(typesPath, id),
                                       message: "the type contains itself without a struct in between: \((trail[start...] + [id]).joined(separator: " -> "))")
            }
            guard !done.contains(id), let t = types[id] else { return }
            switch t.shape {
            case .value, .bytes, .structure: break
            case .staticArray(let base, _), .dynamicArray(let base): try visit(base, trail + [id])
            case .mapping(let key, let value):
                try visit(key, trail + [id])
                try visit(value, trail + [id])
            }
            done.insert(id)
        }
        for id in types.keys.sorted() { try visit(id, []) }
    }

    static func readVariable(_ node: JSONNode) throws -> StorageVariable {
        let label = try node.required("label").string()
        let slot = try node.required("slot").decimal()
        let offsetNode = try node.required("offset")
        let offset = try offsetNode.int()
        guard (0..<32).contains(offset) else { throw offsetNode.fail("offset must be between 0 and 31, found \(offset)") }
        let type = try node.required("type").string()
        let contract = try node.child("contract").map { try $0.string() }
        return StorageVariable(label: label, contract: contract, slot: slot, offset: offset, type: type)
    }

    static func readType(id: String, _ node: JSONNode) throws -> StorageType {
        let encodingNode = try node.required("encoding")
        let encoding = try encodingNode.string()
        let label = try node.required("label").string()
        let size = try node.required("numberOfBytes").decimal()
        let shape: StorageType.Shape
        switch encoding {
        case "inplace":
            if let members = node.child("members") {
                shape = .structure(members: try members.array().map(readVariable))
            } else if let base = node.child("base") {
                guard let length = arrayLength(label: label, id: id) else {
                    throw node.fail("static array type without a length: expected a label ending in [N], found \"\(label)\"")
                }
                shape = .staticArray(base: try base.string(), length: length)
            } else {
                shape = .value
            }
        case "mapping":
            shape = .mapping(key: try node.required("key").string(), value: try node.required("value").string())
        case "dynamic_array":
            shape = .dynamicArray(base: try node.required("base").string())
        case "bytes":
            shape = .bytes
        default:
            throw encodingNode.fail("unknown encoding \"\(encoding)\"; expected inplace, mapping, dynamic_array or bytes")
        }
        if case .value = shape, let n = size.intValue, !(1...32).contains(n) {
            throw node.fail("an in-place value must take 1 to 32 bytes, found numberOfBytes \(n)")
        }
        return StorageType(id: id, label: label, numberOfBytes: size, shape: shape)
    }

    /// A static array's length: solc writes it at the end of the label (`uint256[50]`) and of the
    /// id (`t_array(t_uint256)50_storage`).
    static func arrayLength(label: String, id: String) -> SlotNumber? {
        if label.hasSuffix("]"), let open = label.lastIndex(of: "[") {
            let digits = label[label.index(after: open)..<label.index(before: label.endIndex)]
            if let n = SlotNumber(decimal: String(digits)) { return n }
        }
        if let close = id.lastIndex(of: ")") {
            let digits = id[id.index(after: close)...].prefix { $0.isNumber }
            if let n = SlotNumber(decimal: String(digits)) { return n }
        }
        return nil
    }

    static func readFailure(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        return "permission denied"
    }

    /// JSONDecoder only says "not valid JSON"; JSONSerialization says what and where.
    static func jsonFailure(_ data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return "unsupported JSON"
        } catch {
            let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            guard let range = text.range(of: "around character "),
                  let offset = Int(text[range.upperBound...].prefix { $0.isNumber }) else { return text }
            let before = data.prefix(offset)
            let line = before.filter { $0 == 10 }.count + 1
            let column = offset - (before.lastIndex(of: 10).map { $0 + 1 } ?? 0) + 1
            return "\(text) (line \(line), column \(column))"
        }
    }
}
