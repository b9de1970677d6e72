import BigInt
import Foundation
import TitanConform
import WAT
@_spi(Fuzzing) import WasmKit

/// A WebAssembly module as a `titan conform` target, run in this process by WasmKit. Its exports
/// are named after the actions (the mapped functions) and getters; numbers and addresses pass
/// as i64, booleans as i32. It may import, from module `env`: `caller() -> i64` (msg.sender),
/// `timestamp() -> i64` (block.timestamp) and `revert()`, which ends the call as a revert. A
/// trap of any kind (`unreachable`, a failed bounds check, running out of fuel) is a revert too,
/// and a reverted call leaves the linear memory as it was before it (keep the state there). An
/// `init` export, if any, is the constructor. Each run starts from the state right after
/// instantiation: one instance is reused, its memory and mutable globals put back between runs.
public final class WasmConformTarget: ConformTarget {
    public let summary: String
    public var addressBits: Int { 64 }
    let module: Module
    let engine: Engine
    let fuel: UInt64
    let exported: [TargetFunction]
    /// The exports added for the module's mutable globals (`WasmGlobalExports`).
    let globalNames: [String]
    let path: String
    /// The instance the last run left, and the state to put it back to.
    private var spare: Running?
    private var initial: (memory: [UInt8], globals: [WasmKit.Value])?

    public init(path: String, fuel: UInt64 = WasmBackend.defaultFuel) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw TargetError("\(path): no such file") }
        var bytes = Array(data)
        if path.hasSuffix(".wat") {
            guard let text = String(data: data, encoding: .utf8) else { throw TargetError("\(path) is not UTF-8 text") }
            do { bytes = try wat2wasm(text) } catch { throw TargetError("\(path) is not a valid WebAssembly text module: \(error)") }
        }
        do {
            let exporting = try WasmGlobalExports.exportingMutableGlobals(bytes)
            module = try parseWasm(bytes: exporting.bytes)
            globalNames = exporting.names
        } catch { throw TargetError("\(path) is not a valid WebAssembly module: \(error)") }
        self.path = path
        for i in module.imports where !(i.module == "env" && WasmConformTarget.hostNames.contains(i.name)) {
            throw TargetError("\(path) imports \(i.module).\(i.name); a conformance module may import only env.caller, env.timestamp and env.revert")
        }
        // The run's instance compiles lazily (only what runs). The probe compiles eagerly, so a
        // body that does not validate is refused here, before anything runs.
        engine = Engine(configuration: EngineConfiguration(compilationMode: .lazy, memoryBoundsChecking: .software, fuelMetering: true))
        let eager = Engine(configuration: EngineConfiguration(compilationMode: .eager, memoryBoundsChecking: .software, fuelMetering: true))
        self.fuel = fuel
        summary = "\(path) (WebAssembly, in process on WasmKit)"
        // The exports' types, from one instance (its start function runs on the fuel budget).
        let probe = try WasmConformTarget.instantiate(module, engine: eager, fuel: fuel, host: Host(), path: path)
        var functions: [TargetFunction] = []
        for (name, value) in probe.instance.exports {
            guard case .function(let f) = value else { continue }
            func names(_ types: [ValueType]) -> [String] { types.map { $0 == .i32 ? "i32" : $0 == .i64 ? "i64" : "\($0)" } }
            functions.append(TargetFunction(name: name, inputs: names(f.type.parameters), outputs: names(f.type.results)))
        }
        exported = functions.sorted { $0.name < $1.name }
    }

    static let hostNames: Set<String> = ["caller", "timestamp", "revert"]

    /// What the host functions answer during a call.
    /// `@unchecked Sendable`: a call runs on one thread, and the host functions read what was
    /// set before the call.
    final class Host: @unchecked Sendable {
        var caller: UInt64 = 0
        var timestamp: UInt64 = 0
    }
    struct Reverted: Error {}

    struct Running {
        var instance: Instance
        var store: Store
        var host: Host
        var memory: Memory?
    }

    static func instantiate(_ module: Module, engine: Engine, fuel: UInt64, host: Host, path: String) throws -> Running {
        let store = Store(engine: engine)
        store.resourceLimiter = WasmBackend.Limiter()
        store.fuel = Fuel(remaining: fuel)
        var imports = Imports()
        imports.define(module: "env", name: "caller", Function(store: store, parameters: [], results: [.i64]) { _, _ in [.i64(host.caller)] })
        imports.define(module: "env", name: "timestamp", Function(store: store, parameters: [], results: [.i64]) { _, _ in [.i64(host.timestamp)] })
        imports.define(module: "env", name: "revert", Function(store: store, parameters: []) { _, _ in throw Reverted() })
        let instance: Instance
        do { instance = try module.instantiate(store: store, imports: imports) } catch {
            throw TargetError("\(path) could not be instantiated: \(WasmBackend.describe(error))")
        }
        return Running(instance: instance, store: store, host: host, memory: instance.exports[memory: "memory"])
    }

    public func functions() throws -> [TargetFunction] { exported }

    static func argument(_ v: ProtocolValue, _ type: ValueType) -> WasmKit.Value {
        let n: UInt64
        switch v {
        case .bool(let b): n = b ? 1 : 0
        case .string(let s):
            // Most values fit 64 bits: parsed directly, without a BigUInt (a fifth of the run's time otherwise).
            if s.hasPrefix("0x") {
                let digits = s.dropFirst(2).drop { $0 == "0" }
                n = UInt64(digits.isEmpty ? "0" : digits, radix: 16) ?? UInt64(truncatingIfNeeded: BigUInt(digits, radix: 16) ?? 0)
            } else {
                n = UInt64(s) ?? UInt64(truncatingIfNeeded: BigUInt(s, radix: 10) ?? 0)
            }
        default: n = 0
        }
        return type == .i32 ? .i32(UInt32(truncatingIfNeeded: n)) : .i64(n)
    }

    static func result(_ v: WasmKit.Value) -> ProtocolValue {
        switch v {
        case .i32(let x): return .string(String(x))
        case .i64(let x): return .string(String(x))
        default: return .string("\(v)")
        }
    }

    /// An instance in the state right after instantiation: the last run's, put back, or a new one.
    func freshInstance() throws -> Running {
        if let running = spare, let initial, let m = running.memory, m.byteCount == initial.memory.count {
            spare = nil
            m.withUnsafeMutableBufferPointer(offset: 0, count: initial.memory.count) { $0.copyBytes(from: initial.memory) }
            for (name, value) in zip(globalNames, initial.globals) { try running.instance.exports[global: name]?.assign(value) }
            return running
        }
        // Memory cannot shrink: an instance whose memory grew is replaced.
        spare = nil
        let running = try WasmConformTarget.instantiate(module, engine: engine, fuel: fuel, host: Host(), path: path)
        let memory = running.memory.map { m in m.withUnsafeBufferPointer(offset: 0, count: m.byteCount) { Array($0) } } ?? []
        initial = (memory, globalNames.compactMap { running.instance.exports[global: $0]?.value })
        return running
    }

    public func run(_ plan: TargetPlan) throws -> TargetRun {
        let running = try freshInstance()
        let host = running.host
        var stack = ExecutionStack(engine: engine)
        /// Calls an export; nil when it reverted, with the memory put back as it was.
        func call(_ name: String, _ args: [ProtocolValue], restore: Bool) throws -> [WasmKit.Value]? {
            guard let f = running.instance.exports[function: name] else { throw TargetError("the module has no export '\(name)'") }
            let values = zip(args, f.type.parameters).map { WasmConformTarget.argument($0, $1) }
            let saved = restore ? running.memory.map { m in m.withUnsafeBufferPointer(offset: 0, count: m.byteCount) { Array($0) } } : nil
            running.store.fuel = Fuel(remaining: fuel)
            do {
                return try f.invoke(values, on: &stack)
            } catch {
                if let saved, let m = running.memory, m.byteCount >= saved.count {
                    m.withUnsafeMutableBufferPointer(offset: 0, count: saved.count) { $0.copyBytes(from: saved) }
                }
                return nil
            }
        }
        func observe() throws -> [ProtocolValue] {
            try plan.observe.map { o in
                guard let out = try call(o.function, o.args, restore: false) else { return .null }
                return out.first.map(WasmConformTarget.result) ?? .null
            }
        }
        host.caller = UInt64(truncatingIfNeeded: plan.deploy.sender)
        host.timestamp = UInt64(truncatingIfNeeded: plan.deploy.timestamp)
        if running.instance.exports[function: "init"] != nil, try call("init", plan.deploy.args, restore: true) == nil {
            spare = running
            return TargetRun(deployReverted: true, deployObservations: [], steps: [])
        }
        var run = TargetRun(deployReverted: false, deployObservations: try observe(), steps: [])
        for step in plan.steps {
            host.caller = UInt64(truncatingIfNeeded: step.sender)
            host.timestamp = UInt64(truncatingIfNeeded: step.timestamp)
            let out = try call(step.function, step.args, restore: true)
            run.steps.append(TargetRun.StepResult(reverted: out == nil, returned: out.map { $0.map(WasmConformTarget.result) },
                                                  observations: try observe()))
        }
        spare = running
        return run
    }

    public func stop() {}
}
