import BigInt
import Foundation
import TitanBackends
import TitanInterp

/// A value as the conformance protocol carries it: integers as decimal strings, addresses and
/// byte strings as 0x-hex strings, booleans as booleans, a tuple as a list; null for a getter
/// that reverted.
public enum ProtocolValue: Hashable, Sendable, CustomStringConvertible, Codable {
    case string(String)
    case bool(Bool)
    case list([ProtocolValue])
    case null

    public var description: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .list(let l): return "(" + l.map(\.description).joined(separator: ", ") + ")"
        case .null: return "reverted"
        }
    }

    /// A value read from a JSON reply. A JSON number (outside the protocol, but harmless) is
    /// read as its decimal text.
    public init(json: Any?) {
        switch json {
        case let s as String: self = .string(s)
        case let b as Bool: self = .bool(b)
        case let n as NSNumber: self = .string(n.stringValue)
        case let l as [Any]: self = .list(l.map { ProtocolValue(json: $0) })
        default: self = .null
        }
    }

    var json: Any {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b
        case .list(let l): return l.map(\.json)
        case .null: return NSNull()
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let s = try? c.decode(String.self) { self = .string(s) } else { self = .list(try c.decode([ProtocolValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        case .list(let l): try c.encode(l)
        case .null: try c.encodeNil()
        }
    }
}

/// An external function of the implementation, with its parameter and result types (ABI type
/// names such as `uint256`, `address`, `bool`, `bytes32`; `i64`/`i32` for WebAssembly).
public struct TargetFunction: Hashable, Sendable {
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public init(name: String, inputs: [String], outputs: [String]) { self.name = name; self.inputs = inputs; self.outputs = outputs }
}

/// One call: a function with its arguments, from a caller at a block time.
public struct TargetCall: Hashable, Sendable {
    public var function: String
    public var args: [ProtocolValue]
    public var sender: BigUInt
    public var timestamp: BigUInt
}

/// What one run asks of the implementation: deploy, then the calls; after the deployment and
/// after every call, read each observation (a getter with its arguments).
public struct TargetPlan: Sendable {
    /// Contracts deployed first, in order, by the same deployer (`@name` in arguments is the
    /// address of one, `@target` the implementation's own).
    public var contracts: [(name: String, args: [ProtocolValue])] = []
    public var deploy: TargetCall
    public var steps: [TargetCall]
    public var observe: [(function: String, args: [ProtocolValue])]
}

/// What the implementation did: whether each call reverted, what it returned, and each
/// observation afterwards.
public struct TargetRun: Sendable {
    public struct StepResult: Sendable {
        public var reverted: Bool
        public var returned: [ProtocolValue]?
        public var observations: [ProtocolValue]
        public init(reverted: Bool, returned: [ProtocolValue]?, observations: [ProtocolValue]) {
            self.reverted = reverted; self.returned = returned; self.observations = observations
        }
    }
    public var deployReverted: Bool
    public var deployObservations: [ProtocolValue]
    public var steps: [StepResult]
    public init(deployReverted: Bool, deployObservations: [ProtocolValue], steps: [StepResult]) {
        self.deployReverted = deployReverted; self.deployObservations = deployObservations; self.steps = steps
    }
}

/// Why the implementation could not be run at all (not a divergence): exit 2.
public struct TargetError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An implementation `titan conform` can run.
public protocol ConformTarget: AnyObject {
    /// What the implementation is, for reports: "token.vy (Vyper on titanoboa)".
    var summary: String { get }
    /// Its external functions, to check the mapping against before anything runs.
    func functions() throws -> [TargetFunction]
    func run(_ plan: TargetPlan) throws -> TargetRun
    func stop()
    /// How wide an address the implementation holds: 160 on the EVM, 64 where addresses pass as
    /// i64. Generated addresses are kept below it.
    var addressBits: Int { get }
}

extension ConformTarget {
    public var addressBits: Int { 160 }
}

/// A child process speaking the conformance protocol in JSON Lines (`--target-cmd`, and the
/// Vyper adapter `backends/runtimes/conform_vyper.py`).
public final class ProcessTarget: ConformTarget {
    public let summary: String
    let channel: JSONLinesChannel

    public init(command: String, summary: String, timeout: Double = 60) {
        self.summary = summary
        channel = JSONLinesChannel(command: command, timeout: timeout, startupTimeout: 300)
    }

    func request(_ object: [String: Any]) throws -> [String: Any] {
        let reply: [String: Any]
        do { reply = try channel.request(object) } catch let f as JSONLinesChannel.Failure {
            let tail = f.stderr.split(separator: "\n").suffix(8).joined(separator: "\n")
            throw TargetError(f.description + (tail.isEmpty ? "" : "\n  its last stderr lines:\n    " + tail.replacingOccurrences(of: "\n", with: "\n    ")))
        }
        if let e = reply["error"] as? String { throw TargetError(e) }
        return reply
    }

    public func functions() throws -> [TargetFunction] {
        let reply = try request(["op": "describe"])
        guard let list = reply["functions"] as? [[String: Any]] else { throw TargetError("the target's describe reply has no functions list") }
        return list.compactMap { f in
            guard let name = f["name"] as? String else { return nil }
            return TargetFunction(name: name, inputs: f["inputs"] as? [String] ?? [], outputs: f["outputs"] as? [String] ?? [])
        }
    }

    static func json(_ call: TargetCall) -> [String: Any] {
        ["function": call.function, "args": call.args.map(\.json), "sender": Value.addressString(call.sender), "timestamp": call.timestamp.description]
    }

    public func run(_ plan: TargetPlan) throws -> TargetRun {
        let reply = try request([
            "op": "run",
            "contracts": plan.contracts.map { ["name": $0.name, "args": $0.args.map(\.json)] as [String: Any] },
            "deploy": ProcessTarget.json(plan.deploy),
            "steps": plan.steps.map(ProcessTarget.json),
            "observe": plan.observe.map { ["function": $0.function, "args": $0.args.map(\.json)] as [String: Any] },
        ])
        guard let deploy = reply["deploy"] as? [String: Any], let steps = reply["steps"] as? [[String: Any]] else {
            throw TargetError("the target's run reply needs deploy and steps")
        }
        func observations(_ o: Any?) -> [ProtocolValue] { (o as? [Any] ?? []).map { ProtocolValue(json: $0) } }
        let reverted = deploy["reverted"] as? Bool ?? false
        guard reverted || steps.count == plan.steps.count else {
            throw TargetError("the target answered \(steps.count) steps where \(plan.steps.count) were sent")
        }
        return TargetRun(deployReverted: reverted, deployObservations: observations(deploy["observations"]),
                         steps: steps.map { s in
                             TargetRun.StepResult(reverted: s["reverted"] as? Bool ?? false,
                                                  returned: (s["returned"] as? [Any]).map { $0.map { ProtocolValue(json: $0) } },
                                                  observations: observations(s["observations"]))
                         })
    }

    public func stop() { channel.stop() }
}
