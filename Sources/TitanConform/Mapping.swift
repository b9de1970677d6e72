import Foundation
import BigInt
import TitanIR
import TOMLKit

/// How a model's actions and state meet an implementation's functions and getters. By default
/// each action calls the function of its name with its parameters in order, each state
/// variable is read by the getter of its name (a map's getter takes its keys), the deployer is
/// address 1 at time 0, and the implementation's constructor gets the model constructor's
/// arguments. A mapping file (TOML) changes any of that:
///
///     [deploy]
///     sender = 1                      # the deployer, a model address
///     timestamp = 0
///     args = ["Token", "TKN", 18]     # the implementation's constructor arguments
///     model_args = { cap = 1000 }     # the model constructor's arguments (default 0)
///     contracts = [{ name = "asset", path = "asset.vy", args = [] }]   # deployed first
///     [actions.approveVault]
///     function = "asset.approve"      # a function of a contract deployed first
///     args = ["@target", "amount"]    # @target: the implementation's address; @asset: that contract's
///     [actions.transferFrom]
///     function = "transfer_from"
///     args = ["owner", "to", "amount"]    # model parameters in the function's order
///     [state.balances]
///     getter = "balanceOf"
///     [state.nonces]
///     observe = false
///     [[known]]
///     name = "zero-address"
///     reason = "the token refuses transfers to address 0; the model does not say"
///     action = "transfer"            # optional: only at this action
///     observation = "reverted"       # optional: reverted, returned or a state variable
public struct ConformMapping: Sendable {
    public struct ActionMap: Sendable {
        public var function: String
        /// Model parameter names in the order the function takes them.
        public var args: [String]
    }
    public struct KnownDivergence: Sendable, Codable, Hashable {
        public var name: String
        public var reason: String
        public var action: String?
        public var observation: String?
    }

    /// A contract the implementation needs, deployed before it (an ERC-4626 vault's asset).
    public struct Contract: Sendable {
        public var name: String
        /// Absolute, or relative to the mapping file's directory as written.
        public var path: String
        public var args: [ProtocolValue]
    }

    public var deployer: BigUInt = 1
    public var contracts: [Contract] = []
    public var deployTime: BigUInt = 0
    /// The implementation's constructor arguments, as given (nil: the model constructor's).
    public var constructorArgs: [ProtocolValue]?
    /// Values of the model constructor's parameters, by name.
    public var modelConstructorArgs: [String: BigUInt] = [:]
    public var actions: [String: ActionMap] = [:]
    /// Getter by state variable; a variable absent from `observed` is not compared.
    public var getters: [String: String] = [:]
    public var unobserved: Set<String> = []
    public var known: [KnownDivergence] = []

    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Sets a model constructor argument from its text (decimal or 0x-hex); false when it is not a number.
    public mutating func setConstructorArgument(_ name: String, _ text: String) -> Bool {
        guard let n = Binding.number(text) else { return false }
        modelConstructorArgs[name] = n
        return true
    }

    /// The default mapping for `model`.
    public init(model: Model) {
        for a in model.actions {
            actions[a.name] = ActionMap(function: a.name, args: a.params.map(\.name).filter { Environment.names[$0] == nil })
        }
        for v in ConformMapping.observable(model) { getters[v.name] = v.name }
    }

    /// The state a conformance run can compare: the spec's variables, not the checker's ghosts
    /// nor the block time (which the harness sets).
    static func observable(_ model: Model) -> [StateVar] {
        model.stateVars.filter { !Model.isGhost($0.name) && !Environment.blockFields.contains($0.name) }
    }

    /// The default mapping changed by a mapping file's text. Errors name the file and line.
    public init(model: Model, text: String, file: String) throws {
        self.init(model: model)
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw Error(description: "\(file):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        }
        let f = MappingFile(file: file, text: text)
        for key in root.keys where !["deploy", "actions", "state", "known"].contains(key) {
            throw f.fail("", key, "unknown key (expected deploy, actions, state, known)")
        }
        if let deploy = root["deploy"] { try readDeploy(deploy, f, model: model) }
        if let actionsValue = root["actions"] { try readActions(actionsValue, f, model: model) }
        if let stateValue = root["state"] { try readState(stateValue, f, model: model) }
        if let knownValue = root["known"] { try readKnown(knownValue, f, model: model) }
    }

    /// `[deploy]`: the sender, time and arguments of the deployment, and the contracts deployed with it.
    private mutating func readDeploy(_ deploy: TOMLValueConvertible, _ f: MappingFile, model: Model) throws {
        guard let t = deploy.table else { throw f.fail("", "deploy", "must be a table") }
        for key in t.keys {
            switch key {
            case "sender": deployer = try f.number(t[key]!, "deploy", key)
            case "timestamp": deployTime = try f.number(t[key]!, "deploy", key)
            case "args":
                guard let a = t[key]!.array else { throw f.fail("deploy", key, "must be an array") }
                constructorArgs = try a.map { try f.literal($0, "deploy", key) }
            case "contracts":
                guard let list = t[key]!.array else { throw f.fail("deploy", key, "must be an array of { name, path, args } tables") }
                for item in list {
                    guard let c = item.table, let name = c["name"]?.string, let path = c["path"]?.string else {
                        throw f.fail("deploy", key, "each contract needs name = \"...\" and path = \"...\"")
                    }
                    for k in c.keys where !["name", "path", "args"].contains(k) { throw f.fail("deploy", key, "unknown key '\(k)' in contract '\(name)'") }
                    let args = try (c["args"]?.array).map { try $0.map { try f.literal($0, "deploy", key) } } ?? []
                    let resolved = path.hasPrefix("/") ? path : ((f.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
                    guard FileManager.default.fileExists(atPath: resolved) else { throw f.fail("deploy", key, "contract '\(name)': no such file \(resolved)") }
                    contracts.append(Contract(name: name, path: resolved, args: args))
                }
            case "model_args":
                guard let m = t[key]!.table else { throw f.fail("deploy", key, "must be a table of the model constructor's arguments") }
                let params = model.constructor?.params.map(\.name) ?? []
                for name in m.keys {
                    guard params.contains(name) else {
                        throw f.fail("deploy", key, "'\(name)' is not a parameter of model \(model.name)'s constructor"
                            + (params.isEmpty ? " (it has none)" : " (\(params.joined(separator: ", ")))"))
                    }
                    modelConstructorArgs[name] = try f.number(m[name]!, "deploy", key)
                }
            default: throw f.fail("deploy", key, "unknown key (expected sender, timestamp, args, model_args, contracts)")
            }
        }
    }

    /// `[actions.NAME]`: the function an action calls and the parameters it passes.
    private mutating func readActions(_ actionsValue: TOMLValueConvertible, _ f: MappingFile, model: Model) throws {
        guard let t = actionsValue.table else { throw f.fail("", "actions", "must be a table of [actions.NAME] tables") }
        for name in t.keys {
            guard let action = model.actions.first(where: { $0.name == name }) else {
                throw f.fail("actions", name, "model \(model.name) has no action '\(name)'")
            }
            guard let a = t[name]!.table else { throw f.fail("actions", name, "must be a table") }
            var map = actions[name]!
            for key in a.keys {
                switch key {
                case "function":
                    guard let s = a[key]!.string else { throw f.fail("actions." + name, key, "must be a string") }
                    map.function = s
                case "args":
                    guard let list = a[key]!.array?.map({ $0.string }), !list.contains(where: { $0 == nil }) else {
                        throw f.fail("actions." + name, key, "must be an array of the action's parameter names")
                    }
                    let declared = action.params.map(\.name)
                    for n in list.compactMap({ $0 }) where !declared.contains(n) && !n.hasPrefix("@") {
                        throw f.fail("actions." + name, key, "'\(n)' is not a parameter of action '\(name)' (\(declared.filter { Environment.names[$0] == nil }.joined(separator: ", ")))")
                    }
                    map.args = list.compactMap { $0 }
                default: throw f.fail("actions." + name, key, "unknown key (expected function, args)")
                }
            }
            actions[name] = map
        }
    }

    /// `[state.NAME]`: the getter that reads a state variable, or that it is not compared.
    private mutating func readState(_ stateValue: TOMLValueConvertible, _ f: MappingFile, model: Model) throws {
        guard let t = stateValue.table else { throw f.fail("", "state", "must be a table of [state.NAME] tables") }
        let names = Set(ConformMapping.observable(model).map(\.name))
        for name in t.keys {
            guard names.contains(name) else { throw f.fail("state", name, "model \(model.name) has no state variable '\(name)'") }
            guard let s = t[name]!.table else { throw f.fail("state", name, "must be a table") }
            for key in s.keys {
                switch key {
                case "getter":
                    guard let g = s[key]!.string else { throw f.fail("state." + name, key, "must be a string") }
                    getters[name] = g
                case "observe":
                    guard let b = s[key]!.bool else { throw f.fail("state." + name, key, "must be true or false") }
                    if b { unobserved.remove(name) } else { unobserved.insert(name) }
                default: throw f.fail("state." + name, key, "unknown key (expected getter, observe)")
                }
            }
        }
    }

    /// `[[known]]`: divergences that are known and explained.
    private mutating func readKnown(_ knownValue: TOMLValueConvertible, _ f: MappingFile, model: Model) throws {
        guard let list = knownValue.array else { throw f.fail("", "known", "must be an array of [[known]] tables") }
        for item in list {
            guard let k = item.table else { throw f.fail("", "known", "must be an array of [[known]] tables") }
            for key in k.keys where !["name", "reason", "action", "observation"].contains(key) {
                throw f.fail("known", key, "unknown key (expected name, reason, action, observation)")
            }
            guard let name = k["name"]?.string, let reason = k["reason"]?.string, !reason.isEmpty else {
                throw f.fail("known", "name", "each known divergence needs a name and a reason")
            }
            let action = k["action"]?.string
            if let action, model.action(action) == nil { throw f.fail("known", "action", "model \(model.name) has no action '\(action)'") }
            known.append(KnownDivergence(name: name, reason: reason, action: action, observation: k["observation"]?.string))
        }
    }
}

/// A mapping file being read: its lines, to name the line of a key in an error.
struct MappingFile {
    let file: String
    let lines: [String]

    init(file: String, text: String) {
        self.file = file
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The line where `key` is set, inside `[table]` when given (1 when not found).
    func line(_ table: String?, _ key: String) -> Int {
        var inTable = table == nil
        for (i, raw) in lines.enumerated() {
            let l = raw.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("[") {
                let header = l.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                if let table, header == table + "." + key || (header == key && table.isEmpty) { return i + 1 }
                inTable = header == table
                continue
            }
            if inTable, l.hasPrefix(key), l.dropFirst(key.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") { return i + 1 }
        }
        return 1
    }

    func fail(_ table: String?, _ key: String, _ message: String) -> ConformMapping.Error {
        ConformMapping.Error(description: "\(file):\(line(table, key)): \(table.map { $0.isEmpty ? "" : "\($0)." } ?? "")\(key): \(message)")
    }

    func literal(_ v: TOMLValueConvertible, _ table: String, _ key: String) throws -> ProtocolValue {
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .string(String(i)) }
        if let s = v.string { return .string(s) }
        throw fail(table, key, "holds a value that is not a string, integer or boolean")
    }

    func number(_ v: TOMLValueConvertible, _ table: String, _ key: String) throws -> BigUInt {
        if let i = v.int, i >= 0 { return BigUInt(i) }
        if let s = v.string, let n = Binding.number(s) { return n }
        throw fail(table, key, "must be a non-negative number (or a decimal or 0x string for large ones)")
    }
}
