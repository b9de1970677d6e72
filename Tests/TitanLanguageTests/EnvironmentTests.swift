import TitanTestSupport
import BigInt
import Testing
import TitanIR
import TitanInterp
@testable import TitanProver
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
        let unknown = try #require(throws: SpecErrors.self) { try parseModel("model M {\n  state o: address\n  action a() { o = msg.gas }\n}") }
        #expect(unknown.description.contains("unknown name 'msg.gas'; the environment provides msg.sender, msg.value, block.timestamp, block.number, block.previousTimestamp"))
        let notPayable = try #require(throws: SpecErrors.self) { try parseModel("model M {\n  state v: uint256\n  action a() { v = msg.value }\n}") }
        #expect(notPayable.description.contains("3:20: error: 'msg.value' is only available in payable actions"))
        let previous = try #require(throws: SpecErrors.self) {
            try parseModel("model M {\n  state t: uint64\n  action a() { t = block.timestamp }\n  invariant i: t >= block.previousTimestamp\n}")
        }
        #expect(previous.description.contains("4:21: error: 'block.previousTimestamp' is the time of the step before a rule's step, in rules only"))
    }

    static let auction = """
    model Auction {
      arithmetic checked
      state highest: uint256
      state leader: address
      state held: uint256
      state lastBid: uint64
      view latest(): uint64 = block.timestamp
      action bid() payable {
        require msg.value > highest
        held = held + msg.value
        highest = msg.value
        leader = msg.sender
        lastBid = block.number
      }
      action poke() { }
      invariant bid_in_a_past_block: block.number >= lastBid
      rule bids_pay on bid(): !reverted ==> held' == held + msg.value
      rule poke_takes_no_value on poke(): msg.value > 0 ==> reverted
      rule blocks_advance on bid(): !reverted ==> block.number > lastBid
      rule next_block_only on bid(): !reverted && lastBid > 0 ==> block.number == lastBid + 1 expect violated
      rule unprimed_views_read_the_previous_step on any: latest() == block.previousTimestamp && (!reverted ==> latest'() == block.timestamp)
      scenario two_bids {
        bid() paying 5 from 2
        bid() paying 7 from 3
        poke() paying 1 reverts
        expect held == 12 && leader == 3 && block.number == 2
      }
    }
    """

    @Test("block.number grows every step; payable actions read msg.value and others revert when paid; unprimed views read the previous step's time")
    func blocksAndValue() throws {
        let model = try parseModel(Self.auction)
        #expect(model.action("bid")?.params.map(\.name) == ["msg.sender", "block.timestamp", "block.number", "msg.value"])
        let interp = Interpreter(model: model)
        func args(_ number: Int, _ value: Int) -> [String: Value] {
            ["msg.sender": .bits(1), "block.timestamp": .bits(0), "block.number": .bits(BigUInt(number)), "msg.value": .bits(BigUInt(value))]
        }
        let first = try interp.step(Step(action: "bid", args: args(1, 5)), from: interp.initialState())
        #expect(first.ok.asBool)
        #expect(try !interp.step(Step(action: "bid", args: args(1, 6)), from: first.state).ok.asBool)  // the same block again
        #expect(try interp.step(Step(action: "bid", args: args(9, 6)), from: first.state).ok.asBool)
        #expect(try !interp.step(Step(action: "poke", args: args(2, 1)), from: first.state).ok.asBool)
        #expect(try interp.step(Step(action: "poke", args: args(2, 0)), from: first.state).ok.asBool)

        let results = Prover(model: model, specPath: "a.tspec", options: ProverOptions(jobs: 1, simulationSeconds: 0)).verify()
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.property, $0) })
        for name in ["bid_in_a_past_block", "bids_pay", "poke_takes_no_value", "blocks_advance", "unprimed_views_read_the_previous_step"] {
            #expect(byName[name]?.status == .proved, "\(name): \(byName[name]?.status.rawValue ?? "missing") \(byName[name]?.reason ?? "")")
        }
        let gap = try #require(byName["next_block_only"])
        #expect(gap.status == .violated && gap.counterexample?.replayed == true && !gap.failsAsRefutation)
        #expect(gap.counterexample?.steps.last?.args.contains { $0.name == "block.number" } == true)
        #expect(byName["two_bids"]?.status == .proved, "\(byName["two_bids"]?.reason ?? "")")
    }

    @Test("an unprimed view that reads the time in a rule gets a warning that names both ways to say it; nothing else does")
    func timeWarning() throws {
        let file = try SpecLoader.parse(text: Self.auction, path: "a.tspec")
        #expect(file.warnings.count == 1, "\(file.warnings)")
        #expect(file.warnings.first?.hasPrefix("a.tspec:21:54: warning: view 'latest' reads block.timestamp, and unprimed in a rule it reads the previous step's time; write 'latest'(...)' for this step's time, or block.previousTimestamp to mean the previous one") == true,
                "\(file.warnings)")
        #expect(try SpecLoader.parse(text: Self.ownable, path: "o.tspec").warnings.isEmpty)
    }

    @Test("the simulation deploys and steps a model with block numbers and payments: a bug seven steps deep is found and replays")
    func simulationKeepsTheEnvironmentValid() throws {
        let spec = """
        model Drip {
          arithmetic checked
          state start: uint64
          state payments: uint8
          state pot: uint256
          constructor { start = block.number }
          action pay() payable {
            require msg.value > 0
            pot = pot + msg.value
            payments = payments + 1
          }
          action poke() { }
          invariant few_payments: payments < 6
        }
        """
        // Every deployment the search makes is a valid one: no value sent to the constructor, a block after 0.
        let model = try parseModel(spec)
        let search = SimulationSearch(model: model, interpreter: Interpreter(model: model), seconds: 0)
        var rng = SplitMix64(seed: 11)
        let pools = search.pools()
        #expect((0..<200).allSatisfy { _ in search.deploy(pools, &rng) != nil })
        let r = try verifiedByName(spec, ProverOptions(jobs: 1, simulationSeconds: 5))
        let bug = try #require(r["few_payments"])
        #expect(bug.status == .violated && bug.method.hasPrefix("simulation") && bug.counterexample?.replayed == true, "\(bug.method) \(bug.reason ?? "")")
        #expect(bug.counterexample?.steps.first?.action == "constructor")
        #expect(bug.counterexample?.steps.filter { $0.action == "pay" }.count == 6)
    }

    @Test("block.previousNumber names the block before a rule's step")
    func previousBlock() throws {
        let spec = """
        model Blocks {
          state last: uint64
          action touch() { last = block.number }
          rule later on touch(): !reverted ==> block.number > block.previousNumber && last' == block.number
          rule next on touch(): !reverted ==> block.number == block.previousNumber + 1 expect violated
        }
        """
        let r = try verifiedByName(spec, ProverOptions(jobs: 1, simulationSeconds: 0))
        #expect(r["later"]?.status == .proved)
        #expect(r["next"]?.status == .violated && r["next"]?.counterexample?.replayed == true)
    }
}
