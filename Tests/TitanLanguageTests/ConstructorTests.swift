import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanInterp
import TitanProver
import TitanSpec

/// `constructor { ... }`: run once, by the deployer at the deployment time, to make the initial
/// state, in both readers of the semantics.
@Suite("Constructors", .watched)
struct ConstructorTests {
    static let spec = """
    model Capped {
      arithmetic checked
      state owner: address
      state minter: map<address, bool>
      state supply: uint256
      state cap: uint256

      constructor(limit: uint256) {
        require limit > 0
        owner = msg.sender
        minter[msg.sender] = true
        cap = limit
      }

      action mint(amount: uint256) {
        require minter[msg.sender]
        require supply + amount <= cap
        supply = supply + amount
      }

      invariant capped: supply <= cap
      invariant cap_positive: cap > 0
      invariant deployer_mints: owner == 0 || minter[owner]
      invariant never_minted_by_nobody: owner != 0 || supply == 0
      rule only_minters on mint(amount): !reverted ==> minter[msg.sender]

      scenario deploy_then_mint {
        constructor(10) from 0x0000000000000000000000000000000000000005 at 3
        mint(4) from 0x0000000000000000000000000000000000000005
        expect supply == 4 && owner == 0x0000000000000000000000000000000000000005 && block.timestamp == 3
        mint(7) from 0x0000000000000000000000000000000000000005 reverts
      }
      scenario default_deployment_has_limit_zero {
        mint(0) from 0x0000000000000000000000000000000000000001
      }
    }
    """

    @Test("the prover starts from what the constructor makes: a fact only the constructor establishes is proved")
    func proverDeploys() throws {
        let r = try verifiedByName(Self.spec, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
        // cap > 0 holds only because the constructor requires it; from the declared zero state it is false.
        #expect(r["cap_positive"]?.status == .proved, "\(r["cap_positive"]?.reason ?? "")")
        #expect(r["capped"]?.status == .proved)
        #expect(r["deployer_mints"]?.status == .proved)
        #expect(r["only_minters"]?.status == .proved)
        #expect(r["deploy_then_mint"]?.status == .proved, "\(r["deploy_then_mint"]?.reason ?? "")")
    }

    @Test("a counterexample starts with the constructor's step, which the interpreter replays")
    func counterexampleDeploys() throws {
        let r = try verifiedByName(Self.spec, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
        let v = try #require(r["never_minted_by_nobody"])
        #expect(v.status == .violated)
        let cex = try #require(v.counterexample)
        #expect(cex.replayed)
        #expect(cex.steps.first?.action == "constructor")
        // Address 0 deployed (the constructor lets anyone), so it is the minter.
        #expect(cex.steps.first?.args.first { $0.name == "msg.sender" }?.value == "0x0000000000000000000000000000000000000000")
        #expect(cex.steps.dropFirst().allSatisfy { $0.action == "mint" })
    }

    @Test("a scenario that does not deploy deploys with zero arguments from address 1, and that deployment can revert")
    func scenarioDefaultDeployment() throws {
        let r = try verifiedByName(Self.spec, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
        let s = try #require(r["default_deployment_has_limit_zero"])
        #expect(s.status == .violated)
        #expect(s.reason?.contains("constructor") == true && s.reason?.contains("reverted") == true)
    }

    @Test("the interpreter: the constructor's step runs from the declared state; its revert leaves that state")
    func interpreterDeploys() throws {
        let model = try parseModel(Self.spec)
        let i = Interpreter(model: model)
        let deployer = Value.bits(7)
        let ok = try i.step(Step(action: "constructor", args: ["limit": .bits(3), "msg.sender": deployer, "block.timestamp": .bits(9)]),
                            from: i.initialState())
        #expect(ok.ok.asBool)
        #expect(ok.state["owner"] == deployer && ok.state["cap"] == .bits(3) && ok.state["block.timestamp"] == .bits(9))
        #expect(ok.state["minter"].asMap[deployer] == .bool(true))
        let reverted = try i.step(Step(action: "constructor", args: ["limit": .bits(0), "msg.sender": deployer, "block.timestamp": .bits(9)]),
                                  from: i.initialState())
        #expect(!reverted.ok.asBool && reverted.state["owner"] == .bits(0) && reverted.state["cap"] == .bits(0))
    }

    @Test("random simulation deploys before every walk: a violation deeper than BMC needs the constructor's state")
    func simulationDeploys() throws {
        let spec = """
        model Countdown {
          arithmetic checked
          state left: uint8
          constructor(start: uint8) {
            require start >= 9
            left = start
          }
          action tick() { require left > 0
            left = left - 1 }
          invariant never_zero: left != 0
        }
        """
        let r = try verifiedByName(spec, ProverOptions(depth: 2, timeoutSeconds: 10, jobs: 1, simulationSeconds: 5))
        let v = try #require(r["never_zero"])
        #expect(v.status == .violated, "\(v.reason ?? "")")
        let steps = try #require(v.counterexample?.steps)
        // The constructor's start, then exactly that many ticks (a smaller start would need fewer).
        #expect(steps.first?.action == "constructor")
        let start = try #require(steps.first?.args.first.flatMap { Int($0.value) })
        #expect(start >= 9 && steps.count == start + 1 && steps.dropFirst().allSatisfy { $0.action == "tick" })
    }

    @Test("errors: a second constructor, an action named constructor, a return type, a constructor later in a scenario")
    func errors() throws {
        func diagnostics(_ body: String) -> String {
            do { _ = try SpecLoader.parse(text: "model M {\n  state x: uint8\n\(body)\n}\n", path: "c.tspec"); return "" } catch {
                return "\(error)"
            }
        }
        #expect(diagnostics("constructor { x = 1 }\nconstructor { x = 2 }").contains("c.tspec:4:1: error: duplicate constructor"))
        #expect(diagnostics("action constructor() { x = 1 }").contains("'constructor' is reserved"))
        #expect(diagnostics("constructor(): uint8 { x = 1 }").contains("a constructor returns nothing"))
        let late = diagnostics("constructor(v: uint8) { x = v }\naction a() { x = 0 }\nscenario s {\n  a()\n  constructor(1)\n}")
        #expect(late.contains("the constructor runs once, as the scenario's first call"), "\(late)")
        #expect(diagnostics("constructor(v: uint8) { x = v }\ninvariant i: x == 0\nrule r on constructor(v): x' == v").contains("constructor"))
    }
}
