import Foundation
import TitanTestSupport
import Testing

/// `titan fuzz --backend-lib`: the C reference backend (backends/reference/titan_reference.c),
/// built here with cc, fuzzed through a child host process; planted bugs are found and shrunk,
/// and a library that crashes or hangs ends the run with exit 2, never the fuzzer.
@Suite("Native backends: titan fuzz --backend-lib", .watched)
struct NativeBackendTests {
    static let source = packageRoot.appendingPathComponent("backends/reference/titan_reference.c").path

    /// Builds the reference with `macros` defined (e.g. "PLANT_HANG") into `dir`.
    static func build(_ macros: [String], in dir: URL, extraFlags: [String] = []) throws -> String {
        let name = (["libtitan"] + macros.map { $0.lowercased() }).joined(separator: "_") + ".so"
        let out = dir.appendingPathComponent(name).path
        let cc = try #require(which("cc"), "a C compiler (cc) on PATH")
        let r = try run(cc, ["-shared", "-fPIC", "-O2"] + extraFlags + macros.map { "-D" + $0 } + ["-o", out, source])
        try #require(r.status == 0, "cc failed: \(r.stderr)")
        return out
    }

    static let backend = FuzzedBackend(label: "lib", option: "--backend-lib") { macros, dir in try build(macros, in: dir) }

    static func fuzz(_ library: String, _ arguments: [String]) throws -> ProcessResult { try backend.fuzz(library, arguments) }

    /// The number N in "(N operations after shrinking)".
    static func shrunkLength(_ stdout: String) -> Int? {
        guard let r = stdout.range(of: #"\((\d+) operations? after shrinking\)"#, options: .regularExpression) else { return nil }
        return Int(stdout[r].dropFirst().prefix { $0.isNumber })
    }

    @Test("the C reference backend agrees with the reference model")
    func referenceIsClean() throws {
        try Self.backend.referenceIsClean(sequences: 400)
    }

    struct PlantedBug: Sendable, CustomTestStringConvertible {
        var macro: String
        /// The shrunk trace's length, and a call it must contain.
        var length: Int
        var mustContain: String
        var testDescription: String { macro }
    }

    static let plantedBugs = [
        PlantedBug(macro: "PLANT_TRANSFER_SELF", length: 3, mustContain: "transfer("),
        PlantedBug(macro: "PLANT_DELETE_KEEPS", length: 3, mustContain: "storage_delete("),
        PlantedBug(macro: "PLANT_SHORT_BUFFER", length: 2, mustContain: "storage_read("),
        PlantedBug(macro: "PLANT_SUPPLY_WRAPS", length: 2, mustContain: "mint("),
    ]

    @Test("each planted bug is found (exit 1) and shrunk to its minimal trace", arguments: plantedBugs)
    func plantedBugIsFound(_ bug: PlantedBug) throws {
        try Self.backend.findsAndShrinks(bug)
    }

    @Test("a divergence found in a library is written as a corpus file that replays through the library")
    func corpusReplaysThroughLibrary() throws {
        try Self.backend.corpusReplays()
    }

    @Test("a library that dereferences NULL: exit 2 with the sequence so far; titan itself survives")
    func crashingLibrary() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.fuzz(try Self.build(["PLANT_CRASH_NULL"], in: dir), ["--max-sequences", "200", "--no-corpus"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("backend failed"))
        #expect(r.stderr.contains("SIGSEGV"), "\(r.stderr)")
        #expect(r.stderr.contains("sequence so far"))
        #expect(r.stderr.contains("storage_read("))
    }

    @Test("a library that never returns: exit 2 after the per-operation timeout, and the host is killed")
    func hangingLibrary() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = try Self.build(["PLANT_HANG"], in: dir)
        let start = Date()
        let r = try Self.fuzz(library, ["--max-sequences", "200", "--timeout", "1", "--no-corpus"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("hung"), "\(r.stderr)")
        #expect(r.stderr.contains("sequence so far"))
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(Self.processes(mentioning: library).isEmpty, "a host process is still running")
    }

    /// Live processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid -> String? in
            guard Int(pid) != nil, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].split(separator: " ").first != "Z" else { return nil }
            let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmdline.contains(text) ? cmdline : nil
        }
    }

    @Test("a library without the ledger entry points is fuzzed on storage only, and its storage bugs are still found")
    func storageOnlyLibrary() throws {
        try Self.backend.storageOnly()
    }

    @Test("a file that is not a titan.h library, or no file: exit 2 saying why")
    func notALibrary() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.c")
        try "int unrelated(void) { return 0; }\n".write(to: empty, atomically: true, encoding: .utf8)
        let library = dir.appendingPathComponent("libempty.so").path
        #expect(try run(try #require(which("cc")), ["-shared", "-fPIC", "-o", library, empty.path]).status == 0)
        let r = try Self.fuzz(library, ["--max-sequences", "5", "--no-corpus"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("does not export titan_storage_read"), "\(r.stderr)")
        let missing = try Self.fuzz(dir.appendingPathComponent("nothing.so").path, ["--max-sequences", "5", "--no-corpus"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot load"), "\(missing.stderr)")
    }

    @Test("the reference needs no libc: it links with -nostdlib and imports nothing")
    func referenceWithoutLibc() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = try Self.build([], in: dir, extraFlags: ["-nostdlib"])
        let nm = try #require(which("nm"))
        let undefined = try run(nm, ["-D", "--undefined-only", library])
        #expect(undefined.status == 0)
        #expect(undefined.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(undefined.stdout)")
        let includes = try String(contentsOfFile: Self.source, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("#include") }
        #expect(includes == [#"#include "../titan.h""#])
    }

    /// The clang next to the Swift compiler, which has the wasm32 target.
    static var toolchainClang: String? {
        guard let swift = which("swift") else { return nil }
        let resolved = URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("clang").path
        return FileManager.default.isExecutableFile(atPath: resolved) ? resolved : nil
    }

    @Test("the same source builds to a wasm32 module that imports nothing and exports the ABI",
          .enabled(if: toolchainClang != nil, "the Swift toolchain's clang"))
    func referenceBuildsToWasm() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("titan_reference.wasm").path
        let r = try run(try #require(Self.toolchainClang),
                        ["--target=wasm32", "-nostdlib", "-Wl,--no-entry", "-Wl,--export-all", "-o", out, Self.source])
        try #require(r.status == 0, "\(r.stderr)")
        let sections = try WasmSections(Array(try Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(sections.imports.isEmpty, "\(sections.imports)")
        for name in ["titan_storage_read", "titan_storage_write", "titan_storage_delete", "titan_test_reset", "titan_test_mint",
                     "titan_test_transfer", "titan_test_balance", "titan_test_total_supply", "titan_test_alloc", "titan_test_free_all"] {
            #expect(sections.exports.contains(name), "\(name)")
        }
    }
}

/// The import and export names of a WebAssembly module (binary format, sections 2 and 7).
struct WasmSections {
    var imports: [String] = []
    var exports: [String] = []

    struct Malformed: Error {}

    init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 8, bytes[0..<4] == [0, 0x61, 0x73, 0x6d] else { throw Malformed() }
        var i = 8
        func leb() throws -> Int {
            var result = 0, shift = 0
            while true {
                guard i < bytes.count else { throw Malformed() }
                let b = bytes[i]; i += 1
                result |= Int(b & 0x7f) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func name() throws -> String {
            let n = try leb()
            guard i + n <= bytes.count else { throw Malformed() }
            defer { i += n }
            return String(decoding: bytes[i..<i + n], as: UTF8.self)
        }
        while i < bytes.count {
            let id = bytes[i]; i += 1
            let size = try leb()
            let end = i + size
            if id == 2 {
                for _ in 0..<(try leb()) {
                    imports.append(try name() + "." + name())
                    i = end   // the names are what matters; one import is already a failure
                    break
                }
            } else if id == 7 {
                for _ in 0..<(try leb()) {
                    exports.append(try name())
                    i += 1      // kind
                    _ = try leb() // index
                }
            }
            i = end
        }
    }
}
