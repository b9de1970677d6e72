// swift-tools-version:6.0
// Targets depend downward only:
//   TitanIR <- TitanSpec
//   TitanIR <- TitanSemantics <- TitanInterp
//   CZ3 <- TitanSMT
//   TitanInterp, TitanSMT <- TitanProver <- TitanReport <- titan (CLI)
//   TitanLayout (Foundation only) <- titan (CLI)
import PackageDescription

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "TitanVerify",
    products: [
        .executable(name: "titan", targets: ["titan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt", exact: "6.0.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // The typed IR: sorts, expressions, statements, models, properties. No I/O.
        .target(name: "TitanIR", dependencies: [.product(name: "BigInt", package: "BigInt")], swiftSettings: v5),
        // The spec language: lexer, parser, type checker, diagnostics. Text -> IR.
        .target(name: "TitanSpec", dependencies: ["TitanIR"], swiftSettings: v5),
        // The one definition of what IR means, generic over a value domain.
        .target(name: "TitanSemantics", dependencies: ["TitanIR"], swiftSettings: v5),
        // Concrete reading of the semantics: simulate, replay.
        .target(name: "TitanInterp", dependencies: ["TitanSemantics"], swiftSettings: v5),
        // Z3 through its C API.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", pkgConfig: "z3", providers: [.apt(["libz3-dev"])]),
        .target(name: "TitanSMT", dependencies: ["CZ3", .product(name: "BigInt", package: "BigInt")], swiftSettings: v5),
        // Symbolic reading of the semantics: induction, BMC, rules, counterexamples.
        .target(name: "TitanProver", dependencies: ["TitanSemantics", "TitanInterp", "TitanSMT"], swiftSettings: v5),
        // Result renderers.
        .target(name: "TitanReport", dependencies: ["TitanProver"], swiftSettings: v5),
        // Storage-layout compatibility of upgradeable contracts (solc storageLayout JSON).
        .target(name: "TitanLayout", swiftSettings: v5),
        .executableTarget(name: "titan", dependencies: [
            "TitanSpec", "TitanProver", "TitanReport", "TitanLayout",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: v5),
        .testTarget(name: "TitanTests", dependencies: [
            "TitanSpec", "TitanInterp", "TitanProver", "TitanReport", "TitanLayout",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], exclude: ["Fixtures"], swiftSettings: v5),
    ]
)
