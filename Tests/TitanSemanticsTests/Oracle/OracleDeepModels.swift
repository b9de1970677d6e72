import TitanTestSupport
/// Generated models for what the random generator rarely writes: a bug 5 to 10 related steps
/// deep, and true invariants that are not inductive. Built as the oracle's own AST, so the
/// oracle explores them exhaustively as it does every generated model.
///
/// - A **protocol** advances a stage through gates, each taking one exact argument, in order,
///   and has distractions (a reset, a step that changes nothing). The invariant that the last
///   stage is never reached, possibly with a flag raised on the way, is violated 5 to 10
///   steps deep: within no default bound, so only the search past it can refute it.
/// - A **parity** counter moves by even steps and is never odd: true, and not inductive.
/// - A **mutex** with a stuttering action keeps two owners apart: true, and not inductive.
extension OracleCase {
    /// Which deep kind model `index` is: every third a parity or mutex model, the rest protocols.
    static func deep(seed: UInt64, index: Int) -> OracleCase {
        var rng = OracleRandom(seed: seed ^ (UInt64(index) &* 0x2545_F491_4F6C_DD1D))
        let name = "Deep\(index)"
        let model: OModel
        switch index % 3 {
        case 0, 1: model = protocolModel(name, &rng)
        default: model = rng.chance(0.5) ? parityModel(name, &rng) : mutexModel(name, &rng)
        }
        let exploration = OExploration(model, bound: depth, stateCap: 4000)
        let decided = model.verdicts(model.properties, in: exploration, budget: 400_000)
        return OracleCase(model: model, exploration: exploration,
                          verdicts: Dictionary(uniqueKeysWithValues: zip(model.properties.map(\.name), decided)), deepBug: index % 3 != 2)
    }

    private static func protocolModel(_ name: String, _ rng: inout OracleRandom) -> OModel {
        // stage: 0, raised: 1
        let stage = OExpr.state(0), x = OExpr.local(slot: 0, name: "x")
        let withFlag = rng.chance(0.5)
        let gates = withFlag ? 4 + rng.below(6) : 5 + rng.below(6)
        var actions: [OAction] = []
        for i in 0..<gates {
            var body: [OStmt] = [.require(.compare(.eq, stage, .number(i)))]
            var params: [OParam] = []
            if rng.chance(0.75) {
                params = [OParam(name: "x", sort: .uint(8))]
                body.append(.require(.compare(.eq, x, .number(rng.below(256)))))
            }
            body.append(.assign(0, keys: [], .arith(.add, stage, .number(1), width: 8)))
            actions.append(OAction(name: "gate\(i)", params: params, body: body, frameSize: params.count))
        }
        if withFlag {
            actions.append(OAction(name: "raise", params: [], body: [
                .require(.compare(.ge, stage, .number(1 + rng.below(gates)))), .assign(1, keys: [], .bool(true)),
            ], frameSize: 0))
        }
        if rng.chance(0.5) {
            actions.append(OAction(name: "reset", params: [], body: [.assign(0, keys: [], .number(0)), .assign(1, keys: [], .bool(false))], frameSize: 0))
        }
        actions.append(OAction(name: "idle", params: [], body: [.copy(1, from: 1)], frameSize: 0))
        let last = OExpr.compare(.eq, stage, .number(gates))
        let invariant = withFlag ? OExpr.not(.logic(.and, last, .state(1))) : OExpr.not(last)
        return OModel(name: name, checked: rng.chance(0.5),
                      stateVars: [OStateVar(name: "stage", sort: .uint(8), initial: nil), OStateVar(name: "raised", sort: .bool, initial: nil)],
                      actions: actions.shuffled(using: &rng),
                      properties: [OProperty(name: "inv0", kind: .invariant, params: [], body: invariant)])
    }

    private static func parityModel(_ name: String, _ rng: inout OracleRandom) -> OModel {
        let a = OExpr.state(0)
        let cap = 20 + 2 * rng.below(10)
        let steps = [2, 4, 6].shuffled(using: &rng).prefix(2)
        var actions = steps.map { k in
            OAction(name: "up\(k)", params: [], body: [.require(.compare(.lt, a, .number(cap))), .assign(0, keys: [], .arith(.add, a, .number(k), width: 8))], frameSize: 0)
        }
        actions.append(OAction(name: "down2", params: [], body: [.require(.compare(.ge, a, .number(2))), .assign(0, keys: [], .arith(.sub, a, .number(2), width: 8))], frameSize: 0))
        let odd = 1 + 2 * rng.below(cap / 2)
        return OModel(name: name, checked: true, stateVars: [OStateVar(name: "a", sort: .uint(8), initial: nil)],
                      actions: actions.shuffled(using: &rng),
                      properties: [OProperty(name: "inv0", kind: .invariant, params: [], body: .compare(.ne, a, .number(odd)))])
    }

    private static func mutexModel(_ name: String, _ rng: inout OracleRandom) -> OModel {
        // locked: 0, ownerA: 1, ownerB: 2
        let locked = OExpr.state(0)
        func acquire(_ who: Int, _ n: String) -> OAction {
            OAction(name: "acquire\(n)", params: [], body: [.require(.not(locked)), .assign(0, keys: [], .bool(true)), .assign(who, keys: [], .bool(true))], frameSize: 0)
        }
        func release(_ who: Int, _ n: String) -> OAction {
            OAction(name: "release\(n)", params: [], body: [.require(.state(who)), .assign(who, keys: [], .bool(false)), .assign(0, keys: [], .bool(false))], frameSize: 0)
        }
        let actions = [acquire(1, "A"), acquire(2, "B"), release(1, "A"), release(2, "B"),
                       OAction(name: "stutter", params: [], body: [.copy(0, from: 0)], frameSize: 0)]
        return OModel(name: name, checked: rng.chance(0.5),
                      stateVars: [OStateVar(name: "locked", sort: .bool, initial: nil), OStateVar(name: "ownerA", sort: .bool, initial: nil),
                                  OStateVar(name: "ownerB", sort: .bool, initial: nil)],
                      actions: actions.shuffled(using: &rng),
                      properties: [OProperty(name: "inv0", kind: .invariant, params: [], body: .not(.logic(.and, .state(1), .state(2))))])
    }
}
