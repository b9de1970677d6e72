import ArgumentParser
import Foundation
import TitanProver

/// The bound of the bounded search, as every command that proves reads it (`titan verify`,
/// `titan mutate`, and tpm's re-checking of proofs).
public struct BoundOptions: ParsableArguments {
    @Option(help: "Maximum number of actions in a bounded model-checking trace (1 to 64).")
    public var depth: Int = 4

    public init() {}

    public func validate() throws {
        guard depth >= 1 && depth <= 64 else { throw ValidationError("--depth must be between 1 and 64") }
    }
}

/// The proof cache, as every command that proves reads and writes it.
public struct ProofCacheOptions: ParsableArguments {
    @Option(help: "Directory of the proof cache (default: $XDG_CACHE_HOME/titan/proofs or ~/.cache/titan/proofs). A query already answered, with the same text, solver and options, is not solved again.")
    public var cacheDir: String?

    @Flag(help: "Solve every query, neither reading nor writing the proof cache.")
    public var noCache = false

    public init() {}

    public func validate() throws {
        if noCache && cacheDir != nil { throw ValidationError("--no-cache and --cache-dir cannot be combined") }
    }

    /// The cache these options name; nil with --no-cache.
    public var cache: ProofCache? {
        noCache ? nil : ProofCache(directory: cacheDir.map { URL(fileURLWithPath: $0) } ?? ProofCache.defaultDirectory)
    }
}
