import TitanIR

/// Where each state variable of a model lives in a `State`: one slot per variable, in
/// declaration order. Made once per model; the executor resolves names to slots when it
/// compiles, so running an action never looks a name up.
public final class StateLayout: Sendable {
    public let names: [String]
    @usableFromInline let slots: [String: Int]

    public init(model: Model) {
        names = model.stateVars.map(\.name)
        slots = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The slot of a state variable; nil for a name the model does not declare.
    public func slot(_ name: String) -> Int? { slots[name] }
}

/// A model state in some domain: the value of every state variable, and the sum of every
/// summed map kept as a ghost that each write to that map updates.
public struct State<V> {
    public let layout: StateLayout
    /// By slot (see `StateLayout`).
    public var values: [V]
    /// By the slot of their map; nil for a variable whose sum no property reads.
    public var ghostSums: [V?]

    public init(layout: StateLayout, values: [V], ghostSums: [V?]) {
        precondition(values.count == layout.names.count && ghostSums.count == layout.names.count)
        self.layout = layout; self.values = values; self.ghostSums = ghostSums
    }

    /// A state from values by name; every variable of the layout must have one.
    public init(layout: StateLayout, vars: [String: V], sums: [String: V]) {
        self.init(layout: layout, values: layout.names.map { vars[$0]! }, ghostSums: layout.names.map { sums[$0] })
    }

    /// The value of a state variable the model declares.
    public subscript(_ name: String) -> V {
        get { values[layout.slot(name)!] }
        set { values[layout.slot(name)!] = newValue }
    }

    /// The ghost sum of a summed map, nil for any other variable.
    public func sum(_ name: String) -> V? { layout.slot(name).flatMap { ghostSums[$0] } }

    public mutating func setSum(_ name: String, _ value: V) { ghostSums[layout.slot(name)!] = value }

    /// Every variable by name, for display.
    public var vars: [String: V] { Dictionary(uniqueKeysWithValues: zip(layout.names, values)) }
}
