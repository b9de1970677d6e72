import Testing
import TitanIR
import TitanInterp
import TitanProver
import TitanSpec

/// `msg.sender` and `block.timestamp`: every step has its own caller and a time that never
/// goes back; rules see both; counterexamples show both.
@Suite("Caller and time", .watched)
struct EnvironmentTests {
    static let ownable = """
    model Ownable2Step {
      arithmetic checked
      state owner: address
      state pending: address
      state initialized: bool
      state unlockAt: uint64
      action initialize() { require !initialized  owner = msg.sender  initialized = true }
      action propose(next: address) {
        require initialized && msg.sender == owner
        pending = next
        unlockAt = block.timestamp + 86400
      }
      action accept() {
        require msg.sender == pending && block.timestamp >= unlockAt
        owner = pending
      }
      rule only_owner_proposes on propose(next): !reverted ==> msg.sender == owner
      rule accept_after_delay on accept(): !reverted ==> block.timestamp >= unlockAt
      invariant delay_recorded: unlockAt == 0 || unlockAt >= 86400
      rule accept_without_delay on accept(): !reverted ==> block.timestamp < unlockAt expect violated
    }
    """

    @Test("actions and rules read the caller and the time; time never decreases")
    func ownableTwoStep() throws {
        let model = try parseModel(Self.ownable)
        #expect(model.action("accept")?.params.map(\.name) == ["msg.sender", "block.timestamp"])
        let results = Prover(model: model, specPath: "o.tspec", options: ProverOptions(jobs: 1)).verify()
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.property, $0) })
        #expect(byName["only_owner_proposes"]?.status == .proved)
        #expect(byName["accept_after_delay"]?.status == .proved)
        #expect(byName["accept_without_delay"]?.status == .violated)
        #expect(byName["delay_recorded"]?.status == .proved)
    }

    @Test("a counterexample shows each step's caller and time")
    func counterexampleShowsEnvironment() throws {
        let model = try parseModel("""
        model Takeover {
          state owner: address
          action claim() { owner = msg.sender }
          invariant never_owned: owner == 0
        }
        """)
        let r = try #require(Prover(model: model, specPath: "t.tspec", options: ProverOptions(jobs: 1)).verify().first)
        #expect(r.status == .violated)
        let args = try #require(r.counterexample?.steps.first?.args)
        #expect(args.map(\.name) == ["msg.sender", "block.timestamp"])
    }

    @Test("the interpreter refuses a step back in time")
    func timeIsMonotonic() throws {
        let model = try parseModel("""
        model Clock {
          state t: uint64
          action tick() { t = block.timestamp }
        }
        """)
        let interp = Interpreter(model: model)
        let later = try interp.step(Step(action: "tick", args: ["msg.sender": .bits(1), "block.timestamp": .bits(100)]), from: interp.initialState())
        #expect(later.ok.asBool)
        let earlier = try interp.step(Step(action: "tick", args: ["msg.sender": .bits(1), "block.timestamp": .bits(99)]), from: later.state)
        #expect(!earlier.ok.asBool)
    }

    @Test("msg.sender is refused where there is no caller; other names after msg. are unknown")
    func misuse() throws {
        let invariant = try #require(throws: SpecErrors.self) {
            try parseModel("model M {\n  state o: address\n  action a() { o = msg.sender }\n  invariant i: o != msg.sender\n}")
        }
        #expect(invariant.description.contains("'msg.sender' is only available in actions and rules"))
        let unknown = try #require(throws: SpecErrors.self) { try parseModel("model M {\n  state o: address\n  action a() { o = msg.value }\n}") }
        #expect(unknown.description.contains("unknown name 'msg.value'"))
    }
}
