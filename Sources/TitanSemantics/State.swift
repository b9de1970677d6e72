import TitanIR

/// A model state in some domain: the value of every state variable, and the sum of every
/// summed map kept as a ghost that each write to that map updates.
public struct State<V> {
    public var vars: [String: V]
    public var sums: [String: V]
    public init(vars: [String: V], sums: [String: V]) { self.vars = vars; self.sums = sums }
}
