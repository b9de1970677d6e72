/// The chain backends `titan fuzz` runs by default, by name.
public enum BuiltinBackends {
    public static let names = ["evm", "evm-adapted", "solana", "solana-hashmod", "ton", "bitcoin", "wasm-kv"]

    public static func make(_ name: String) -> ChainBackend? {
        switch name {
        case "evm": return EVMBackend()
        case "evm-adapted": return EVMBackend(withPresenceAdapter: true)
        case "solana": return SolanaBackend()
        case "solana-hashmod": return SolanaHashModBackend()
        case "ton": return TONBackend()
        case "bitcoin": return BitcoinBackend()
        case "wasm-kv": return WasmKVBackend()
        default: return nil
        }
    }
}
