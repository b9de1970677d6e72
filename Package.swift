// swift-tools-version:6.1
// Targets depend downward only:
//   TitanIR <- TitanSpec
//   TitanSpec, TitanIR (and Foundation) <- TitanLanguageServer <- titan (CLI)
//   TitanIR <- TitanSemantics <- TitanInterp
//   CZ3 <- TitanSMT
//   TitanUInt256 (no dependencies) <- TitanBackends, TitanLayout
//   TitanProcess (no dependencies: starting child processes) <- TitanBackends, TitanProver, TitanLanguageServer, titan
//   BigInt <- TitanDifferential (the engine titan fuzz and titan conform share) <- TitanFuzz, TitanConform
//   TitanInterp, TitanBackends <- TitanFuzz
//   TitanBackends, TitanConform, WasmKit, WAT (swiftwasm/WasmKit) <- TitanWasm <- titan (CLI)
//   TitanInterp, TitanSMT <- TitanProver <- TitanVerification (the run, its results, certificates) <- TitanReport (renderers)
//   TitanConform, TitanSpec (its lexer, to highlight source), TitanFuzz, TitanMutation <- TitanReport <- titan (CLI)
//   TitanSpec, TitanProver <- TitanMutation <- titan (CLI)
//   TitanInterp, TitanBackends, TOMLKit <- TitanConform <- titan (CLI)
//   TitanLayout (Foundation and TitanUInt256 only) <- titan (CLI)
//   TitanSpec, TitanProver, TitanVerification, TitanReport <- TitanRegistry <- tpm (CLI); TitanRegistry uses GRDB (SQLite),
//     PostgresNIO, Hummingbird, ServiceLifecycle, and swift-nio with NIOSSL (its HTTP client)
//   TitanProver, ArgumentParser <- TitanCommandLine (the options commands that prove share) <- titan, tpm (CLIs)
//   TitanIR, TitanSpec, TitanProver <- TitanTestSupport <- the seven test targets (one per concern; Tests/)
// Docs/architecture.md draws the same graph, and a test holds it to this file.
import PackageDescription

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]
/// Leaf targets build in the Swift 6 language mode: data-race safety checked by the compiler.
let v6: [SwiftSetting] = [.swiftLanguageMode(.v6)]
/// The semantics is generic over its value domain; release builds specialize it across module
/// boundaries so the interpreter runs without generic dispatch. Runtime exclusivity checks are
/// off in release for these targets: the interpreter's maps are updated in place, and the
/// static checks (and every debug build, where tests run) still enforce exclusive access.
let hot: [SwiftSetting] = v5 + [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "TitanVerify",
    products: [
        .executable(name: "titan", targets: ["titan"]),
        .executable(name: "tpm", targets: ["tpm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt", exact: "6.0.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        // SHA-256 for spec content hashes and query hashes in proof certificates: a vetted implementation.
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        // The registry: its SQLite store, its HTTP service, and package manifests.
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        // No traits: the registry reads no swift-configuration (not built at all then) and decodes no
        // URL-encoded forms. With two traits on, each time SwiftPM plans the build it may pass their -D
        // flags in the other order, and then it compiles the whole package again.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        // The registry's PostgreSQL store (`tpm serve --database postgresql://...`); it shares
        // swift-nio, swift-log, swift-metrics and swift-service-lifecycle with Hummingbird.
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        // `tpm --registry http(s)://...`: the HTTP client, on the swift-nio and swift-nio-ssl that
        // Hummingbird and postgres-nio already build (URLSession spins a core while it waits on Linux).
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        // `tpm serve` runs its HTTP server and its store's pool as services of one group (Hummingbird uses it too).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        // `titan fuzz --backend-wasm`: a WebAssembly interpreter with fuel metering, run in process.
        // Only its WasmKit and WAT products are used (no WASI, CLI or component model).
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2"),
    ],
    targets: [
        // The typed IR: sorts, expressions, statements, models, properties. No I/O.
        .target(name: "TitanIR", dependencies: [.product(name: "BigInt", package: "BigInt")], swiftSettings: v6),
        // The spec language: lexer, parser, type checker, diagnostics. Text -> IR.
        .target(name: "TitanSpec", dependencies: ["TitanIR", .product(name: "BigInt", package: "BigInt"), .product(name: "Crypto", package: "swift-crypto")], swiftSettings: v6),
        // The one definition of what IR means, generic over a value domain.
        .target(name: "TitanSemantics", dependencies: ["TitanIR", .product(name: "BigInt", package: "BigInt")], swiftSettings: hot),
        // Concrete reading of the semantics: simulate, replay.
        .target(name: "TitanInterp", dependencies: ["TitanIR", "TitanSemantics", .product(name: "BigInt", package: "BigInt")], swiftSettings: hot),
        // Z3 through its C API: Z3 5.4.1 as `scripts/setup` installs it (pkg-config `titan-z3`, its
        // library directory known to the dynamic loader), else Debian's libz3-dev. No flags of our own.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", pkgConfig: "titan-z3", providers: [.apt(["libz3-dev"])]),
        .target(name: "TitanSMT", dependencies: ["CZ3", .product(name: "BigInt", package: "BigInt")], swiftSettings: v6),
        // Symbolic reading of the semantics: induction, BMC, rules, counterexamples.
        .target(name: "TitanProver", dependencies: [
            "TitanIR", "TitanSemantics", "TitanInterp", "TitanSMT", "TitanProcess", .product(name: "BigInt", package: "BigInt"), .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: v5),
        // Titan's one way of starting a child process (posix_spawn; its own process group or titan's).
        .target(name: "TitanProcess", swiftSettings: v5),
        // Fixed-width 256-bit unsigned words: EVM words, titan.h amounts, storage slot numbers.
        .target(name: "TitanUInt256", swiftSettings: v6),
        // Chain backends on their native state models, and the external-process backend.
        .target(name: "TitanBackends", dependencies: ["TitanUInt256", "TitanProcess"], swiftSettings: v5),
        // A WebAssembly module exporting titan.h, run in process by WasmKit with a fuel budget per
        // call. A target of its own so that WasmKit is linked only where it is used (titan, tests).
        .target(name: "TitanWasm", dependencies: [
            "TitanBackends", "TitanUInt256", "TitanConform", .product(name: "BigInt", package: "BigInt"),
            .product(name: "WasmKit", package: "WasmKit"), .product(name: "WAT", package: "WasmKit"),
            .product(name: "WasmParser", package: "WasmKit"),
        ], swiftSettings: v5),
        // The differential engine: sequences (fresh or built on a coverage corpus), comparison through a
        // subject's mapping, known divergences, shrinking. Knows nothing of chains or models.
        .target(name: "TitanDifferential", dependencies: [.product(name: "BigInt", package: "BigInt")], swiftSettings: hot),
        // Differential fuzzing of the backends against the interpreter: the kernel interface as a subject
        // of the engine (its generator, its reference, its simplifications), and corpus files.
        .target(name: "TitanFuzz", dependencies: ["TitanIR", "TitanSemantics", "TitanInterp", "TitanBackends", "TitanUInt256", "TitanDifferential", .product(name: "BigInt", package: "BigInt")], swiftSettings: hot),
        // Conformance of an implementation (Vyper on titanoboa, WebAssembly, any process) to its model:
        // the same sequences on both, compared after every step. TOMLKit reads mapping files.
        .target(name: "TitanConform", dependencies: [
            "TitanIR", "TitanInterp", "TitanBackends", "TitanDifferential", .product(name: "BigInt", package: "BigInt"), .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: v5),
        // Mutation testing of specs: mutants from the parser's mutation sites, verified by the prover.
        .target(name: "TitanMutation", dependencies: ["TitanIR", "TitanSpec", "TitanProver", "TitanInterp"], swiftSettings: v5),
        // Helper invariants for true invariants that are not inductive: mined candidates, kept by Houdini.
        .target(name: "TitanSuggest", dependencies: ["TitanIR", "TitanSpec", "TitanProver"], swiftSettings: v5),
        // One `titan verify` run, its results (`Report`, merged across shards) and proof certificates,
        // and the atomic writing of report directories and certificate files.
        .target(name: "TitanVerification", dependencies: ["TitanIR", "TitanProver"], swiftSettings: v5),
        // Renderers only: text, HTML, JUnit, SARIF and CI summaries of a run, and the fuzz and mutation pages.
        .target(name: "TitanReport", dependencies: [
            "TitanIR", "TitanProver", "TitanVerification", "TitanConform", "TitanSpec", "TitanFuzz", "TitanMutation",
        ], swiftSettings: v5),
        // Storage-layout compatibility of upgradeable contracts (solc storageLayout JSON).
        .target(name: "TitanLayout", dependencies: ["TitanUInt256"], swiftSettings: v6),
        // `titan lsp`: a Language Server Protocol server over stdio on the same parser and checker as `titan verify`.
        .target(name: "TitanLanguageServer", dependencies: ["TitanSpec", "TitanIR", "TitanProcess"], swiftSettings: v5),
        // The command-line options every command that proves shares (`titan` and `tpm`), as @OptionGroups.
        .target(name: "TitanCommandLine", dependencies: [
            "TitanProver", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: v5),
        .executableTarget(name: "titan", dependencies: [
            "TitanIR", "TitanSpec", "TitanProver", "TitanVerification", "TitanReport", "TitanFuzz", "TitanLayout", "TitanMutation", "TitanWasm", "TitanConform",
            "TitanLanguageServer", "TitanSuggest", "TitanBackends", "TitanCommandLine", "TitanProcess",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: v5),
        // Package manifests, bundles, signatures, the registry store, the proof re-checking gate, the HTTP service.
        .target(name: "TitanRegistry", dependencies: [
            "TitanIR", "TitanSpec", "TitanProver", "TitanVerification", "TitanReport",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: v5),
        .executableTarget(name: "tpm", dependencies: [
            "TitanRegistry", "TitanProver", "TitanCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: v5),
        // Benchmark table: reference, backends, external process, campaign, prover, registry (`swift run -c release titan-bench`).
        .executableTarget(name: "titan-bench", dependencies: ["TitanSpec", "TitanFuzz", "TitanBackends", "TitanProver", "TitanRegistry"], path: "Sources/TitanBench", swiftSettings: v5),
        // Tests, one target per concern over a small support library (paths, child processes, the
        // watchdog trait, spec helpers). Suites that run `titan` or `tpm` declare them, so that
        // building a suite builds the executables it runs.
        .target(name: "TitanTestSupport", dependencies: ["TitanIR", "TitanSpec", "TitanProver"], path: "Tests/TitanTestSupport", swiftSettings: v5),
        .testTarget(name: "TitanLanguageTests", dependencies: [
            "TitanTestSupport", "TitanIR", "TitanSpec", "TitanSemantics", "TitanInterp", "TitanSMT", "TitanProver", "TitanVerification", "TitanReport",
            "TitanLanguageServer", "titan", .product(name: "BigInt", package: "BigInt"),
        ], swiftSettings: v5),
        .testTarget(name: "TitanSemanticsTests", dependencies: [
            "TitanTestSupport", "TitanIR", "TitanSpec", "TitanSemantics", "TitanInterp", "TitanSMT", "TitanProver", "TitanSuggest",
            .product(name: "BigInt", package: "BigInt"), .product(name: "PropertyBased", package: "swift-property-based"),
        ], swiftSettings: v5),
        .testTarget(name: "TitanProverTests", dependencies: [
            "TitanTestSupport", "TitanIR", "TitanSpec", "TitanInterp", "TitanSMT", "TitanProver", "TitanVerification", "TitanReport", "TitanMutation", "titan",
        ], swiftSettings: v5),
        .testTarget(name: "TitanBackendTests", dependencies: [
            "TitanTestSupport", "TitanSpec", "TitanInterp", "TitanUInt256", "TitanBackends", "TitanDifferential", "TitanFuzz", "TitanWasm", "TitanProcess", "titan",
            .product(name: "BigInt", package: "BigInt"),
        ], swiftSettings: v5),
        .testTarget(name: "TitanLayoutTests", dependencies: ["TitanTestSupport", "TitanLayout", "titan"], exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "TitanRegistryTests", dependencies: [
            "TitanTestSupport", "TitanInterp", "TitanBackends", "TitanFuzz", "TitanRegistry", "TitanProcess", "tpm", "titan",
            .product(name: "BigInt", package: "BigInt"),
        ], swiftSettings: v5),
        .testTarget(name: "TitanCommandLineTests", dependencies: ["TitanTestSupport", "TitanIR", "TitanSpec", "TitanProver", "titan"], swiftSettings: v5),
    ]
)
