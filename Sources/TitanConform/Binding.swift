import BigInt
import Foundation
import TitanIR
import TitanInterp

/// A mapping checked against the implementation's functions: for each action, the function it
/// calls and how its arguments are passed; for each observed state variable, its getter. Every
/// mismatch is found before anything runs, and named.
struct Binding {
    /// What one argument of a function is: a parameter of the action, or the address of a
    /// deployed contract (`@name`, `@target` for the implementation itself).
    enum Argument {
        case param(Param)
        case contract(String)
    }
    struct Call {
        var function: String
        /// The function's arguments in its order.
        var args: [Argument]
        var returns: Bool
    }
    struct Observed {
        var variable: StateVar
        var getter: String
        /// The key sorts, outermost first (none for a scalar).
        var keys: [Sort]
        var valueSort: Sort
    }
    var calls: [String: Call] = [:]
    var observed: [Observed] = []
    /// Extra checks the implementation is known to make or skip, from the mapping.
    var known: [ConformMapping.KnownDivergence]

    /// Whether a spec sort and an implementation type name agree.
    static func fits(_ sort: Sort, _ type: String) -> Bool {
        switch sort {
        case .uint(let w): return type == "uint\(w)" || (w <= 64 && type == "i64") || (w <= 32 && type == "i32")
        // Only ABI ints: a Wasm i32/i64 result is read as unsigned, so a negative one would not compare.
        case .sint(let w): return type == "int\(w)"
        case .address: return type == "address" || type == "i64"
        case .bool: return type == "bool" || type == "i32"
        case .bytes(let n): return type == "bytes" || type == "bytes\(n)"
        default: return false
        }
    }

    init(model: Model, mapping: ConformMapping, functions: [TargetFunction], mappingFile: String?) throws {
        let unsupported = [Environment.number, Environment.value].filter { name in model.actions.contains { $0.params.contains { $0.name == name } } }
        guard unsupported.isEmpty else {
            throw TargetError("model '\(model.name)' uses \(unsupported.joined(separator: " and ")), which titan conform does not send to an implementation yet")
        }
        known = mapping.known
        let byName = Dictionary(functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let source = mappingFile.map { "(mapped in \($0))" } ?? "(by name; map it in a mapping file with --map)"
        func missing(_ what: String, _ name: String) -> TargetError {
            let near = functions.map(\.name).filter { $0.lowercased().contains(name.lowercased().prefix(4)) }.prefix(5)
            return TargetError("the implementation has no external function '\(name)' for \(what) \(source)"
                + (near.isEmpty ? "" : "; it has \(near.joined(separator: ", "))"))
        }
        for action in model.actions {
            guard let m = mapping.actions[action.name] else { continue }
            guard let f = byName[m.function] else { throw missing("action '\(action.name)'", m.function) }
            let args: [Argument] = m.args.compactMap { n in
                n.hasPrefix("@") ? .contract(String(n.dropFirst())) : action.params.first { $0.name == n }.map { .param($0) }
            }
            guard args.count == f.inputs.count else {
                throw TargetError("'\(f.name)' takes \(f.inputs.count) argument(s) (\(f.inputs.joined(separator: ", "))); action '\(action.name)' passes \(args.count) (\(m.args.joined(separator: ", "))) \(source)")
            }
            for (a, t) in zip(args, f.inputs) {
                switch a {
                case .param(let p) where !Binding.fits(p.sort, t):
                    throw TargetError("parameter '\(p.name)' of action '\(action.name)' is \(p.sort), but '\(f.name)' takes \(t) there \(source)")
                case .contract(let c) where t != "address":
                    throw TargetError("'\(f.name)' takes \(t) where action '\(action.name)' passes the address of contract '\(c)'")
                default: break
                }
            }
            if let r = action.returns, let out = f.outputs.first, !Binding.fits(r, out) {
                throw TargetError("action '\(action.name)' returns \(r), but '\(f.name)' returns \(out)")
            }
            if action.returns != nil, f.outputs.isEmpty {
                throw TargetError("action '\(action.name)' returns a value, but '\(f.name)' returns nothing")
            }
            calls[action.name] = Call(function: f.name, args: args, returns: action.returns != nil)
        }
        for v in ConformMapping.observable(model) where !mapping.unobserved.contains(v.name) {
            guard let getter = mapping.getters[v.name] else { continue }
            var keys: [Sort] = []
            var value = v.sort
            while case .map(let k, let inner) = value { keys.append(k); value = inner }
            guard let f = byName[getter] else {
                throw TargetError("the implementation has no getter '\(getter)' for state variable '\(v.name)' \(source); "
                                  + "map it with [state.\(v.name)] getter = \"...\", or say observe = false")
            }
            guard f.inputs.count == keys.count else {
                throw TargetError("getter '\(getter)' takes \(f.inputs.count) argument(s), but '\(v.name)' (\(v.sort)) needs \(keys.count) key(s)")
            }
            for (k, t) in zip(keys, f.inputs) where !Binding.fits(k, t) {
                throw TargetError("getter '\(getter)' takes \(t), but the keys of '\(v.name)' are \(k)")
            }
            guard let out = f.outputs.first, f.outputs.count == 1, Binding.fits(value, out) else {
                throw TargetError("getter '\(getter)' returns \(f.outputs.isEmpty ? "nothing" : f.outputs.joined(separator: ", ")), but '\(v.name)' holds \(value)")
            }
            observed.append(Observed(variable: v, getter: getter, keys: keys, valueSort: value))
        }
    }

    // MARK: Values

    /// A model value in the protocol's form.
    static func encode(_ v: Value, _ sort: Sort) -> ProtocolValue {
        switch sort {
        case .bool: return .bool(v.asBool)
        case .address: return .string(Value.addressString(v.asBits))
        case .bytes, .sint: return .string(v.rendered(as: sort))
        default: return .string(v.asBits.description)
        }
    }

    /// Whether an implementation's value is the model's value of `sort`.
    static func same(_ model: Value, _ impl: ProtocolValue, _ sort: Sort) -> Bool {
        switch (sort, impl) {
        case (.bool, .bool(let b)): return b == model.asBool
        case (.bool, .string(let s)): return (s == "1" || s == "true") == model.asBool && ["0", "1", "true", "false"].contains(s)
        case (.bytes, .string(let s)): return s.lowercased() == model.rendered(as: sort).lowercased()
        case (.sint, .string(let s)): return signedNumber(s) == sort.integer(fromPattern: model.asBits)
        case (_, .string(let s)): return number(s) == model.asBits
        default: return false
        }
    }

    /// A decimal or 0x-hex number.
    static func number(_ s: String) -> BigUInt? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return BigUInt(s.dropFirst(2), radix: 16) }
        return BigUInt(s, radix: 10)
    }

    /// A decimal number with an optional minus sign.
    static func signedNumber(_ s: String) -> BigInt? {
        s.hasPrefix("-") ? number(String(s.dropFirst())).map { -BigInt($0) } : number(s).map(BigInt.init)
    }

    /// A value as reports and corpus files write it (`Value.rendered`), read back.
    static func parse(_ text: String, _ sort: Sort) -> Value? {
        switch sort {
        case .bool: return text == "true" ? .bool(true) : text == "false" ? .bool(false) : nil
        case .bytes(let n):
            guard text.hasPrefix("0x"), text.count % 2 == 0 else { return nil }
            var bytes: [UInt8] = []
            var i = text.index(text.startIndex, offsetBy: 2)
            while i < text.endIndex {
                let j = text.index(i, offsetBy: 2)
                guard let b = UInt8(text[i..<j], radix: 16) else { return nil }
                bytes.append(b); i = j
            }
            return bytes.count <= n ? Value.bytes(bytes, maxLength: n) : nil
        case .uint(let w):
            guard let n = number(text), n.bitWidth <= w else { return nil }
            return .bits(n)
        case .address:
            guard let n = number(text), n.bitWidth <= 160 else { return nil }
            return .bits(n)
        case .sint:
            guard let i = signedNumber(text), sort.integerRange!.contains(i) else { return nil }
            return .bits(sort.pattern(of: i))
        default: return nil
        }
    }
}
