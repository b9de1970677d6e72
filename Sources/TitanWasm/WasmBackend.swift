import Foundation
import TitanBackends
import TitanUInt256
import WAT
// The store's resource limiter (how much linear memory a module may grow to) is SPI in 0.4.2.
@_spi(Fuzzing) import WasmKit

/// A WebAssembly module exporting the titan.h ABI (backends/titan.h) and its `memory`, run in
/// this process by WasmKit's interpreter. Arguments are placed in the module's linear memory
/// through its `titan_test_alloc` and released with `titan_test_free_all` after each call;
/// results are read back from that memory.
///
/// A module cannot crash titan: every call runs on a fuel budget (an infinite loop ends as an
/// out-of-fuel trap), memory growth past `memoryLimitBytes` is refused, and WasmKit bounds-checks
/// every access. A trap of any kind is a `BackendFailure`, reported with the sequence so far.
public final class WasmBackend: ChainBackend {
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Fuel per call (about one unit per executed operator): far above what a titan.h call needs
    /// (the C reference's use a few thousand), low enough that an infinite loop ends in a fraction
    /// of a second in a release build (about 2 s in a debug build).
    public static let defaultFuel: UInt64 = 10_000_000
    /// The most linear memory a module may have; growing past it is a backend failure.
    public static let memoryLimitBytes = 256 << 20
    /// The most memory allocated for a read buffer. A larger `buf_len` is passed on (clamped to
    /// 2^32 - 1, as size_t is 32 bits) over this much: a correct module writes only the value.
    public static let readBufferBytes = 64 << 10

    /// The ABI as wasm32 clang compiles backends/titan.h: pointers and size_t are i32.
    static let required: [(String, FunctionType)] = [
        ("titan_storage_read", FunctionType(parameters: [.i32, .i32, .i32, .i32, .i32], results: [.i32])),
        ("titan_storage_write", FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [.i32])),
        ("titan_storage_delete", FunctionType(parameters: [.i32, .i32], results: [.i32])),
        ("titan_test_reset", FunctionType(parameters: [])),
        ("titan_test_alloc", FunctionType(parameters: [.i32], results: [.i32])),
        ("titan_test_free_all", FunctionType(parameters: [])),
    ]
    static let ledger: [(String, FunctionType)] = [
        ("titan_test_mint", FunctionType(parameters: [.i32, .i32], results: [.i32])),
        ("titan_test_transfer", FunctionType(parameters: [.i32, .i32, .i32], results: [.i32])),
        ("titan_test_balance", FunctionType(parameters: [.i32, .i32])),
        ("titan_test_total_supply", FunctionType(parameters: [.i32])),
    ]

    public let name: String
    public let summary: String
    public let path: String
    public let supportsLedger: Bool
    public var knownDivergences: [KnownDivergence] { [] }
    /// Fuel each call into the module may burn.
    public let fuel: UInt64

    let store: Store
    let memory: Memory
    let read, write, delete, resetFn, alloc, freeAll: Function
    let mint, transfer, balanceFn, totalSupplyFn: Function?
    /// Reused across calls: `Function.invoke(_:)` would allocate a fresh interpreter stack each time.
    var stack: ExecutionStack

    /// Refuses growth past the limit by throwing, so that running out of memory ends the call
    /// as a failure instead of a `memory.grow` of -1 the module might not check.
    final class Limiter: ResourceLimiter, Sendable {
        struct Exceeded: Error, CustomStringConvertible {
            var desired: Int
            var description: String { "the module's memory would grow to \(desired) bytes, past the limit of \(WasmBackend.memoryLimitBytes) bytes (out of memory)" }
        }
        func limitMemoryGrowth(to desired: Int) throws -> Bool {
            if desired > WasmBackend.memoryLimitBytes { throw Exceeded(desired: desired) }
            return true
        }
        func limitTableGrowth(to desired: Int) throws -> Bool { desired <= 1 << 20 }
    }

    /// Loads `path` (`.wat` is text, anything else the binary format), checks its imports and
    /// exports against the ABI and instantiates it (its start function runs on the fuel budget).
    public convenience init(path: String, fuel: UInt64 = WasmBackend.defaultFuel, name: String? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError("cannot read \(path)") }
        var bytes = Array(data)
        if path.hasSuffix(".wat") {
            guard let text = String(data: data, encoding: .utf8) else { throw LoadError("\(path) is not UTF-8 text") }
            do { bytes = try wat2wasm(text) } catch { throw LoadError("\(path) is not a valid WebAssembly text module: \(error)") }
        }
        try self.init(bytes: bytes, path: path, fuel: fuel, name: name)
    }

    public init(bytes: [UInt8], path: String, fuel: UInt64 = WasmBackend.defaultFuel, name: String? = nil) throws {
        self.path = path
        self.fuel = fuel
        let module: Module
        do { module = try parseWasm(bytes: bytes) } catch { throw LoadError("\(path) is not a valid WebAssembly module: \(error)") }
        if let i = module.imports.first {
            throw LoadError("\(path) imports \(i.module).\(i.name); a titan.h module must import nothing (titan provides no host functions)")
        }
        // Eager: a function body that does not validate is found now, not in the middle of a run.
        // Software bounds checks: the mprotect guard installs a SIGSEGV handler in titan's process
        // and masks signals twice per call (rt_sigprocmask); without it a campaign on the C
        // reference runs about 35% more calls/s (Reports/bench/backend-wasm.md).
        let engine = Engine(configuration: EngineConfiguration(compilationMode: .eager, memoryBoundsChecking: .software, fuelMetering: true))
        store = Store(engine: engine)
        store.resourceLimiter = Limiter()
        store.fuel = Fuel(remaining: fuel)
        let instance: Instance
        do { instance = try module.instantiate(store: store) } catch {
            throw LoadError("\(path) could not be instantiated: \(Self.describe(error))")
        }
        guard let memory = instance.exports[memory: "memory"] else {
            throw LoadError("\(path) does not export its linear memory as \"memory\" (see backends/titan.h)")
        }
        guard !memory.type.isMemory64 else { throw LoadError("\(path) has a 64-bit memory; titan.h modules are wasm32") }
        self.memory = memory

        func function(_ entry: (String, FunctionType)) throws -> Function? {
            guard let f = instance.exports[function: entry.0] else { return nil }
            guard f.type == entry.1 else {
                throw LoadError("\(path) exports \(entry.0) as \(f.type), not \(entry.1) (wasm32 titan.h)")
            }
            return f
        }
        let found = try Self.required.map { try function($0) }
        let missing = zip(Self.required, found).filter { $0.1 == nil }.map(\.0.0)
        guard missing.isEmpty else {
            throw LoadError("\(path) does not export \(missing.joined(separator: ", ")) (see backends/titan.h)")
        }
        (read, write, delete, resetFn, alloc, freeAll) = (found[0]!, found[1]!, found[2]!, found[3]!, found[4]!, found[5]!)
        let ledger = try Self.ledger.map { try function($0) }
        supportsLedger = ledger.allSatisfy { $0 != nil }
        (mint, transfer, balanceFn, totalSupplyFn) = supportsLedger ? (ledger[0], ledger[1], ledger[2], ledger[3]) : (nil, nil, nil, nil)
        stack = ExecutionStack(engine: engine)
        self.name = name ?? "wasm:\(path)"
        summary = "WebAssembly module \(path) in WasmKit (titan.h\(supportsLedger ? "" : ", storage only: no ledger entry points"))"
    }

    /// A trap's reason, and the names in its backtrace (WasmKit prints each frame with a host
    /// address, and a frame it could not name: noise in a report).
    static func describe(_ error: Error) -> String {
        if let e = error as? Limiter.Exceeded { return e.description }
        let lines = "\(error)".split(separator: "\n")
        guard let first = lines.first else { return "\(error)" }
        let frames = lines.dropFirst().compactMap { line -> String? in
            guard let close = line.firstIndex(of: ")") else { return nil }
            let name = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            return name.isEmpty || name == "unknown" ? nil : name
        }
        // Unbounded recursion has thousands of frames: the innermost few say enough.
        let shown = frames.prefix(8).joined(separator: " <- ") + (frames.count > 8 ? " <- … (\(frames.count) frames)" : "")
        return String(first) + (frames.isEmpty ? "" : " (wasm backtrace: \(shown))")
    }

    // MARK: calls

    /// Calls `f` on a fresh fuel budget; a trap, running out of fuel or of memory is a failure.
    func call(_ f: Function, _ entry: String, _ arguments: [Value]) throws -> [Value] {
        store.fuel = Fuel(remaining: fuel)
        do {
            return try f.invoke(arguments, on: &stack)
        } catch {
            let why = Self.describe(error)
            if why.contains("out of fuel") {
                throw BackendFailure("wasm module: \(entry) ran out of fuel (\(fuel) units per call; see --wasm-fuel): it never returned (hung)")
            }
            throw BackendFailure("wasm module trapped in \(entry): \(why)")
        }
    }

    func i32(_ values: [Value], _ entry: String) throws -> UInt32 {
        guard values.count == 1, case .i32(let v) = values[0] else { throw BackendFailure("wasm module: \(entry) returned \(values)") }
        return v
    }

    /// Allocates `count` bytes in the module with `titan_test_alloc` and checks that the block
    /// lies in its memory, so that every later access is in bounds.
    func allocate(_ count: Int) throws -> UInt32 {
        let address = try i32(try call(alloc, "titan_test_alloc", [.i32(UInt32(count))]), "titan_test_alloc")
        guard address != 0 else { throw BackendFailure("wasm module: titan_test_alloc(\(count)) returned NULL (out of argument memory)") }
        guard Int(address) + count <= memory.byteCount else {
            throw BackendFailure("wasm module: titan_test_alloc(\(count)) returned \(address), beyond its memory of \(memory.byteCount) bytes")
        }
        return address
    }

    /// Places `bytes` in the module's memory and returns their address.
    func place(_ bytes: [UInt8]) throws -> UInt32 {
        let address = try allocate(bytes.count)
        if !bytes.isEmpty {
            memory.withUnsafeMutableBufferPointer(offset: UInt(address), count: bytes.count) { $0.copyBytes(from: bytes) }
        }
        return address
    }

    /// `count` bytes of the module's memory at `address`; a failure when they are out of bounds
    /// (the module may have shrunk nothing, but it may have been handed back a bad pointer).
    func bytes(at address: UInt32, count: Int) throws -> [UInt8] {
        guard Int(address) + count <= memory.byteCount else { throw BackendFailure("wasm module: result at \(address) lies beyond its memory") }
        return memory.withUnsafeBufferPointer(offset: UInt(address), count: count) { Array($0) }
    }

    /// Runs `body`, which places the call's arguments, then releases them. (After a failure the
    /// run is over, so nothing is released.)
    func withArguments<T>(_ body: () throws -> T) throws -> T {
        let result = try body()
        _ = try call(freeAll, "titan_test_free_all", [])
        return result
    }

    func ret(_ values: [Value], _ entry: String) throws -> Int { Int(Int32(bitPattern: try i32(values, entry))) }

    func noLedger(_ op: String) -> BackendFailure { BackendFailure("\(op) sent to a wasm module without ledger entry points") }

    public func reset() throws {
        _ = try call(resetFn, "titan_test_reset", [])
        _ = try call(freeAll, "titan_test_free_all", [])
    }

    public func storageWrite(key: [UInt8], value: [UInt8]) throws -> Int {
        try withArguments {
            let k = try place(key), v = try place(value)
            return try ret(try call(write, "titan_storage_write", [.i32(k), .i32(UInt32(key.count)), .i32(v), .i32(UInt32(value.count))]), "titan_storage_write")
        }
    }

    public func storageRead(key: [UInt8], bufLen: Int) throws -> StorageReadResult {
        try withArguments {
            let n = max(0, bufLen)
            let k = try place(key)
            let real = min(n, Self.readBufferBytes)
            let buffer = try allocate(real)
            let outLen = try place([0, 0, 0, 0])
            let code = try ret(try call(read, "titan_storage_read",
                                        [.i32(k), .i32(UInt32(key.count)), .i32(buffer), .i32(UInt32(min(n, Int(UInt32.max)))), .i32(outLen)]),
                               "titan_storage_read")
            let length = Int(try bytes(at: outLen, count: 4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            switch code {
            case 0: return .ok(value: try bytes(at: buffer, count: min(length, real)))
            case -1: return .absent
            case -2: return .tooSmall(needed: length)
            default: return .failed(code: code)
            }
        }
    }

    public func storageDelete(key: [UInt8]) throws -> Int {
        try withArguments {
            let k = try place(key)
            return try ret(try call(delete, "titan_storage_delete", [.i32(k), .i32(UInt32(key.count))]), "titan_storage_delete")
        }
    }

    public func mint(to: Address, amount: UInt256) throws -> Int {
        guard let mint else { throw noLedger("mint") }
        return try withArguments {
            let t = try place(to.bytes), a = try place(amount.bigEndianBytes)
            return try ret(try call(mint, "titan_test_mint", [.i32(t), .i32(a)]), "titan_test_mint")
        }
    }

    public func transfer(from: Address, to: Address, amount: UInt256) throws -> Int {
        guard let transfer else { throw noLedger("transfer") }
        return try withArguments {
            let f = try place(from.bytes), t = try place(to.bytes), a = try place(amount.bigEndianBytes)
            return try ret(try call(transfer, "titan_test_transfer", [.i32(f), .i32(t), .i32(a)]), "titan_test_transfer")
        }
    }

    public func balance(of addr: Address) throws -> UInt256 {
        guard let balanceFn else { throw noLedger("balance") }
        return try withArguments {
            let a = try place(addr.bytes), out = try place([UInt8](repeating: 0, count: 32))
            _ = try call(balanceFn, "titan_test_balance", [.i32(a), .i32(out)])
            return UInt256(bigEndian: try bytes(at: out, count: 32))
        }
    }

    public func totalSupply() throws -> UInt256 {
        guard let totalSupplyFn else { throw noLedger("total_supply") }
        return try withArguments {
            let out = try place([UInt8](repeating: 0, count: 32))
            _ = try call(totalSupplyFn, "titan_test_total_supply", [.i32(out)])
            return UInt256(bigEndian: try bytes(at: out, count: 32))
        }
    }

    /// Runs a sequence from a reset; a failure names the calls up to the one that failed, as
    /// an external backend's does.
    public func performAll(_ ops: [TitanCall]) throws -> [OpResult] {
        var done: [TitanCall] = [.reset]
        do {
            try reset()
            var results: [OpResult] = []
            results.reserveCapacity(ops.count)
            for op in ops {
                done.append(op)
                results.append(try perform(op))
            }
            return results
        } catch let f as BackendFailure {
            throw BackendFailure(f.message + "\nsequence so far:\n"
                                 + done.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n"))
        }
    }
}
