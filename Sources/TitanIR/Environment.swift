/// What the chain provides to every step: the caller and the block time. A model that mentions
/// either gets them as the last two parameters of every action (each step has its own) and a
/// state variable `block.timestamp`, the time of the latest step, which the type checker's
/// prologue keeps from decreasing. No spec identifier can contain a dot, so none can clash.
public enum Environment {
    public static let sender = "msg.sender"
    public static let timestamp = "block.timestamp"
    public static let names: [String: Sort] = [sender: .address, timestamp: .uint(64)]
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
