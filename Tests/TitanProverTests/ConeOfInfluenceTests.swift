import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver

/// The prover looks only at what a query can be about: an action that writes nothing an
/// invariant reads needs no induction step, and a query assumes the invariants that share state
/// with it, asking again with all of them when that is not enough.
@Suite("Cone of influence", .watched)
struct ConeOfInfluenceTests {
    static let options = ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0)

    @Test("an action that writes nothing an invariant reads makes no induction query for it")
    func untouchedStepsAreSkipped() throws {
        let r = try verifiedByName("""
        model Two {
          state a: uint8
          state b: uint8
          action setA(v: uint8) { require v < 100  a = v }
          action setB(v: uint8) { require v < 50  b = v }
          invariant a_small: a < 100
          invariant b_small: b < 50
        }
        """, Self.options)
        let a = try #require(r["a_small"]), b = try #require(r["b_small"])
        #expect(a.status == .proved && b.status == .proved)
        #expect(a.queries.map(\.name).contains("a_small.step.setA"))
        #expect(!a.queries.map(\.name).contains { $0.hasPrefix("a_small.step.setB") }, "\(a.queries.map(\.name))")
        #expect(!b.queries.map(\.name).contains { $0.hasPrefix("b_small.step.setA") }, "\(b.queries.map(\.name))")
    }

    @Test("a query assumes only the invariants that share state with it")
    func unrelatedInvariantsAreNotAssumed() throws {
        let r = try verifiedByName("""
        model Apart {
          state a: uint8
          state b: uint8
          action bumpA() { require a < 9  a = a + 1 }
          action bumpB() { require b < 9  b = b + 1 }
          invariant a_small: a < 10
          invariant b_small: b < 10
          rule bumpA_keeps_b on bumpA(): b' == b
        }
        """, Self.options)
        #expect(r.values.allSatisfy { $0.status == .proved }, "\(r.mapValues(\.status))")
        // One query per step, none asked again with the full set: the smaller one sufficed.
        let a = try #require(r["a_small"])
        #expect(a.queries.map(\.name).filter { $0.contains(".step.") } == ["a_small.step.bumpA"])
    }

    @Test("an invariant that needs an assumption outside the cone is asked again with every candidate, and proved")
    func lostProofIsRetriedWithEveryInvariant() throws {
        // x stays 0 only because y == z and z == 0; z_zero shares no state with x_zero or bump.
        let r = try verifiedByName("""
        model Chain {
          state x: uint8
          state y: uint8
          state z: uint8
          action bump() { x = x + y }
          action move(v: uint8) { require v == z  y = v }
          invariant x_zero: x == 0
          invariant y_is_z: y == z
          invariant z_zero: z == 0
        }
        """, Self.options)
        let x = try #require(r["x_zero"])
        #expect(x.status == .proved, "\(x.reason ?? "")")
        let names = x.queries.map(\.name)
        #expect(names.contains("x_zero.step.bump") && names.contains("x_zero.step.bump.all"), "\(names)")
    }

    @Test("reads and writes of actions and properties, sums and map writes included")
    func footprints() throws {
        let m = try parseModel("""
        model F {
          state m: map<address, uint256>
          state t: uint256
          state flag: bool
          action give(to: address, v: uint256) { if flag { m[to] = m[to] + v } else { t = v } }
          invariant total: t == sum(m)
        }
        """)
        let give = try #require(m.actions.first)
        #expect(give.stateWrites == ["m", "t"])
        #expect(give.stateReads == ["m", "flag"])
        #expect(m.invariants.first?.body.stateReads == ["t", "m"])
    }

    @Test("a query declares only the state it reads: no range fact, ghost or sum bound of other variables")
    func unreadStateIsNotDeclared() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try parseModel("""
        model Ledgers {
          arithmetic checked
          state bal0: map<address, uint256>
          state supply0: uint256
          state bal1: map<address, uint256>
          state supply1: uint256
          action mint0(to: address, amount: uint256) { supply0 = supply0 + amount  bal0[to] = bal0[to] + amount }
          action mint1(to: address, amount: uint256) { supply1 = supply1 + amount  bal1[to] = bal1[to] + amount }
          invariant supply0_is_sum: supply0 == sum(bal0)
          invariant supply1_is_sum: supply1 == sum(bal1)
        }
        """)
        var options = Self.options
        options.emitDirectory = dir.path
        let results = Prover(model: model, specPath: "inline.tspec", options: options).verify()
        #expect(results.allSatisfy { $0.status == .proved }, "\(results.map { "\($0.property) \($0.status) \($0.reason ?? "")" })")
        let step = try String(contentsOf: dir.appendingPathComponent("Ledgers.supply0_is_sum.step.mint0.smt2"), encoding: .utf8)
        #expect(step.contains("supply0@0") && step.contains("#sum.bal0@0"))
        #expect(!step.contains("supply1") && !step.contains("bal1"), "\(step)")
    }
}
