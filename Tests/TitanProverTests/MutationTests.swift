import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanMutation
import TitanProver
import TitanSpec

/// `titan mutate`: one mutant per operator, equivalent mutants, scores.
@Suite("Mutation testing of specs", .watched)
struct MutationTests {
    static let spec = """
    model Vault {
      arithmetic checked
      state owner: address
      state balance: map<address, uint256>
      state total: uint256
      state open: bool = true
      state small: uint8
      view fee(a: uint256, b: uint256): uint256 = a / b
      action deposit(who: address, amount: uint256) {
        require open
        balance[who] = balance[who] + amount
        total = total + amount
      }
      action charge(who: address, amount: uint256) {
        if amount > 10 { total = total - fee(amount, 10) } else { total = total - 1 }
        unchecked { small = small + 1 }
      }
      action close(from: address, to: address) {
        open = false
        balance[to] = balance[from]
      }
      invariant conserved: total >= 0
    }
    """

    func mutants() throws -> [Mutant] { try MutantGenerator.mutants(of: Self.spec, path: "vault.tspec") }

    func only(_ op: String, _ label: String, _ mutants: [Mutant]) throws -> Mutant {
        let found = mutants.filter { $0.mutationOperator == op && $0.id.hasSuffix(":\(label)") }
        #expect(found.count >= 1, "no \(op) mutant labelled \(label): \(mutants.map(\.id))")
        return try #require(found.first)
    }

    @Test("each operator makes its mutant, with the line before and after")
    func everyOperator() throws {
        let all = try mutants()
        let plus = try only("arithmetic", "+->-", all)
        #expect(plus.before.contains("balance[who] + amount") && plus.after.contains("balance[who] - amount"))
        let cmp = try only("comparison", ">->>=", all)
        #expect(cmp.after.contains("amount >= 10"))
        let const = try only("constant", "10->11", all)
        #expect(const.after.contains("amount > 11"))
        _ = try only("constant", "10->9", all)
        _ = try only("constant", "10->0", all)
        let flip = try only("boolean", "false->true", all)
        #expect(flip.after.contains("open = true"))
        #expect(!all.contains { $0.id.hasSuffix("true->false") }, "initial values are not in actions")
        let deleted = try only("require-deleted", "deleted", all)
        #expect(deleted.after.trimmingCharacters(in: .whitespaces).isEmpty)
        let negated = try only("require-negated", "negated", all)
        #expect(negated.after.contains("require !(open)"))
        _ = try only("assignment-deleted", "deleted", all)
        let moved = try only("map-key-moved", "[0]to->from", all)
        #expect(moved.after.contains("balance[from] = balance[from]"))
        let elseGone = try only("else-deleted", "deleted", all)
        #expect(!elseGone.after.contains("else"))
        let unchecked = try only("unchecked-removed", "removed", all)
        #expect(!unchecked.text.contains("unchecked"))
        let swapped = try only("arguments-swapped", "0<->1", all)
        #expect(swapped.after.contains("fee(10, amount)"))
    }

    @Test("mutants that do not type-check or mean the same are dropped")
    func droppedMutants() throws {
        let all = try mutants()
        // `who` is an address and `amount` a uint256: moving a map key to `amount` does not type-check.
        #expect(!all.contains { $0.id.hasSuffix("[0]who->amount") })
        // Every mutant differs from the original in meaning, and ids are unique.
        #expect(Set(all.map(\.id)).count == all.count)
        let original = try SpecLoader.parse(text: Self.spec, path: "vault.tspec").models[0]
        #expect(all.allSatisfy { MutantGenerator.normalized($0.mutated) != MutantGenerator.normalized(original) })
    }

    @Test("a mutant is killed by the property it breaks, a harmless one survives, and the equivalent file excuses it")
    func outcomes() throws {
        let text = """
        model Counter {
          arithmetic checked
          state n: uint8
          action inc() { require n < 10  n = n + 1 }
          invariant bounded: n <= 10
        }
        """
        let all = try MutantGenerator.mutants(of: text, path: "counter.tspec")
        let runner = MutationRunner(options: ProverOptions(jobs: 1, simulationSeconds: 0.2))
        let weakened = try #require(all.first { $0.id.hasSuffix("comparison:<-><=") })
        let killed = runner.run(weakened)
        #expect(killed.outcome == .killed)
        #expect(killed.killedBy == "bounded")
        // `n < 10` -> `n < 9` keeps n <= 10: the property misses it.
        let tighter = try #require(all.first { $0.id.hasSuffix("constant:10->9") })
        #expect(runner.run(tighter).outcome == .survived)
        let excused = MutationRunner(options: ProverOptions(jobs: 1, simulationSeconds: 0.2),
                                     equivalent: EquivalentMutants(entries: [EquivalentMutants.Entry(id: tighter.id, reason: "a tighter cap is allowed")]))
        let equivalent = excused.run(tighter)
        #expect(equivalent.outcome == .equivalent)
        #expect(equivalent.reason == "a tighter cap is allowed")
        let report = MutationReport(toolVersion: "test", specs: ["counter.tspec"], mutants: [killed, equivalent])
        #expect(report.models.first?.score == 100)
        let partial = MutationReport(toolVersion: "test", specs: ["counter.tspec"], mutants: [killed, runner.run(tighter)])
        #expect(partial.models.first?.score == 50)
    }

    @Test("titan mutate writes mutation.json valid against its schema and exits 1 below --min-score")
    func commandLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("counter.tspec")
        try """
        model Counter {
          arithmetic checked
          state n: uint8
          action inc() { require n < 10  n = n + 1 }
          invariant bounded: n <= 10
        }
        """.write(to: spec, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try titan(["mutate", spec.path, "--no-cache", "--report-dir", out.path, "--min-score", "100"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("model Counter: spec strength"))
        #expect(r.stdout.contains("SURVIVED Counter:inc:"))
        let json = out.appendingPathComponent("mutation.json")
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("Spec strength"))
        #expect(html.contains("<del>"))
        let check = try run("/usr/bin/env", ["python3", "-c", """
        import json, sys, jsonschema
        jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
        """, json.path, specPath("Reports/schema/mutation.schema.json")])
        #expect(check.status == 0, "\(check.stderr)")
        let passing = try titan(["mutate", spec.path, "--no-cache", "--no-report", "--min-score", "10"])
        #expect(passing.status == 0)

        // The verification report shows the latest score next to the model's proved count.
        let report = dir.appendingPathComponent("report")
        let verify = try titan(["verify", spec.path, "--no-cache", "--mutation-report", json.path, "--report-dir", report.path])
        #expect(verify.status == 0)
        let strength = try #require(try readJSON(report.appendingPathComponent("report.json"))["specStrength"] as? [[String: Any]])
        #expect(strength.first?["model"] as? String == "Counter")
        #expect((strength.first?["score"] as? Double).map { $0 > 0 && $0 < 100 } == true)
        let index = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("1 of 1 proved · spec strength <strong>"))
    }

    /// The worked examples in CI: every mutant of every model in `Specs/examples/` that is not
    /// listed as equivalent is killed (each model scores 100%; `titan mutate Specs/examples`
    /// takes about 5 s in the release build, Reports/bench/mutation.md), and every equivalent
    /// mutant listed for an example model is one the generator still makes (an edit above it
    /// moves its line, and a stale id would silently stop excusing it). Proving the equivalent
    /// mutants equivalent is what would take the time, so that is left to `--prove-equivalent`.
    @Test("the worked examples keep their spec strength: every mutant is killed and the equivalent ones are current")
    func workedExamplesKeepTheirStrength() throws {
        let directory = specPath("Specs/examples")
        // The Uniswap pair is left out: its models are non-linear, and proving its 274 mutants
        // takes about 17 minutes in a debug build, more than this suite's whole budget. Its own
        // test proves the pair and refutes Uranium's fork (WorkedExamplesTests.uniswap).
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".tspec") && $0 != "uniswap_v2_pair.tspec" }.sorted()
        #expect(files.count >= 7)
        var all: [Mutant] = []
        for file in files {
            let path = "Specs/examples/\(file)"
            all += try MutantGenerator.mutants(of: String(contentsOfFile: specPath(path), encoding: .utf8), path: path)
        }
        let ids = Set(all.map(\.id))
        let models = Set(all.map(\.model))
        let equivalent = try EquivalentMutants.load(specPath("Specs/equivalent-mutants.json"))
        let listed = equivalent.entries.filter { models.contains(String($0.id.prefix { $0 != ":" })) }
        #expect(!listed.isEmpty)
        for entry in listed { #expect(ids.contains(entry.id), "stale equivalent mutant: \(entry.id)") }

        let chosen = all.filter { equivalent.reason(for: $0.id) == nil }
        #expect(chosen.count >= 500)
        let runner = MutationRunner(options: ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0.5))
        let results = parallelMap(chosen.count, jobs: 2) { runner.run(chosen[$0]) }
        for r in results { #expect(r.outcome == .killed, "\(r.id): \(r.outcome.rawValue) \(r.reason ?? "")") }
    }

    @Test("a shipped model kills at least 95% of its mutants (CI runs titan mutate on it)")
    func shippedModelIsStrong() throws {
        let r = try titan(["mutate", "Specs/kernel/marketplace.tspec", "--no-cache", "--no-report", "--min-score", "95"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("model Marketplace: spec strength"))
    }
}
