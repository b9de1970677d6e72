import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanInterp
import TitanProver
import TitanSpec

/// The search for violations past induction: bounded model checking, unrolled once and over the
/// property's cone of influence; simulation before k-induction; one simulation budget per model.
@Suite("Bounded search", .watched)
struct BoundedSearchTests {
    /// `noise` writes what the counter never depends on; `tick` only moves time.
    static let counter = """
    model Counter {
      state n: uint8
      state armed: bool
      state noise: uint256
      action arm() { armed = true }
      action bump() { require armed  n = n + 1 }
      action shuffle(x: uint256) { noise = x }
      action tick() { noise = noise }
      invariant below_three: n < 3
      rule bump_needs_arming on bump(): !reverted ==> armed
      invariant noise_small: noise < 1000
    }
    """

    @Test("a violation within the bound is found with every depth's query named, and only the actions it needs")
    func coneOfInfluence() throws {
        let r = try verifiedByName(Self.counter, ProverOptions(jobs: 1, simulationSeconds: 0))
        let inv = try #require(r["below_three"])
        #expect(inv.status == .violated)
        #expect(inv.method == "bmc depth 4")
        let steps = try #require(inv.counterexample?.steps)
        #expect(steps.map(\.action) == ["arm", "bump", "bump", "bump"])
        // Depths 1 to 4, each a query of its own in the report.
        #expect(inv.queries.filter { $0.name.contains(".bmc.") }.map(\.name) == (1...4).map { "below_three.bmc.\($0)" })
        // The rule holds by induction; the invariant on noise is refuted in one step.
        #expect(r["bump_needs_arming"]?.status == .proved)
        #expect(r["noise_small"]?.status == .violated)
        #expect(r["noise_small"]?.counterexample?.steps.map(\.action) == ["shuffle"])
    }

    @Test("leaving actions out of the unrolling loses no violation: each depth agrees with a search over every action")
    func coneLosesNothing() throws {
        // The invariant reads the time, so an action that only moves it is needed.
        let timed = """
        model Deadline {
          state opened: uint64
          state open: bool
          state other: uint8
          action start() { require !open  open = true  opened = block.timestamp }
          action idle() { other = other }
          invariant fresh: !open || block.timestamp < opened + 100
        }
        """
        let r = try verifiedByName(timed, ProverOptions(jobs: 1, simulationSeconds: 0))
        let inv = try #require(r["fresh"])
        #expect(inv.status == .violated)
        #expect(inv.counterexample?.replayed == true)
    }

    @Test("a rule that judges a step which reverts keeps the steps that only move time: a step sent in the past reverts")
    func ruleConeKeepsTime() throws {
        let model = """
        model Ping {
          state x: uint8
          action ping() { require block.timestamp >= 0 }
          action set(v: uint8) { x = v }
          rule ping_completes on ping(): !reverted
        }
        """
        let r = try verifiedByName(model, ProverOptions(jobs: 1, simulationSeconds: 0))
        let rule = try #require(r["ping_completes"])
        #expect(rule.status == .violated)
        // A step at a later time (either action moves it), then ping sent before it.
        #expect(rule.counterexample?.steps.count == 2)
        #expect(rule.counterexample?.lastReverted == true)
    }

    @Test("a cached run reads the same counterexample as a cold one, depth by depth")
    func cachedAgrees() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("titan-bmc-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        func run() throws -> PropertyResult {
            let cache = ProofCache(directory: dir)
            return try #require(verifiedByName(Self.counter, ProverOptions(jobs: 1, cache: cache, simulationSeconds: 0))["below_three"])
        }
        let cold = try run(), warm = try run()
        #expect(warm.queries.allSatisfy { $0.fromCache == true })
        #expect(warm.queries.map(\.sha256) == cold.queries.map(\.sha256))
        #expect(warm.counterexample?.steps.map(\.args) == cold.counterexample?.steps.map(\.args))
    }

    @Test("solved on one incremental solver or fresh per depth, the queries and the verdicts are the same")
    func incrementalAgrees() throws {
        var options = ProverOptions(jobs: 1, simulationSeconds: 0)
        let fresh = try verifiedByName(Self.counter, options)
        options.incrementalBMC = true
        let incremental = try verifiedByName(Self.counter, options)
        for name in ["below_three", "noise_small", "bump_needs_arming"] {
            let (a, b) = (try #require(fresh[name]), try #require(incremental[name]))
            #expect(a.status == b.status && a.method == b.method)
            #expect(a.queries.map(\.sha256) == b.queries.map(\.sha256))
            #expect(a.counterexample?.steps.map(\.action) == b.counterexample?.steps.map(\.action))
        }
    }

    @Test("simulation comes before k-induction: a deep bug costs no k-induction query")
    func simulationFirst() throws {
        let r = try verifiedByName(DeepVerdictTests.settlement, ProverOptions(jobs: 1))
        let inv = try #require(r["paid_at_most_once"])
        #expect(inv.status == .violated)
        #expect(inv.method.hasPrefix("simulation"))
        #expect(!inv.queries.contains { $0.name.contains(".kind.") })
    }

    @Test("open rules share what is left of the model's simulation budget")
    func rulesShareTheBudget() throws {
        // Both rules fail their one-step check from an unreachable state and hold in every
        // reachable one: each stays open after the bounded search.
        let model = """
        model Pair {
          state a: uint8
          state b: uint8
          action step() { require a < 50  a = a + 2  b = b + 2 }
          invariant same: a == b
          rule a_even on step(): a' != 13
          rule b_even on step(): b' != 13
        }
        """
        let r = try verifiedByName(model, ProverOptions(jobs: 1, simulationSeconds: 0.4))
        for name in ["a_even", "b_even"] {
            let rule = try #require(r[name])
            #expect(rule.status == .unknown)
            #expect(rule.reason?.contains("shared by 2 open rules") == true)
        }
    }

    @Test("a counterexample to induction names as assumed only the invariants that were proved")
    func ctiNamesOnlyProvedInvariants() throws {
        let model = """
        model Assumed {
          arithmetic checked
          state x: uint8
          state z: uint8
          state k: uint8
          action incX() { require x < 200  x = x + 1 }
          action step2() { require z < 40  z = z + 2 }
          action setK(v: uint8) { k = v }
          invariant small_x: x < 10
          invariant z_never_three: z != 3
          invariant k_fits: k <= 255
        }
        """
        let r = try verifiedByName(model, ProverOptions(jobs: 1, simulationSeconds: 0.5))
        #expect(r["small_x"]?.status == .violated)
        #expect(r["k_fits"]?.status == .proved)
        let open = try #require(r["z_never_three"])
        #expect(open.status == .unknown)
        // In the first round small_x was assumed too; it was refuted since.
        let cti = try #require(open.counterexampleToInduction)
        #expect(cti.assumed == ["k_fits"])
    }

    @Test("an argument that is not a value of its type never replays")
    func argumentsFitTheirTypes() throws {
        let model = try parseModel("""
        model Flags {
          state f: map<bool, bool>
          action set(k: bool, v: uint8) { f[k] = v > 0 }
        }
        """)
        let interpreter = Interpreter(model: model)
        let good = Step(action: "set", args: ["k": .bool(true), "v": .bits(255)])
        #expect(throws: Never.self) { try interpreter.replay([good], from: interpreter.initialState()) }
        for bad in [Step(action: "set", args: ["k": .bits(510), "v": .bits(1)]), Step(action: "set", args: ["k": .bool(true), "v": .bits(256)])] {
            #expect(throws: InterpreterError.self) { try interpreter.replay([bad], from: interpreter.initialState()) }
        }
    }
}

@Suite("Time accounting", .watched)
struct TimeAccountingTests {
    @Test("the summary and report.json say where the wall time went, and the phases add up to it")
    func phasesAddUp() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("settlement.tspec")
        try DeepVerdictTests.settlement.write(to: spec, atomically: true, encoding: .utf8)
        let report = dir.appendingPathComponent("report")
        let r = try run(titanBinary, ["verify", spec.path, "--no-cache", "--report-dir", report.path])
        #expect(r.status == 1)
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("Time: ") })
        // Phases under 5 ms are left out of the line, not of report.json.
        #expect(line.contains(" s wall"), "\(line)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any]
        let timing = try #require(json?["timing"] as? [String: Any])
        let wall = try #require(timing["wallSeconds"] as? Double)
        let phases = try #require(timing["phases"] as? [[String: Any]])
        let names = phases.compactMap { $0["name"] as? String }
        #expect(["parsing", "induction", "bmc", "simulation"].allSatisfy(names.contains), "\(names)")
        // In run order, and together no more than the wall time.
        #expect(names == PhaseTimes.order.filter(names.contains))
        let total = phases.compactMap { $0["seconds"] as? Double }.reduce(0, +)
        #expect(total > 0 && total <= wall + 0.01, "\(total) of \(wall)")
    }
}
