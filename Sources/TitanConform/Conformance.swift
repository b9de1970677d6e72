import BigInt
import Foundation
import TitanIR
import TitanInterp

/// Runs the same action sequences on the reference interpreter and on an implementation, side
/// by side, and compares after every step: completion or revert, the returned value, and each
/// observed state variable at every key the sequence touched (and the zero key). The first
/// difference is a divergence, shrunk while it still diverges, and replayable.
public final class Conformance {
    public let model: Model
    public let mapping: ConformMapping
    public let target: ConformTarget
    let interpreter: Interpreter
    let binding: Binding
    /// Calls made on the implementation so far (actions and getters), for speed figures.
    public private(set) var calls = 0
    public private(set) var runs = 0
    /// The model's side of the latest run, and its steps, for coverage.
    var lastModelRun: ModelRun?
    var lastSteps: [Step] = []

    public init(model: Model, mapping: ConformMapping, target: ConformTarget, mappingFile: String? = nil) throws {
        self.model = model; self.mapping = mapping; self.target = target
        interpreter = Interpreter(model: model)
        binding = try Binding(model: model, mapping: mapping, functions: try target.functions(), mappingFile: mappingFile)
        if binding.calls.isEmpty { throw TargetError("no action of model \(model.name) maps to a function of the implementation") }
    }

    // MARK: One sequence

    /// The deployment: the constructor's step (its arguments from the mapping, the deployer,
    /// the deployment time), or none for a model without one.
    public var deployment: Step? {
        guard let c = model.constructor else { return nil }
        var args: [String: Value] = [:]
        for p in c.params {
            switch p.name {
            case Environment.sender: args[p.name] = .bits(mapping.deployer)
            case Environment.timestamp: args[p.name] = .bits(mapping.deployTime)
            default: args[p.name] = p.sort == .bool ? .bool(mapping.modelConstructorArgs[p.name].map { $0 != 0 } ?? false)
                : .bits(mapping.modelConstructorArgs[p.name] ?? 0)
            }
        }
        return Step(action: c.name, args: args)
    }

    /// The observations after every step of `steps`: each observed variable at every key of its
    /// sort that the sequence uses (arguments, callers, the deployer) and at zero.
    func observations(for steps: [Step], deploy: Step?) -> [(label: String, variable: Binding.Observed, keys: [Value])] {
        var used: [Sort: [Value]] = [.address: [.bits(0), deploy?.args[Environment.sender] ?? .bits(mapping.deployer)]]
        for step in steps + (deploy.map { [$0] } ?? []) {
            if let action = model.action(step.action) { ArgumentPools.remember(step, action, in: &used) }
        }
        var out: [(String, Binding.Observed, [Value])] = []
        for o in binding.observed {
            var combos: [[Value]] = [[]]
            for k in o.keys {
                let values = (used[k] ?? []).contains(Value.zero(k)) ? used[k]! : (used[k] ?? []) + [Value.zero(k)]
                combos = combos.flatMap { c in values.map { c + [$0] } }
            }
            for keys in combos.prefix(64) {
                let label = o.variable.name + keys.enumerated().map { "[\($0.element.rendered(as: o.keys[$0.offset]))]" }.joined()
                out.append((label, o, keys))
            }
        }
        return out
    }

    struct ModelRun {
        var deployed: Bool
        var deployState: ConcreteState
        /// Per step: completed, returned value, the state after.
        var steps: [(ok: Bool, result: Value?, state: ConcreteState)]
    }

    func runModel(_ steps: [Step], deploy: Step?) throws -> ModelRun {
        var state = interpreter.initialState()
        var deployed = true
        if let d = deploy {
            let out = try interpreter.step(d, from: state)
            deployed = out.ok.asBool
            state = out.state
        }
        var results: [(Bool, Value?, ConcreteState)] = []
        guard deployed else { return ModelRun(deployed: false, deployState: state, steps: []) }
        let deployState = state
        for st in steps {
            let out = try interpreter.step(st, from: state)
            let ok = out.ok.asBool
            if ok { state = out.state }
            results.append((ok, out.result, state))
        }
        return ModelRun(deployed: true, deployState: deployState, steps: results)
    }

    func plan(_ steps: [Step], deploy: Step?, _ observe: [(label: String, variable: Binding.Observed, keys: [Value])]) -> TargetPlan {
        var time = deploy?.args[Environment.timestamp]?.asBits ?? mapping.deployTime
        let deployer = deploy?.args[Environment.sender]?.asBits ?? mapping.deployer
        let deployCall = TargetCall(function: "", args: mapping.constructorArgs ?? (model.constructor?.params ?? [])
            .filter { Environment.names[$0.name] == nil }
            .map { p in Binding.encode(deploy!.args[p.name]!, p.sort) }, sender: deployer, timestamp: time)
        let calls = steps.map { st -> TargetCall in
            let call = binding.calls[st.action]!
            if case .bits(let t)? = st.args[Environment.timestamp] { time = max(time, t) }
            let sender = st.args[Environment.sender]?.asBits ?? mapping.deployer
            let args = call.args.map { a -> ProtocolValue in
                switch a {
                case .param(let p): return Binding.encode(st.args[p.name]!, p.sort)
                case .contract(let c): return .string("@" + c)
                }
            }
            return TargetCall(function: call.function, args: args,
                              sender: sender, timestamp: time)
        }
        return TargetPlan(contracts: mapping.contracts.map { ($0.name, $0.args) }, deploy: deployCall, steps: calls,
                          observe: observe.map { o in (o.variable.getter, zip(o.keys, o.variable.keys).map { Binding.encode($0, $1) }) })
    }

    /// The first difference between the model and the implementation on `steps` after
    /// `deploy` (the mapping's deployment when nil), or nil.
    public func firstDivergence(_ steps: [Step], deploy: Step? = nil) throws -> Divergence? {
        let deploy = deploy ?? deployment
        let observe = observations(for: steps, deploy: deploy)
        let modelRun = try runModel(steps, deploy: deploy)
        lastModelRun = modelRun
        lastSteps = steps
        let implRun = try target.run(plan(steps, deploy: deploy, observe))
        runs += 1
        calls += 1 + observe.count + implRun.steps.count * (1 + observe.count)
        func describe(_ i: Int) -> String {
            i == 0 ? (deploy.map { render($0) } ?? "deployment") : render(steps[i - 1])
        }
        func compare(_ state: ConcreteState, _ values: [ProtocolValue], at i: Int) -> Divergence? {
            for (o, v) in zip(observe, values) {
                var m = state[o.variable.variable.name]
                for k in o.keys { m = m.asMap[k] }
                if !Binding.same(m, v, o.variable.valueSort) {
                    return Divergence(step: i, call: describe(i), observation: o.label, variable: o.variable.variable.name,
                                      model: m.rendered(as: o.variable.valueSort), implementation: v.description)
                }
            }
            return nil
        }
        if modelRun.deployed == implRun.deployReverted {
            return Divergence(step: 0, call: describe(0), observation: "reverted", variable: nil,
                              model: modelRun.deployed ? "completes" : "reverts", implementation: implRun.deployReverted ? "reverts" : "completes")
        }
        guard modelRun.deployed else { return nil }
        if let d = compare(modelRun.deployState, implRun.deployObservations, at: 0) { return d }
        for (i, (m, t)) in zip(modelRun.steps, implRun.steps).enumerated() {
            if m.ok == t.reverted {
                return Divergence(step: i + 1, call: describe(i + 1), observation: "reverted", variable: nil,
                                  model: m.ok ? "completes" : "reverts", implementation: t.reverted ? "reverts" : "completes")
            }
            if m.ok, let action = model.action(steps[i].action), let sort = action.returns, let r = m.result, let got = t.returned?.first,
               !Binding.same(r, got, sort) {
                return Divergence(step: i + 1, call: describe(i + 1), observation: "returned", variable: nil,
                                  model: r.rendered(as: sort), implementation: got.description)
            }
            if let d = compare(m.state, t.observations, at: i + 1) { return d }
        }
        return nil
    }

    /// The documented divergence a difference is, if any.
    public func known(_ d: Divergence, _ steps: [Step]) -> ConformMapping.KnownDivergence? {
        let action = d.step == 0 ? Action.constructorName : steps[d.step - 1].action
        return mapping.known.first { k in
            (k.action == nil || k.action == action) && (k.observation == nil || k.observation == d.observation || k.observation == d.variable)
        }
    }

    public func render(_ step: Step) -> String {
        guard let action = model.action(step.action) else { return step.action }
        let params = action.params.filter { Environment.names[$0.name] == nil }
        var text = "\(step.action)(" + params.map { "\($0.name) = \(step.args[$0.name]?.rendered(as: $0.sort) ?? "?")" }.joined(separator: ", ") + ")"
        if let s = step.args[Environment.sender] { text += " from \(s.rendered(as: .address))" }
        if let t = step.args[Environment.timestamp] { text += " at \(t)" }
        return text
    }
}

/// Where the model and the implementation first differ.
public struct Divergence: Codable, Hashable, Sendable {
    /// 0 for the deployment, else the 1-based step.
    public var step: Int
    /// The call, as written in a trace.
    public var call: String
    /// `reverted`, `returned`, or the observation (`balances[0x…01]`).
    public var observation: String
    /// The state variable observed, for an observation.
    public var variable: String?
    public var model: String
    public var implementation: String

    public var summary: String {
        switch observation {
        case "reverted": return "the model \(model == "reverts" ? "reverts" : "completes"), the implementation \(implementation == "reverts" ? "reverts" : "completes")"
        case "returned": return "returned: model \(model), implementation \(implementation)"
        default: return "\(observation): model \(model), implementation \(implementation)"
        }
    }
}
