import Foundation
import TitanTestSupport
import Testing
import TitanBackends
import TitanUInt256
import TitanWasm

/// `titan fuzz --backend-wasm`: the C reference backend built to wasm32 with the Swift
/// toolchain's clang and run in process by WasmKit. Planted bugs are found and shrunk; a module
/// that traps, loops or grows its memory without bound ends the run with exit 2, never titan.
@Suite("WebAssembly backends: titan fuzz --backend-wasm", .watched, .enabled(if: NativeBackendTests.toolchainClang != nil, "the Swift toolchain's clang"))
struct WasmBackendTests {
    /// Builds the reference to wasm32 with `macros` defined, into `dir`. -O2 as the native
    /// builds use: the interpreter then runs about four times fewer instructions per call.
    static func build(_ macros: [String], in dir: URL) throws -> String {
        let name = (["titan"] + macros.map { $0.lowercased() }).joined(separator: "_") + ".wasm"
        let out = dir.appendingPathComponent(name).path
        let clang = try #require(NativeBackendTests.toolchainClang)
        let r = try run(clang, ["--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,--export-all"]
                        + macros.map { "-D" + $0 } + ["-o", out, NativeBackendTests.source])
        try #require(r.status == 0, "clang failed: \(r.stderr)")
        return out
    }

    static let backend = FuzzedBackend(label: "wasm", option: "--backend-wasm") { macros, dir in try build(macros, in: dir) }

    static func fuzz(_ module: String, _ arguments: [String]) throws -> ProcessResult { try backend.fuzz(module, arguments) }

    /// Writes a text module into `dir`.
    static func wat(_ text: String, named name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("the C reference backend, built to wasm32, agrees with the reference model")
    func referenceIsClean() throws {
        try Self.backend.referenceIsClean(sequences: 300)
    }

    @Test("in process: the reference module's ledger and storage answer through linear memory")
    func referenceInProcess() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let module = try WasmBackend(path: try Self.build([], in: dir))
        #expect(module.supportsLedger && module.supportsStorage)
        let a = Address(index: 1), b = Address(index: 2)
        let results = try module.performAll([
            .mint(to: a, amount: UInt256(5)), .transfer(from: a, to: b, amount: UInt256(2)), .transfer(from: b, to: a, amount: UInt256(3)),
            .balance(a), .balance(b), .totalSupply,
            .storageWrite(key: [1, 2], value: [9, 8, 7]), .storageRead(key: [1, 2], bufLen: 2), .storageRead(key: [1, 2], bufLen: 1 << 40),
            .storageDelete(key: [1, 2]), .storageDelete(key: [1, 2]),
        ])
        #expect(results == [
            OpResult(ret: 0), OpResult(ret: 0), OpResult(ret: 1),
            OpResult(ret: 0, amount: UInt256(3)), OpResult(ret: 0, amount: UInt256(2)), OpResult(ret: 0, amount: UInt256(5)),
            OpResult(ret: 0), OpResult(ret: -2, outLen: 3), OpResult(ret: 0, value: [9, 8, 7], outLen: 3),
            OpResult(ret: 0), OpResult(ret: -1),
        ])
        // Each call starts from a reset.
        #expect(try module.performAll([.totalSupply, .storageRead(key: [1, 2], bufLen: 8)]) == [OpResult(ret: 0, amount: UInt256(0)), OpResult(ret: -1)])
    }

    @Test("each planted bug is found (exit 1) and shrunk to its minimal trace", arguments: NativeBackendTests.plantedBugs)
    func plantedBugIsFound(_ bug: NativeBackendTests.PlantedBug) throws {
        try Self.backend.findsAndShrinks(bug)
    }

    @Test("a divergence found in a module is written as a corpus file that replays through the module")
    func corpusReplaysThroughModule() throws {
        try Self.backend.corpusReplays()
    }

    @Test("a module that never returns (PLANT_HANG) runs out of fuel: exit 2 with the sequence so far")
    func hangingModule() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = Date()
        let r = try Self.fuzz(try Self.build(["PLANT_HANG"], in: dir), ["--max-sequences", "200", "--wasm-fuel", "1000000", "--no-corpus"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("titan_storage_read ran out of fuel"), "\(r.stderr)")
        #expect(r.stderr.contains("hung"))
        #expect(r.stderr.contains("sequence so far"))
        #expect(r.stderr.contains("storage_write("))
        #expect(Date().timeIntervalSince(start) < 30)
    }

    /// Address 0 is ordinary linear memory in wasm32, so the NULL dereference itself cannot trap.
    /// At -O2 clang takes the dereference before the check as proof that the entry exists and
    /// drops the loop's bound: a read of an absent key scans past the table to the end of memory.
    @Test("a module whose read runs off its memory (PLANT_CRASH_NULL at -O2) traps: exit 2 with the sequence so far; titan survives")
    func trappingModule() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.fuzz(try Self.build(["PLANT_CRASH_NULL"], in: dir), ["--max-sequences", "200", "--no-corpus"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("error: backend failed: wasm module trapped in titan_storage_read: Trap: out of bounds memory access"), "\(r.stderr)")
        #expect(r.stderr.contains("sequence so far:\n  1. reset()"))
        #expect(r.stderr.split(separator: "\n").last?.contains("storage_read(") == true, "\(r.stderr)")
    }

    @Test("a module without the ledger entry points is fuzzed on storage only, and its storage bugs are still found")
    func storageOnlyModule() throws {
        try Self.backend.storageOnly()
    }

    // MARK: hand-written text modules

    /// A storage-only titan.h backend in WebAssembly text: a bump arena for arguments at 8..131072
    /// (titan asks for up to 64 KiB of read buffer) and up to 512 entries of 328 bytes (key
    /// length, value length, key, value) from 131072.
    static let storageWat = """
    (module
      (memory (export "memory") 8)
      (global $used (mut i32) (i32.const 0))
      (global $count (mut i32) (i32.const 0))
      (func (export "titan_test_alloc") (param $n i32) (result i32)
        (local $start i32)
        (local.set $start (i32.and (i32.add (global.get $used) (i32.const 7)) (i32.const -8)))
        (if (i32.gt_u (local.get $n) (i32.sub (i32.const 131064) (local.get $start))) (then (return (i32.const 0))))
        (global.set $used (i32.add (local.get $start) (local.get $n)))
        (i32.add (local.get $start) (i32.const 8)))
      (func (export "titan_test_free_all") (global.set $used (i32.const 0)))
      (func (export "titan_test_reset") (global.set $count (i32.const 0)) (global.set $used (i32.const 0)))
      (func $entry (param $i i32) (result i32) (i32.add (i32.const 131072) (i32.mul (local.get $i) (i32.const 328))))
      (func $equal (param $a i32) (param $b i32) (param $n i32) (result i32)
        (block $differ
          (loop $next
            (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
            (br_if $differ (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (i32.const 0))
      (func $find (param $key i32) (param $len i32) (result i32)
        (local $i i32) (local $e i32)
        ;;FIND
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (global.get $count)))
            (local.set $e (call $entry (local.get $i)))
            (if (i32.eq (i32.load (local.get $e)) (local.get $len))
              (then (if (call $equal (i32.add (local.get $e) (i32.const 8)) (local.get $key) (local.get $len))
                (then (return (local.get $e))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (i32.const 0))
      (func (export "titan_storage_write") (param $key i32) (param $klen i32) (param $val i32) (param $vlen i32) (result i32)
        (local $e i32)
        ;;WRITE
        (if (i32.or (i32.gt_u (local.get $klen) (i32.const 64)) (i32.gt_u (local.get $vlen) (i32.const 256))) (then (return (i32.const 2))))
        (local.set $e (call $find (local.get $key) (local.get $klen)))
        (if (i32.eqz (local.get $e)) (then
          (if (i32.eq (global.get $count) (i32.const 512)) (then (return (i32.const 3))))
          (local.set $e (call $entry (global.get $count)))
          (global.set $count (i32.add (global.get $count) (i32.const 1)))
          (i32.store (local.get $e) (local.get $klen))
          (memory.copy (i32.add (local.get $e) (i32.const 8)) (local.get $key) (local.get $klen))))
        (i32.store offset=4 (local.get $e) (local.get $vlen))
        (memory.copy (i32.add (local.get $e) (i32.const 72)) (local.get $val) (local.get $vlen))
        (i32.const 0))
      (func (export "titan_storage_read") (param $key i32) (param $klen i32) (param $buf i32) (param $blen i32) (param $out i32) (result i32)
        (local $e i32) (local $vlen i32)
        ;;READ
        (local.set $e (call $find (local.get $key) (local.get $klen)))
        (if (i32.eqz (local.get $e)) (then (return (i32.const -1))))
        (local.set $vlen (i32.load offset=4 (local.get $e)))
        (i32.store (local.get $out) (local.get $vlen))
        (if (i32.gt_u (local.get $vlen) (local.get $blen)) (then (return (i32.const -2))))
        (memory.copy (local.get $buf) (i32.add (local.get $e) (i32.const 72)) (local.get $vlen))
        (i32.const 0))
      (func (export "titan_storage_delete") (param $key i32) (param $klen i32) (result i32)
        (local $e i32)
        ;;DELETE
        (local.set $e (call $find (local.get $key) (local.get $klen)))
        (if (i32.eqz (local.get $e)) (then (return (i32.const -1))))
        (global.set $count (i32.sub (global.get $count) (i32.const 1)))
        (memory.copy (local.get $e) (call $entry (global.get $count)) (i32.const 328))
        (i32.const 0))
    )
    """

    /// The storage module with `code` put at the start of one entry point (a marker comment).
    static func storageWat(inserting code: String, at marker: String) -> String {
        precondition(storageWat.contains(";;\(marker)"))
        return storageWat.replacingOccurrences(of: ";;\(marker)", with: code)
    }

    @Test("a hand-written .wat module is accepted and fuzzed clean on storage only")
    func handWrittenWat() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.fuzz(try Self.wat(Self.storageWat, named: "storage.wat", in: dir), ["--max-sequences", "300", "--no-corpus"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("storage only"))
        #expect(r.stdout.contains("no divergence"))
        // The same text with a read that answers -2 for a buffer of exactly the value's length.
        let planted = Self.storageWat.replacingOccurrences(of: "(i32.gt_u (local.get $vlen) (local.get $blen))", with: "(i32.ge_u (local.get $vlen) (local.get $blen))")
        #expect(planted != Self.storageWat)
        let p = try Self.fuzz(try Self.wat(planted, named: "short.wat", in: dir), ["--max-sequences", "2000", "--no-corpus"])
        #expect(p.status == 1, "\(p.stdout)\(p.stderr)")
        #expect(NativeBackendTests.shrunkLength(p.stdout) == 2, "\(p.stdout)")
    }

    struct Failing: Sendable, CustomTestStringConvertible {
        var name: String
        var code: String
        var marker: String
        /// What stderr must say.
        var message: String
        var testDescription: String { name }
    }

    static let failing = [
        Failing(name: "unreachable", code: "unreachable", marker: "DELETE", message: "trapped in titan_storage_delete: Trap: unreachable"),
        Failing(name: "out-of-bounds load", code: "(drop (i32.load (i32.const 0x7ffffff0)))", marker: "READ",
                message: "trapped in titan_storage_read: Trap: out of bounds memory access"),
        Failing(name: "infinite loop", code: "(loop $forever (br $forever))", marker: "WRITE", message: "titan_storage_write ran out of fuel"),
        Failing(name: "memory growth past the limit", code: "(drop (memory.grow (i32.const 5000)))", marker: "WRITE",
                message: "past the limit of 268435456 bytes (out of memory)"),
        Failing(name: "deep recursion", code: "(drop (call $find (local.get $key) (local.get $len)))", marker: "FIND", message: "call stack exhausted"),
    ]

    @Test("a module that traps, loops, runs out of memory or of stack: exit 2 with the sequence so far", arguments: failing)
    func failingModule(_ f: Failing) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = Self.storageWat(inserting: f.code, at: f.marker)
        let start = Date()
        let r = try Self.fuzz(try Self.wat(text, named: "failing.wat", in: dir), ["--max-sequences", "200", "--wasm-fuel", "1000000", "--no-corpus"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("error: backend failed: "), "\(r.stderr)")
        #expect(r.stderr.contains(f.message), "\(r.stderr)")
        #expect(r.stderr.contains("sequence so far:\n  1. reset()"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test("in process: after a module traps, titan goes on, and a fresh instance of it answers again")
    func trapLeavesTitanRunning() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.wat(Self.storageWat(inserting: "unreachable", at: "DELETE"), named: "trap.wat", in: dir)
        let module = try WasmBackend(path: path)
        #expect(!module.supportsLedger)
        #expect(try module.performAll([.storageWrite(key: [1], value: [2]), .storageRead(key: [1], bufLen: 4)])
                == [OpResult(ret: 0), OpResult(ret: 0, value: [2], outLen: 1)])
        #expect(throws: BackendFailure.self) { try module.performAll([.storageWrite(key: [1], value: [2]), .storageDelete(key: [1])]) }
        do {
            _ = try module.performAll([.storageDelete(key: [7])])
            Issue.record("storage_delete did not trap")
        } catch let e as BackendFailure {
            #expect(e.message.contains("unreachable"))
            #expect(e.message.hasSuffix("1. reset()\n  2. storage_delete(key: 0x07)"), "\(e.message)")
        }
        let again = try WasmBackend(path: path)
        #expect(try again.performAll([.storageRead(key: [], bufLen: 1 << 40)]) == [OpResult(ret: -1)])
    }

    @Test("a file that is not a module, lacks an export or imports something: exit 2 saying why")
    func notAModule() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func refused(_ path: String) throws -> String {
            let r = try Self.fuzz(path, ["--max-sequences", "5", "--no-corpus"])
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            return r.stderr
        }
        let garbage = dir.appendingPathComponent("garbage.wasm")
        try Data("not wasm at all".utf8).write(to: garbage)
        #expect(try refused(garbage.path).contains("is not a valid WebAssembly module"))
        #expect(try refused(try Self.wat("(module (func", named: "broken.wat", in: dir)).contains("is not a valid WebAssembly text module"))
        let noMemory = Self.storageWat.replacingOccurrences(of: #"(memory (export "memory") 8)"#, with: "(memory 4)")
        #expect(try refused(try Self.wat(noMemory, named: "nomemory.wat", in: dir)).contains(#"does not export its linear memory as "memory""#))
        let noAlloc = Self.storageWat.replacingOccurrences(of: #"(export "titan_test_alloc")"#, with: "")
        #expect(try refused(try Self.wat(noAlloc, named: "noalloc.wat", in: dir)).contains("does not export titan_test_alloc"))
        let wrongType = Self.storageWat.replacingOccurrences(of: #"(func (export "titan_test_reset")"#, with: #"(func (export "titan_test_reset") (param i32)"#)
        #expect(try refused(try Self.wat(wrongType, named: "wrongtype.wat", in: dir)).contains("exports titan_test_reset as"))
        let imports = Self.storageWat.replacingOccurrences(of: "(module\n", with: "(module\n  (import \"env\" \"log\" (func (param i32)))\n")
        #expect(try refused(try Self.wat(imports, named: "imports.wat", in: dir)).contains("imports env.log"))
        #expect(try refused(dir.appendingPathComponent("nothing.wasm").path).contains("cannot read"))
    }
}
