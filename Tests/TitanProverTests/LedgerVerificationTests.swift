import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

@Suite("Verifying the ledger and its mutants", .watched)
struct LedgerVerificationTests {
    @Test("every property of the ledger is proved")
    func ledgerIsProved() throws {
        let (file, model) = try loadModel("Specs/kernel/ledger.tspec")
        let results = Prover(model: model, specPath: file.path).verify()
        #expect(results.count == model.properties.count)
        for r in results {
            #expect(r.status == .proved, "\(r.property): \(r.status) \(r.reason ?? "")")
        }
        let supply = try #require(results.first { $0.property == "supply_is_sum" })
        #expect(supply.method.hasPrefix("induction"))
    }

    @Test("the whitepaper's Swift transfer is refuted in two steps: fund the sender, then transfer")
    func swiftExampleTrace() throws {
        let (file, model) = try loadModel("Specs/mutants/ledger_whitepaper_swift_transfer.tspec")
        let r = try #require(Prover(model: model, specPath: file.path).verify().first)
        let cex = try #require(r.counterexample)
        #expect(r.method == "bmc depth 2")
        #expect(cex.steps.map(\.action) == ["mint", "transfer"])
        #expect(cex.steps[0].propertyHolds)
    }

    @Test("a non-inductive invariant that holds within the bound is unknown, never proved")
    func nonInductiveIsUnknown() throws {
        // `counter < 5` is not inductive, and fails only after 5 increments.
        let model = try parseModel("""
        model Counter {
          state counter: uint256
          action inc() { require counter < 100  counter = counter + 1 }
          invariant small: counter < 5
        }
        """)
        // Without the simulation that searches past the bound (which refutes it; see DeepVerdictTests).
        let shallow = Prover(model: model, specPath: "inline", options: ProverOptions(depth: 3, simulationSeconds: 0)).verify()
        #expect(shallow[0].status == .unknown)
        #expect(shallow[0].reason?.contains("not inductive") == true)
        let deep = Prover(model: model, specPath: "inline", options: ProverOptions(depth: 5, simulationSeconds: 0)).verify()
        #expect(deep[0].status == .violated)
        #expect(deep[0].counterexample?.steps.count == 5)
    }

    @Test("a solver timeout is unknown, never proved")
    func timeoutIsUnknown() throws {
        // Factoring a product of two 128-bit primes by multiplication is far beyond a 1 ms budget.
        // (A product without such factors can be refuted in a few ms, so a loaded machine that fires
        // the timer late would see it proved: the product must have a solution the solver cannot find.)
        let model = try parseModel("""
        model Hard {
          state x: uint256
          action set(a: uint256, b: uint256) {
            require a > 1 && b > 1 && a < 340282366920938463463374607431768211456 && b < 340282366920938463463374607431768211456
            require a * b == 115792089237316195423570985008347285176078971176196772053421667218845757300929
            x = 1
          }
          invariant zero: x == 0
        }
        """)
        let r = Prover(model: model, specPath: "inline", options: ProverOptions(depth: 1, timeoutSeconds: 0.001)).verify()
        #expect(r[0].status == .unknown)
        #expect(r[0].reason?.contains("canceled") == true || r[0].reason?.contains("timeout") == true,
                "\(r[0].reason ?? "")")
    }
}
