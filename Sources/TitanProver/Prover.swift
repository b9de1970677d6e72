import BigInt
import Crypto
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

public struct ProverOptions: Sendable {
    /// Bounded model checking explores traces of up to this many actions.
    public var depth: Int
    /// Per-query solver timeout.
    public var timeoutSeconds: Double
    /// When set, every query is written there as a standalone SMT-LIB2 file.
    public var emitDirectory: String?
    /// Checking proof certificates: query name to the SHA-256 of its text, for queries a certificate
    /// records as unsat. When set, the solver is never called: a query whose name and hash match is
    /// answered unsat from the certificate, any other query unknown ("not certified").
    public var certifiedQueries: [String: String]?
    public init(depth: Int = 4, timeoutSeconds: Double = 30, emitDirectory: String? = nil,
                certifiedQueries: [String: String]? = nil) {
        self.depth = depth; self.timeoutSeconds = timeoutSeconds; self.emitDirectory = emitDirectory
        self.certifiedQueries = certifiedQueries
    }
}

/// Hex SHA-256 of a text's UTF-8 bytes: how certificates name specs and queries.
public func sha256Hex(_ text: String) -> String { sha256Hex(Data(text.utf8)) }

public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

/// Discharges a model's properties: invariants by induction, then bounded model checking from the
/// initial state; rules from any state satisfying the proved invariants. Every counterexample is
/// replayed by the interpreter before it is reported.
public final class Prover {
    public let model: Model
    public let specPath: String
    public let options: ProverOptions
    let interpreter: Interpreter
    public static var solverName: String { "z3 \(Z3Context.version)" }

    public init(model: Model, specPath: String, options: ProverOptions = ProverOptions()) {
        self.model = model
        self.specPath = specPath
        self.options = options
        self.interpreter = Interpreter(model: model)
    }

    enum Answer {
        case unsat
        case sat(Query, Z3Model)
        case unknown(String)
    }

    /// Builds one query, writes its SMT-LIB2 text when asked, and solves it.
    func solve(_ name: String, _ description: String, records: inout [QueryRecord], build: (Query) -> Void) -> Answer {
        let q = Query(model: model, timeoutMilliseconds: Int(options.timeoutSeconds * 1000))
        build(q)
        q.assertRangeFacts()
        // Always built: certificates name every query by the hash of this exact text.
        let text = q.solver.smtlib2(logic: q.logic)
        let hash = sha256Hex(text)
        let start = DispatchTime.now().uptimeNanoseconds
        let answer: Answer
        var fromCertificate: Bool?
        if let certified = options.certifiedQueries {
            fromCertificate = certified[name] == hash ? true : nil
            answer = fromCertificate == true ? .unsat : .unknown("not certified")
        } else {
            do {
                switch try q.solver.check() {
                case .unsat: answer = .unsat
                case .sat(let m): answer = .sat(q, m)
                case .unknown(let why): answer = .unknown(why)
                }
            } catch {
                answer = .unknown("solver error: \(error)")
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let verdict: String
        switch answer {
        case .unsat: verdict = "unsat"
        case .sat: verdict = "sat"
        case .unknown(let why): verdict = "unknown: \(why)"
        }
        var file: String?
        if let dir = options.emitDirectory {
            let fileName = "\(model.name).\(name).smt2".replacingOccurrences(of: "/", with: "_")
            let path = (dir as NSString).appendingPathComponent(fileName)
            let header = [
                "Titan Verify query: \(model.name).\(description)",
                "spec: \(specPath)",
                fromCertificate == true
                    ? "verdict: \(verdict) (from a proof certificate; \(Prover.solverName) was not called)"
                    : "\(Prover.solverName) verdict: \(verdict)",
                "unsat: the obligation holds; sat: a counterexample exists",
            ].map { "; " + $0 }.joined(separator: "\n")
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try (header + "\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
                file = path
            } catch {
                file = nil
            }
        }
        records.append(QueryRecord(name: name, verdict: verdict, seconds: seconds, file: file, sha256: hash,
                                   fromCertificate: fromCertificate))
        return answer
    }

    // MARK: Entry point

    public func verify() -> [PropertyResult] {
        var results: [String: PropertyResult] = [:]
        for r in verifyInvariants() { results[r.property] = r }
        let proved = model.invariants.filter { results[$0.name]?.status == .proved }
        for p in model.properties {
            if case .rule = p.kind { results[p.name] = verifyRule(p, assuming: proved) }
        }
        return model.properties.compactMap { results[$0.name] }
    }

    func result(_ p: Property, _ status: Status, method: String, reason: String? = nil,
                cex: Counterexample? = nil, seconds: Double, queries: [QueryRecord]) -> PropertyResult {
        let kind: String
        if case .rule = p.kind { kind = "rule" } else { kind = "invariant" }
        return PropertyResult(spec: specPath, model: model.name, property: p.name, kind: kind,
                              line: p.location.line, column: p.location.column, source: p.sourceText,
                              status: status, method: method, reason: reason, counterexample: cex,
                              solver: Prover.solverName, seconds: seconds, queries: queries)
    }

    // MARK: Invariants

    func verifyInvariants() -> [PropertyResult] {
        let invariants = model.invariants
        var records: [String: [QueryRecord]] = [:]
        var out: [String: PropertyResult] = [:]
        var started: [String: UInt64] = [:]
        func elapsed(_ n: String) -> Double { Double(DispatchTime.now().uptimeNanoseconds - started[n]!) / 1e9 }

        // Base case: the initial state satisfies the invariant.
        var candidates: [Property] = []
        for inv in invariants {
            started[inv.name] = DispatchTime.now().uptimeNanoseconds
            var recs: [QueryRecord] = []
            let answer = solve("\(inv.name).base", "\(inv.name): base case (initial state)", records: &recs) { q in
                let s0 = q.exec.initialState()
                q.solver.assert(q.z3.not(q.exec.evaluate(inv.body, in: .init(pre: s0))))
            }
            records[inv.name] = recs
            switch answer {
            case .unsat: candidates.append(inv)
            case .sat:
                out[inv.name] = confirmInvariantViolation(inv, steps: [], depth: 0, records: recs, seconds: elapsed(inv.name))
            case .unknown(let why):
                out[inv.name] = result(inv, .unknown, method: "base case", reason: "the solver could not decide the base case: \(why)",
                                       seconds: elapsed(inv.name), queries: recs)
            }
        }

        // Inductive step, Houdini-style: drop candidates that are not preserved assuming all
        // remaining candidates, until the set is stable; what remains is jointly inductive.
        var failures: [String: [String]] = [:]
        var changed = true
        while changed {
            changed = false
            for inv in candidates {
                for action in model.actions {
                    var recs = records[inv.name] ?? []
                    let answer = solve("\(inv.name).step.\(action.name)", "\(inv.name): inductive step for action \(action.name)", records: &recs) { q in
                        let pre = q.freshState("0")
                        for c in candidates { q.solver.assert(q.exec.evaluate(c.body, in: .init(pre: pre))) }
                        let args = q.freshArgs(action, tag: "0")
                        let run = q.exec.run(action, args: args, from: pre)
                        q.solver.assert(run.ok)
                        q.solver.assert(q.z3.not(q.exec.evaluate(inv.body, in: .init(pre: run.state))))
                        q.assumeSumBounds(pre)
                    }
                    records[inv.name] = recs
                    switch answer {
                    case .unsat: break
                    case .sat: failures[inv.name, default: []].append("not preserved by \(action.name)")
                    case .unknown(let why): failures[inv.name, default: []].append("solver could not decide the step for \(action.name): \(why)")
                    }
                }
            }
            let before = candidates.count
            candidates.removeAll { failures[$0.name] != nil }
            changed = candidates.count != before && !candidates.isEmpty
            if changed {
                // Re-check survivors under the smaller assumption set; drop their stale records.
                for c in candidates { records[c.name] = records[c.name].map { Array($0.prefix(1)) } }
            }
        }
        for inv in candidates {
            let others = candidates.filter { $0.name != inv.name }.map(\.name)
            let method = others.isEmpty ? "induction" : "induction (jointly with \(others.joined(separator: ", ")))"
            out[inv.name] = result(inv, .proved, method: method, seconds: elapsed(inv.name), queries: records[inv.name] ?? [])
        }

        // Bounded model checking from the initial state for the rest.
        for inv in invariants where out[inv.name] == nil {
            var recs = records[inv.name] ?? []
            var found: PropertyResult?
            var unknowns: [String] = []
            for depth in 1...max(1, options.depth) {
                let answer = solve("\(inv.name).bmc.\(depth)", "\(inv.name): violation reachable in \(depth) steps?", records: &recs) { q in
                    var s = q.exec.initialState()
                    for i in 0..<depth { s = q.transition(from: s, step: i).next }
                    q.solver.assert(q.z3.not(q.exec.evaluate(inv.body, in: .init(pre: s))))
                }
                if case .sat(let q, let m) = answer {
                    let steps = readSteps(q, m, depth: depth)
                    found = confirmInvariantViolation(inv, steps: steps, depth: depth, records: recs, seconds: elapsed(inv.name))
                    break
                }
                if case .unknown(let why) = answer { unknowns.append("depth \(depth): \(why)") }
            }
            if let found { out[inv.name] = found; continue }
            let why = (failures[inv.name] ?? []).joined(separator: "; ")
            let bmc = unknowns.isEmpty ? "no violation within \(options.depth) steps" :
                "no violation found within \(options.depth) steps (undecided at \(unknowns.joined(separator: ", ")))"
            out[inv.name] = result(inv, .unknown, method: "bmc depth \(options.depth)",
                                   reason: "not inductive (\(why)); \(bmc)", seconds: elapsed(inv.name), queries: recs)
        }
        return invariants.compactMap { out[$0.name] }
    }

    /// Reads the action sequence of a bounded trace from a model.
    func readSteps(_ q: Query, _ m: Z3Model, depth: Int) -> [Step]? {
        var steps: [Step] = []
        for i in 0..<depth {
            let sel = q.z3.constant("action@\(i)", q.z3.intSort())
            guard let idx = m.number(sel).map(Int.init), idx < model.actions.count else { return nil }
            let action = model.actions[idx]
            var args: [String: Value] = [:]
            for p in action.params {
                let t = q.z3.constant("\(action.name).\(p.name)@\(i)", q.domain.sort(p.sort))
                guard let v = q.concrete(t, p.sort, in: m) else { return nil }
                args[p.name] = v
            }
            steps.append(Step(action: action.name, args: args))
        }
        return steps
    }

    func render(_ s: ConcreteState) -> [NamedValue] {
        model.stateVars.map { NamedValue(name: $0.name, value: s.vars[$0.name]!.rendered(as: $0.sort)) }
    }

    func traceSteps(_ steps: [Step], _ states: [ConcreteState], holds: (ConcreteState) -> Bool) -> [TraceStep] {
        steps.enumerated().map { i, st in
            let action = model.action(st.action)!
            let before = states[i], after = states[i + 1]
            let changes = model.stateVars.compactMap { v -> Change? in
                let a = before.vars[v.name]!, b = after.vars[v.name]!
                return a == b ? nil : Change(variable: v.name, before: a.rendered(as: v.sort), after: b.rendered(as: v.sort))
            }
            let args = action.params.map { NamedValue(name: $0.name, value: st.args[$0.name]!.rendered(as: $0.sort)) }
            return TraceStep(action: st.action, args: args, changes: changes, propertyHolds: holds(after))
        }
    }

    /// Replays a solver trace concretely; only a trace that replays and violates is a counterexample.
    func confirmInvariantViolation(_ inv: Property, steps: [Step]?, depth: Int, records: [QueryRecord], seconds: Double) -> PropertyResult {
        let method = depth == 0 ? "base case" : "bmc depth \(depth)"
        guard let steps else {
            return result(inv, .error, method: method, reason: "internal error: could not read the trace from the solver's model",
                          seconds: seconds, queries: records)
        }
        do {
            let states = try interpreter.replay(steps, from: interpreter.initialState())
            guard !interpreter.holds(inv, in: states.last!) else {
                return result(inv, .error, method: method,
                              reason: "internal error: the solver's counterexample did not replay (the interpreter sees the invariant hold)",
                              seconds: seconds, queries: records)
            }
            let cex = Counterexample(initialState: render(states[0]), holdsInitially: interpreter.holds(inv, in: states[0]),
                                     steps: traceSteps(steps, states) { self.interpreter.holds(inv, in: $0) },
                                     ruleParams: [], lastReverted: nil, replayed: true)
            return result(inv, .violated, method: method, cex: cex, seconds: seconds, queries: records)
        } catch {
            return result(inv, .error, method: method,
                          reason: "internal error: the solver's counterexample did not replay: \(error)", seconds: seconds, queries: records)
        }
    }

    // MARK: Rules

    func verifyRule(_ rule: Property, assuming invariants: [Property]) -> PropertyResult {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        guard case .rule(let actionName, let argNames, let params) = rule.kind, let action = model.action(actionName) else {
            return result(rule, .error, method: "rule", reason: "internal error: rule without an action", seconds: 0, queries: [])
        }
        if let p = (action.params + params).first(where: { $0.sort.isMap }) {
            return result(rule, .error, method: "rule", reason: "parameter '\(p.name)' has a map type, which rules cannot quantify over",
                          seconds: 0, queries: [])
        }
        var recs: [QueryRecord] = []

        // The rule's unknowns, named so that a model can be read back.
        func frame(_ q: Query, pre: State<Term>, tag: String) -> (Executor<SymbolicDomain>.Frame, [String: Term], [String: Term]) {
            let args = q.freshArgs(action, tag: tag)
            var names: [String: Term] = [:]
            for (i, p) in action.params.enumerated() { names[argNames[i]] = args[p.name] }
            var ruleParams: [String: Term] = [:]
            for p in params {
                let t = q.z3.constant("\(rule.name).\(p.name)", q.domain.sort(p.sort))
                names[p.name] = t
                ruleParams[p.name] = t
            }
            let run = q.exec.run(action, args: args, from: pre)
            return (.init(pre: pre, post: run.state, names: names, reverted: q.z3.not(run.ok)), args, ruleParams)
        }

        let assumed = invariants.map(\.name)
        let method = assumed.isEmpty ? "rule" : "rule (assuming invariants \(assumed.joined(separator: ", ")))"
        let answer = solve("\(rule.name).rule", "\(rule.name): rule on \(action.name) from any state satisfying the proved invariants", records: &recs) { q in
            let pre = q.freshState("0")
            for inv in invariants { q.solver.assert(q.exec.evaluate(inv.body, in: .init(pre: pre))) }
            let (f, _, _) = frame(q, pre: pre, tag: "0")
            q.solver.assert(q.z3.not(q.exec.evaluate(rule.body, in: f)))
            q.assumeSumBounds(pre)
        }
        var firstReason: String
        switch answer {
        case .unsat: return result(rule, .proved, method: method, seconds: elapsed(), queries: recs)
        case .sat: firstReason = "fails from some state satisfying the invariants"
        case .unknown(let why): firstReason = "the solver could not decide the rule: \(why)"
        }

        // Look for a reachable violation: a trace of `depth` actions, then the rule's action.
        var unknowns: [String] = []
        for depth in 0..<max(1, options.depth) {
            let answer = solve("\(rule.name).bmc.\(depth + 1)", "\(rule.name): violation reachable after \(depth) steps?", records: &recs) { q in
                var s = q.exec.initialState()
                for i in 0..<depth { s = q.transition(from: s, step: i).next }
                let (f, _, _) = frame(q, pre: s, tag: "rule")
                q.solver.assert(q.z3.not(q.exec.evaluate(rule.body, in: f)))
            }
            switch answer {
            case .unsat: continue
            case .unknown(let why): unknowns.append("depth \(depth + 1): \(why)")
            case .sat(let q, let m):
                return confirmRuleViolation(rule, action: action, q: q, m: m, depth: depth, records: recs, seconds: elapsed())
            }
        }
        if !unknowns.isEmpty { firstReason += "; undecided at \(unknowns.joined(separator: ", "))" }
        return result(rule, .unknown, method: "bmc depth \(options.depth)",
                      reason: "\(firstReason); no violation reachable within \(options.depth) steps",
                      seconds: elapsed(), queries: recs)
    }

    func confirmRuleViolation(_ rule: Property, action: Action, q: Query, m: Z3Model, depth: Int,
                              records: [QueryRecord], seconds: Double) -> PropertyResult {
        guard case .rule(_, let argNames, let params) = rule.kind else { fatalError("unreachable: checked by caller") }
        let method = "bmc depth \(depth + 1)"
        func fail(_ why: String) -> PropertyResult {
            result(rule, .error, method: method, reason: "internal error: the solver's counterexample did not replay: \(why)",
                   seconds: seconds, queries: records)
        }
        guard let prefix = readSteps(q, m, depth: depth) else { return fail("unreadable model") }
        var args: [String: Value] = [:]
        var names: [String: Value] = [:]
        for (i, p) in action.params.enumerated() {
            let t = q.z3.constant("\(action.name).\(p.name)@rule", q.domain.sort(p.sort))
            guard let v = q.concrete(t, p.sort, in: m) else { return fail("unreadable argument \(p.name)") }
            args[p.name] = v
            names[argNames[i]] = v
        }
        var ruleParams: [NamedValue] = []
        for p in params {
            guard let v = q.concrete(q.z3.constant("\(rule.name).\(p.name)", q.domain.sort(p.sort)), p.sort, in: m) else {
                return fail("unreadable rule parameter \(p.name)")
            }
            names[p.name] = v
            ruleParams.append(NamedValue(name: p.name, value: v.rendered(as: p.sort)))
        }
        do {
            var states = try interpreter.replay(prefix, from: interpreter.initialState())
            let last = Step(action: action.name, args: args)
            let out = try interpreter.step(last, from: states.last!)
            let frame = Executor<ConcreteDomain>.Frame(pre: states.last!, post: out.state, names: names, reverted: .bool(!out.ok.asBool))
            let holds = interpreter.executor.evaluate(rule.body, in: frame).asBool
            guard !holds else { return fail("the interpreter sees the rule hold") }
            states.append(out.state)
            var steps = traceSteps(prefix + [last], states) { _ in true }
            steps[steps.count - 1].propertyHolds = false
            let cex = Counterexample(initialState: render(states[0]), holdsInitially: true, steps: steps,
                                     ruleParams: ruleParams, lastReverted: !out.ok.asBool, replayed: true)
            return result(rule, .violated, method: method, cex: cex, seconds: seconds, queries: records)
        } catch {
            return fail("\(error)")
        }
    }
}
