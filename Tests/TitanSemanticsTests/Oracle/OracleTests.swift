/// An independent oracle for the prover's verdicts. Seeded, generated small models are
/// rendered to `.tspec`, parsed and proved by the product, and explored exhaustively (every
/// action with every argument value, breadth first through the prover's depth and on to a
/// fixpoint when a state cap allows) by the oracle's own evaluator (`OracleModel.swift`), which
/// shares nothing with the product's semantics. A verdict the oracle refutes fails the test:
/// proved or vacuous but violated, a counterexample that does not replay, unknown although
/// violated within the depth with every query decided, vacuous although what can never happen
/// happens. Invariants left unknown go through PDR as in `titan verify`, so a wrong pdr proof
/// fails too. True properties the prover leaves unknown are listed, not failed.
///
/// Knobs (environment variables):
/// - `TITAN_ORACLE_MODELS`: how many models to generate (default 200).
/// - `TITAN_ORACLE_SEED`: the seed, decimal or 0x-hex (default 0x7174616E). A failure names
///   its model `Gen<i>`; the same seed and a count above i regenerate it.
/// - `TITAN_ORACLE_VERBOSE=1`: print each model, how many states the oracle explored, and how
///   long the oracle and the prover took.
///
/// e.g. `TITAN_ORACLE_MODELS=2000 TITAN_ORACLE_SEED=7 swift test --skip-build --filter Oracle`.

import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec
import TitanSuggest

/// What the comparison of one model found.
struct OracleComparison {
    var failures: [String] = []
    /// Status name to count.
    var statuses: [String: Int] = [:]
    /// Unknown, and the oracle knows the property holds (every reachable state, every value).
    var trueUnknowns: [String] = []
    /// Unknown, rightly: the oracle sees it fail, but only beyond the prover's depth.
    var unknownFailingDeeper: [String] = []
    /// Unknown, and the oracle cannot tell whether it holds (its exploration stopped at the cap).
    var unknownUnsettled: [String] = []
    /// Unknown because the solver gave up on some query, though the oracle sees it fail within the depth.
    var undecidedFailing: [String] = []
    /// Proved by PDR (helpers from Spacer, checked by induction): judged like every proof.
    var pdrProofs: [String] = []

    /// The random simulation past the bound spends its whole time box on every property it
    /// cannot refute, and many generated properties are true: it runs on every fourth model only.
    static func proverOptions(simulating: Bool, simulationSeconds: Double = 0.1) -> ProverOptions {
        ProverOptions(depth: OracleCase.depth, timeoutSeconds: 5, jobs: 1, simulationSeconds: simulating ? simulationSeconds : 0)
    }

    /// Adds another model's findings to these.
    mutating func absorb(_ other: OracleComparison) {
        failures += other.failures
        statuses.merge(other.statuses, uniquingKeysWith: +)
        trueUnknowns += other.trueUnknowns
        unknownFailingDeeper += other.unknownFailingDeeper
        unknownUnsettled += other.unknownUnsettled
        undecidedFailing += other.undecidedFailing
        pdrProofs += other.pdrProofs
    }

    /// Proves the model with the product and checks every verdict against the oracle.
    static func run(_ c: OracleCase, simulating: Bool, simulationSeconds: Double = 0.1) -> OracleComparison {
        var out = OracleComparison()
        let text = c.model.text
        let parsed: Model
        do {
            parsed = try SpecLoader.parse(text: text, path: "\(c.model.name).tspec").models[0]
        } catch {
            out.failures.append("the generated spec does not parse or type-check: \(error)")
            return out
        }
        let options = proverOptions(simulating: simulating, simulationSeconds: simulationSeconds)
        let proved = Prover(model: parsed, specPath: "\(c.model.name).tspec", options: options).verify()
        // What `titan verify` does next: unknown invariants go to PDR, whose helpers are checked
        // by induction. A pdr proof of a property the oracle sees fail is judged like any proof.
        let results = PDRProof.apply(to: proved, model: parsed, specText: text, specPath: "\(c.model.name).tspec",
                                     options: options, secondsEach: 2)
        out.pdrProofs = results.filter { $0.method == "pdr" }.map { "\(c.model.name).\($0.property)" }
        // The tool also reports each `require` that can never pass, as a result of its own.
        let sites = c.model.requireSites
        for r in results where r.kind == "require" {
            out.statuses["\(r.status.rawValue) require", default: 0] += 1
            guard r.status.rawValue == "vacuous" else { continue }
            let action = r.property.split(separator: ".").first.map(String.init)
            guard let site = sites.first(where: { c.model.actions[$0.action].name == action
                                                  && r.property.hasSuffix(".require@\($0.line):\($0.column)") }) else {
                out.failures.append("\(r.property): names no require the generator wrote")
                continue
            }
            if c.model.requirePasses(site, in: c.exploration) {
                out.failures.append("\(r.property): vacuous (\(r.reason ?? "")), but the oracle sees it reached and passed from a reachable state")
            }
        }
        for p in c.model.properties {
            guard let r = results.first(where: { $0.property == p.name }) else {
                out.failures.append("\(p.name): no result")
                continue
            }
            out.statuses[r.status.rawValue, default: 0] += 1
            if let failure = out.judge(r, p, c) { out.failures.append("\(p.name) (\(p.kindName)): \(failure)") }
        }
        return out
    }

    /// Why the prover's verdict on `p` is wrong, or nil when the oracle cannot refute it.
    mutating func judge(_ r: PropertyResult, _ p: OProperty, _ c: OracleCase) -> String? {
        let seen = c.verdicts[p.name]?.violation
        let qualified = "\(c.model.name).\(p.name)"
        switch r.status.rawValue {
        case "proved":
            guard let seen else { return nil }
            return "proved (\(r.method)), but the oracle sees it fail after \(seen)"
        case "violated":
            guard let cex = r.counterexample else { return "violated without a counterexample" }
            guard let trace = OracleComparison.read(cex, for: p, in: c.model) else {
                return "violated, but the counterexample names unknown actions or unreadable values: \(cex.steps.map { "\($0.action)\($0.args.map(\.value))" }) \(cex.ruleParams.map(\.value))"
            }
            if let refuted = c.model.refutation(of: trace, for: p) {
                return "violated (\(r.method)), but the oracle does not confirm the trace \(trace.steps) \(trace.params): \(refuted)"
            }
            // A confirmed trace within the bound that the exploration missed is the oracle's own error.
            if trace.steps.count <= OracleCase.depth, c.holdsWithinBound(p) {
                return "violated by a trace the oracle confirms, which its own exploration missed: \(trace.steps) \(trace.params)"
            }
            return nil
        case "unknown":
            if let seen, seen.depth <= OracleCase.depth {
                // A query the solver gave up on (a timeout on a loaded machine) claims nothing; a
                // bounded search that decided every query and found nothing is wrong.
                guard r.queries.contains(where: { $0.verdict.hasPrefix("unknown") }) else {
                    return "unknown (\(r.reason ?? "")), but the oracle sees it fail within depth \(OracleCase.depth): \(seen)"
                }
                undecidedFailing.append(qualified)
                return nil
            }
            if c.deepBug, let seen {
                return "unknown (\(r.reason ?? "")), but the oracle sees it fail \(seen.depth) steps deep: a deep violation missed: \(seen)"
            }
            if c.holdsEverywhere(p) {
                trueUnknowns.append(qualified)
            } else if seen != nil {
                unknownFailingDeeper.append(qualified)
            } else {
                unknownUnsettled.append(qualified)
            }
            return nil
        case "vacuous":
            // Vacuous is still a proof, of a property that holds only because nothing can happen.
            let reason = r.reason ?? ""
            if let seen { return "vacuous (\(reason)), but the oracle sees it fail after \(seen)" }
            if reason.contains("premise") {
                guard OModel.premise(p.body) != nil else { return "vacuous by a premise it does not have: \(reason)" }
                guard c.model.premiseHolds(p, in: c.exploration) else { return nil }
                return "vacuous (\(reason)), but the oracle sees its premise hold in a reachable state"
            }
            if reason.contains("complete") {
                guard p.isRule else { return "vacuous because an action never completes, but it is no rule: \(reason)" }
                guard c.model.ruleActionCompletes(p, in: c.exploration) else { return nil }
                return "vacuous (\(reason)), but the oracle sees its action complete from a reachable state"
            }
            return "vacuous for a reason the oracle cannot check: \(reason)"
        case "error":
            return "error: \(r.reason ?? "no reason")"
        default:
            return "unexpected status \(r.status.rawValue)"
        }
    }

    /// The reported counterexample in the oracle's terms; nil when a name or value does not read.
    static func read(_ cex: Counterexample, for p: OProperty, in model: OModel) -> OReportedTrace? {
        var steps: [OStep] = []
        for step in cex.steps {
            guard let action = model.action(step.action) else { return nil }
            var args: [OValue] = []
            for param in action.params {
                guard let text = step.args.first(where: { $0.name == param.name })?.value,
                      let v = OValue.parse(text, as: param.sort) else { return nil }
                args.append(v)
            }
            steps.append(OStep(action: action.name, args: args))
        }
        var params: [OValue] = []
        for param in p.params {
            guard let text = cex.ruleParams.first(where: { $0.name == param.name })?.value,
                  let v = OValue.parse(text, as: param.sort) else { return nil }
            params.append(v)
        }
        return OReportedTrace(steps: steps, params: params, lastReverted: cex.lastReverted,
                              holdsAfter: cex.steps.map(\.propertyHolds), holdsInitially: cex.holdsInitially)
    }
}

@Suite("Oracle: the prover's verdicts against exhaustive exploration", .watched)
struct OracleTests {
    /// An environment variable as a number (decimal, or hex after 0x), `fallback` when unset.
    static func knob(_ name: String, fallback: UInt64) throws -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment[name] else { return fallback }
        let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        return try #require(value, "\(name)=\(text) is not a number")
    }

    @Test("generated models: no verdict the oracle refutes")
    func generatedModels() throws {
        let count = Int(try OracleTests.knob("TITAN_ORACLE_MODELS", fallback: 200))
        let seed = try OracleTests.knob("TITAN_ORACLE_SEED", fallback: 0x7174_616E)
        let verbose = ProcessInfo.processInfo.environment["TITAN_ORACLE_VERBOSE"] == "1"
        var total = OracleComparison()
        var properties = 0, closed = 0, capped = 0, deployed = 0
        var failing: [String] = []
        let start = Date()
        for index in 0..<count {
            let generated = Date()
            let c = OracleCase.generate(seed: seed, index: index)
            let proved = Date()
            let result = OracleComparison.run(c, simulating: index % 4 == 0)
            if verbose {
                print(c.model.text + String(format: "// %d states%@, oracle %.2f s, prover %.2f s: %@", c.exploration.states.count,
                                            c.exploration.closed ? " (all)" : c.exploration.completeToBound ? "" : " (capped)",
                                            proved.timeIntervalSince(generated), Date().timeIntervalSince(proved),
                                            result.statuses.description))
            }
            properties += c.model.properties.count
            if c.model.constructor != nil { deployed += 1 }
            if c.exploration.closed { closed += 1 }
            if !c.exploration.completeToBound { capped += 1 }
            total.absorb(result)
            guard !result.failures.isEmpty else { continue }
            failing.append(c.model.name)
            Issue.record("""
            \(c.model.name) (seed \(seed), \(c.exploration.states.count) states explored\(c.exploration.completeToBound ? "" : ", capped before depth \(OracleCase.depth)")):
            \(result.failures.map { "  - " + $0 }.joined(separator: "\n"))
            \(c.model.text)
            """)
        }
        let depth = OracleCase.depth
        let counts = total.statuses.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
        // About three in ten models start from a constructor: both readers' deployments are compared too.
        if count >= 50 { #expect(deployed * 5 >= count, "only \(deployed) of \(count) models have a constructor") }
        print("oracle: \(count) models (seed \(seed); \(deployed) with a constructor; \(closed) explored to every reachable state, \(capped) capped before depth \(depth)), "
              + "\(properties) properties: \(counts) (unknown: \(total.trueUnknowns.count) true, "
              + "\(total.unknownFailingDeeper.count) failing beyond depth \(depth), \(total.unknownUnsettled.count) not settled by the oracle, "
              + "\(total.undecidedFailing.count) failing within depth \(depth) but left undecided by the solver); "
              + "\(failing.count) models with refuted verdicts (\(list(failing))); "
              + "true but unknown: \(list(total.trueUnknowns)); proved by pdr: \(list(total.pdrProofs))"
              + (total.undecidedFailing.isEmpty ? "" : "; undecided by the solver: \(list(total.undecidedFailing))")
              + String(format: " (%.1f s)", Date().timeIntervalSince(start)))
    }

    @Test("generated deep models: every bug 5 to 10 steps deep is refuted at default settings, and no pdr proof is wrong")
    func deepModels() throws {
        let count = Int(try OracleTests.knob("TITAN_ORACLE_DEEP_MODELS", fallback: 18))
        let seed = try OracleTests.knob("TITAN_ORACLE_SEED", fallback: 0x7174_616E)
        var total = OracleComparison()
        var deepBugs = 0, trueInvariants = 0
        let start = Date()
        for index in 0..<count {
            let c = OracleCase.deep(seed: seed, index: index)
            // The oracle itself must see what the case was built for.
            let seen = c.verdicts["inv0"]?.violation
            if c.deepBug {
                let depth = try #require(seen?.depth, "\(c.model.name): the oracle sees no violation\n\(c.model.text)")
                #expect((5...10).contains(depth), "\(c.model.name): violated at depth \(depth)\n\(c.model.text)")
                deepBugs += 1
            } else {
                #expect(seen == nil && c.holdsEverywhere(c.model.properties[0]), "\(c.model.name): not true everywhere\n\(c.model.text)")
                trueInvariants += 1
            }
            // A deep bug gets the default budget (the search stops when it finds it); a true
            // invariant would spend all of it for nothing.
            let result = OracleComparison.run(c, simulating: true, simulationSeconds: c.deepBug ? 5 : 0.5)
            total.absorb(result)
            if ProcessInfo.processInfo.environment["TITAN_ORACLE_VERBOSE"] == "1" { print(c.model.text + "// \(result.statuses)") }
            if !result.failures.isEmpty {
                Issue.record("\(c.model.name) (seed \(seed)):\n\(result.failures.map { "  - " + $0 }.joined(separator: "\n"))\n\(c.model.text)")
            }
        }
        // Spacer proves parity and mutual exclusion; what it proves is re-checked by induction.
        if trueInvariants > 0 { #expect(!total.pdrProofs.isEmpty, "no true invariant proved by pdr") }
        print("oracle, deep models: \(count) (seed \(seed)): \(deepBugs) with a bug 5 to 10 steps deep, \(trueInvariants) true and not inductive; "
              + total.statuses.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
              + "; proved by pdr: \(total.pdrProofs.count); true but unknown: \(total.trueUnknowns.isEmpty ? "none" : total.trueUnknowns.joined(separator: ", "))"
              + String(format: " (%.1f s)", Date().timeIntervalSince(start)))
    }

    /// A view is expanded where it is used, so its arithmetic is the arithmetic of that place:
    /// wrapping inside `unchecked`, even in a checked model.
    @Test("a view used inside unchecked wraps: x goes from 255 to 0 and never_zero is violated")
    func viewInsideUncheckedWraps() throws {
        let spec = """
        model ViewUnchecked {
          arithmetic checked
          state x: uint8 = 255
          view next(a: uint8): uint8 = (a + 1)
          action bump() {
            unchecked {
              x = next(x)
            }
          }
          invariant never_zero: (x != 0)
        }

        """
        let a = OExpr.local(slot: 0, name: "a"), x = OExpr.state(0)
        let model = OModel(
            name: "ViewUnchecked", checked: true,
            stateVars: [OStateVar(name: "x", sort: .uint(8), initial: .uint(255))],
            views: [OView(name: "next", params: [OParam(name: "a", sort: .uint(8))], sort: .uint(8),
                          body: .arith(.add, a, .number(1), width: 8))],
            actions: [OAction(name: "bump", params: [], body: [.unchecked([.assign(0, keys: [], .call(0, [x], post: false))])], frameSize: 0)],
            properties: [OProperty(name: "never_zero", kind: .invariant, params: [], body: .compare(.ne, x, .number(0)))])
        #expect(model.text == spec)
        let exploration = OExploration(model, bound: OracleCase.depth, stateCap: OracleCase.stateCap)
        let verdict = model.verdicts(model.properties, in: exploration, budget: OracleCase.evaluationBudget)[0]
        let seen = try #require(verdict.violation, "the oracle itself must see 255 + 1 wrap to 0")
        #expect(seen.depth == 1)

        let c = OracleCase(model: model, exploration: exploration, verdicts: ["never_zero": verdict])
        let parsed = try SpecLoader.parse(text: spec, path: "ViewUnchecked.tspec").models[0]
        let result = try #require(Prover(model: parsed, specPath: "ViewUnchecked.tspec", options: OracleComparison.proverOptions(simulating: true)).verify().first)
        #expect(result.status == .violated, "\(result.status) (\(result.method)) \(result.reason ?? "")\n\(model.text)")
        var comparison = OracleComparison()
        #expect(comparison.judge(result, model.properties[0], c) == nil)
    }
}
