/// What the chain provides to every step: the caller and the block time, and, for models that
/// use them, the block number and the value sent. A model that mentions any of them gets them as
/// the last parameters of every action (each step has its own), in `parameters`' order, and a
/// state variable per block field (`block.timestamp`, `block.number`: the latest step's), which
/// the type checker's prologue keeps from going back. No spec identifier can contain a dot, so
/// none can clash.
public enum Environment {
    public static let sender = "msg.sender"
    public static let timestamp = "block.timestamp"
    /// Never decreases, and grows by at least one per step.
    public static let number = "block.number"
    /// What the call sends; only a `payable` action accepts a non-zero value.
    public static let value = "msg.value"
    /// In a rule: the time of the step before the one the rule is about (the pre-state's).
    public static let previousTimestamp = "block.previousTimestamp"
    /// In a rule: the block of the step before the one the rule is about (the pre-state's).
    public static let previousNumber = "block.previousNumber"
    public static let names: [String: Sort] = [sender: .address, timestamp: .uint(64), number: .uint(64), value: .uint256]
    /// The block fields kept as state (the latest step's), which no report lists as the model's own.
    public static let blockFields: Set<String> = [timestamp, number]
    /// Every dotted name a spec may write.
    public static let words: [String] = [sender, value, timestamp, number, previousTimestamp, previousNumber]

    /// The environment's parameters, in the order they follow an action's own.
    public static func parameters(blockNumber: Bool, value usesValue: Bool) -> [Param] {
        [Param(name: sender, sort: .address), Param(name: timestamp, sort: .uint(64))]
            + (blockNumber ? [Param(name: number, sort: .uint(64))] : [])
            + (usesValue ? [Param(name: value, sort: .uint256)] : [])
    }
}

extension Property {
    /// How this rule names each parameter of `action`: positionally by the names it binds, and
    /// the environment's parameters by their own names.
    public func argumentNames(for action: Action) -> [(param: String, name: String)] {
        var argNames: [String] = []
        if case .rule(_, let names) = kind { argNames = names }
        var out: [(String, String)] = []
        for (i, p) in action.params.enumerated() {
            if Environment.names[p.name] != nil { out.append((p.name, p.name)) } else if i < argNames.count { out.append((p.name, argNames[i])) }
        }
        return out
    }

    /// The name under which a rule on an action that returns a value reads that value.
    public static let resultName = "result"

    /// The names a rule's body reads on one step of `action`: the action's arguments as the rule
    /// binds them and, when the action returns a value, `result`.
    public func frameNames<V>(for action: Action, args: [String: V], result: V?) -> [String: V] {
        var names: [String: V] = [:]
        for (param, name) in argumentNames(for: action) { names[name] = args[param] }
        // Only a rule on this one action reads `result`; a rule over every action may have a
        // parameter of that name, which must keep its own value.
        if case .rule(action.name?, _) = kind, action.returns != nil, let result, names[Property.resultName] == nil,
           !params.contains(where: { $0.name == Property.resultName }) {
            names[Property.resultName] = result
        }
        return names
    }
}
