import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// `immutable` state: set by the constructor, never written again.
@Suite("Immutable state", .watched)
struct ImmutableStateTests {
    static let vault = """
    model FeeVault {
      arithmetic checked
      immutable fee: uint16
      immutable owner: address
      state collected: uint256
      constructor(f: uint16, o: address) { require f <= 1000  fee = f  owner = o }
      action collect(amount: uint256) { collected = collected + amount * fee / 10000 }
      invariant fee_capped: fee <= 1000
      rule fee_never_changes on any: fee' == fee && owner' == owner
    }
    """

    @Test("the constructor sets it, and what the deployment makes true of it is proved by induction")
    func proved() throws {
        let r = try verifiedByName(Self.vault, ProverOptions(jobs: 1, simulationSeconds: 0))
        #expect(r["fee_capped"]?.status == .proved)
        #expect(r["fee_capped"]?.method.hasPrefix("induction") == true)
        #expect(r["fee_never_changes"]?.status == .proved)
    }

    @Test("an assignment outside the constructor is an error at its line and column")
    func refused() throws {
        func diagnostics(_ text: String) -> String {
            do { _ = try SpecLoader.parse(text: text, path: "i.tspec"); return "" } catch { return "\(error)" }
        }
        let inAction = Self.vault.replacingOccurrences(of: "collected = collected + amount * fee / 10000",
                                                        with: "collected = collected + amount * fee / 10000  fee = 0")
        let error = diagnostics(inAction)
        #expect(error.contains("i.tspec:7:") && error.contains("cannot assign to 'fee': it is immutable, and only the constructor sets it"), "\(error)")
        let inFunction = """
        model M {
          immutable x: uint8
          function reset() { x = 0 }
          action a() { reset() }
        }
        """
        #expect(diagnostics(inFunction).contains("i.tspec:3:22: error: cannot assign to 'x': it is immutable"), "\(diagnostics(inFunction))")
        #expect(diagnostics("model M {\n  immutable: uint8\n}\n").contains("i.tspec:2:"))
    }
}
