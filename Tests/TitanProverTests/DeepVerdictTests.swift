import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// Past the BMC bound: a bug several actions deep is refuted by simulation with a replayed,
/// shrunk trace; a true invariant that needs two steps of induction is proved; a true invariant
/// that is not inductive carries the step that breaks it.
@Suite("Verdicts beyond the bound", .watched)
struct DeepVerdictTests {
    func verify(_ text: String, _ options: ProverOptions = ProverOptions(jobs: 1)) throws -> [String: PropertyResult] {
        try verifiedByName(text, options)
    }

    /// Settlement after a committee vote: paying twice needs open, three votes, close, lock and
    /// two settlements, 8 actions from the initial state.
    static let settlement = """
    model Settlement {
      arithmetic checked
      state phase: uint8
      state votes: uint8
      state voted: map<address, bool>
      state paid: uint256
      action open() { require phase == 0  phase = 1 }
      action vote(member: address) { require phase == 1  require !voted[member]  voted[member] = true  votes = votes + 1 }
      action close() { require phase == 1  require votes >= 3  phase = 2 }
      action lock() { require phase == 2  phase = 3 }
      action settle(amount: uint256) { require phase == 3  require amount <= 100  paid = paid + amount }
      invariant paid_at_most_once: paid <= 100
      rule settle_only_when_locked on settle(amount): !reverted ==> paid' <= 100
    }
    """

    @Test("a bug 8 actions deep is refuted at default settings with a replayed, shrunk trace")
    func eightStepBug() throws {
        let r = try verify(Self.settlement)
        let inv = try #require(r["paid_at_most_once"])
        #expect(inv.status == .violated)
        #expect(inv.method.hasPrefix("simulation"))
        let steps = try #require(inv.counterexample?.steps)
        // Shrunk to the protocol's shape: open, three distinct votes, close, lock, then the repeated
        // settlements (two or three: the shrinker removes steps and lowers amounts, never raises them).
        #expect(Array(steps.map(\.action).prefix(6)) == ["open", "vote", "vote", "vote", "close", "lock"])
        #expect((8...9).contains(steps.count) && steps.dropFirst(6).allSatisfy { $0.action == "settle" })
        #expect(inv.counterexample?.replayed == true)
        let rule = try #require(r["settle_only_when_locked"])
        #expect(rule.status == .violated)
        #expect(rule.counterexample?.steps.count == 8)
        #expect(inv.seconds < 10)
    }

    /// Copies of the shipped Proof-of-Task spec with one check removed (`bench/deep/`): the bug
    /// needs 6 (penalize) or 8 (reward) related actions, the same task, slots and workers and
    /// two agreeing results. Random walks alone never got there; walks that go on from the
    /// states the spec's scenarios reach, and that copy a parameter's value from an earlier step
    /// of the same name, do. BMC is kept shallow here only to keep the test quick in debug.
    @Test("planted bugs 6 and 8 protocol steps deep in a shipped spec are refuted by simulation, shrunk to that depth",
          arguments: [("pot_penalize_any_result", "no_penalty_for_agreeing", 6), ("pot_reward_any_result", "no_reward_for_disagreeing", 8)])
    func deepPlantedBugs(file: String, invariant: String, depth: Int) throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("bench/deep/\(file).tspec"), encoding: .utf8)
        let r = try verify(text, ProverOptions(depth: 1, jobs: 2))
        let inv = try #require(r[invariant])
        #expect(inv.status == .violated && inv.method.hasPrefix("simulation"), "\(inv.method): \(inv.reason ?? "")")
        #expect(inv.counterexample?.steps.count == depth && inv.counterexample?.replayed == true)
    }

    @Test("a true invariant that needs 2-induction is proved")
    func twoInduction() throws {
        let r = try verify("""
        model Cycle {
          state c: uint8
          action tick() { if c == 0 { c = 1 } else if c == 1 { c = 2 } else if c == 2 { c = 0 } else if c == 4 { c = 3 } }
          invariant never_three: c != 3
        }
        """)
        let inv = try #require(r["never_three"])
        #expect(inv.status == .proved)
        #expect(inv.method == "2-induction")
    }

    @Test("a true invariant that is not inductive reports the step that breaks it, not shown reachable")
    func counterexampleToInduction() throws {
        let r = try verify("""
        model Gap {
          state x: uint8
          state y: uint8
          action step() { require x < 200  x = x + 1  y = y + 1 }
          invariant y_small: y < 250
        }
        """, ProverOptions(jobs: 1, simulationSeconds: 0.3))
        let inv = try #require(r["y_small"])
        #expect(inv.status == .unknown)
        let cti = try #require(inv.counterexampleToInduction)
        #expect(cti.label == "not shown reachable")
        #expect(cti.action == "step")
        #expect(cti.invariant == "y_small")
        // The pre-state satisfies the invariant and the step leaves y at 250.
        let y = try #require(cti.preState.first { $0.name == "y" })
        #expect(y.value == "249")
        #expect(cti.changes.contains { $0.variable == "y" && $0.after == "250" })
        #expect(inv.reason?.contains("random simulation") == true)
    }

    @Test("counterexamples are minimized: small numbers, small distinct addresses")
    func minimizedCounterexample() throws {
        let r = try verify("""
        model Transfer {
          state bal: map<address, uint256>
          action mint(to: address, amount: uint256) { bal[to] = bal[to] + amount }
          action give(from: address, to: address, amount: uint256) {
            require bal[from] >= amount
            bal[from] = bal[from] - amount
            bal[to] = bal[to] + amount
          }
          rule sender_loses on give(from, to, amount): !reverted && amount > 0 ==> bal'[from] < bal[from]
          invariant nobody_rich(a: address): bal[a] < 5
          rule give_overpays on give(from, to, amount): from != to && !reverted ==> bal'[to] == bal[to] + amount + 1
        }
        """)
        let distinct = try #require(r["give_overpays"]?.counterexample?.steps.last?.args)
        #expect(distinct[0].value != distinct[1].value)
        let small = ["0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000001",
                     "0x0000000000000000000000000000000000000002"]
        #expect(small.contains(distinct[0].value) && small.contains(distinct[1].value), "\(distinct)")
        let rule = try #require(r["sender_loses"]?.counterexample)
        let give = try #require(rule.steps.last)
        // Giving to oneself: one small address for both, the smallest amount.
        #expect(give.args[0].value == give.args[1].value)
        #expect(["0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000001"].contains(give.args[0].value))
        #expect(give.args[2].value == "1")
        let inv = try #require(r["nobody_rich"]?.counterexample)
        #expect(inv.steps.map(\.action) == ["mint"])
        #expect(inv.steps[0].args.last?.value == "5")
    }
}
