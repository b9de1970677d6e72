import TitanTestSupport
import BigInt
import Testing
import TitanInterp
@testable import TitanProver
import TitanSMT

/// `sqrt(x)`: the floor square root in both readers. The concrete reader takes BigUInt's; the
/// symbolic one a fresh unknown pinned by `r * r <= x < (r + 1) * (r + 1)`, over integers and
/// over bit-vectors. Both are checked here against every uint8 and int8 value.
@Suite("sqrt in both readers", .watched)
struct SquareRootTests {
    static let pool = """
    model Pool {
      arithmetic checked
      state liquidity: uint256
      state reserve0: uint112
      state reserve1: uint112
      action firstMint(a: uint112, b: uint112) {
        require liquidity == 0
        require a > 0 && b > 0
        liquidity = sqrt(uint256(a) * uint256(b))
        reserve0 = a
        reserve1 = b
      }
      rule root_is_floor on firstMint(a, b):
        !reverted ==> liquidity' * liquidity' <= a * b && a * b < (liquidity' + 1) * (liquidity' + 1)
      rule root_between_the_reserves on firstMint(a, b):
        !reverted ==> liquidity' <= max(a, b) && liquidity' >= min(a, b)
      rule not_exact on firstMint(a, b):
        !reverted ==> liquidity' * liquidity' == a * b
      invariant liquidity_iff_reserves: (liquidity == 0) == (reserve0 == 0)
    }
    """

    @Test("Uniswap's first mint: the floor is proved, the root between the reserves, and an exact root refuted with a replayed trace")
    func firstMint() throws {
        let r = try verifiedByName(Self.pool, ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0))
        #expect(r["root_is_floor"]?.status == .proved && r["root_between_the_reserves"]?.status == .proved)
        #expect(r["liquidity_iff_reserves"]?.status == .proved)
        let refuted = try #require(r["not_exact"])
        #expect(refuted.status == .violated && refuted.counterexample?.replayed == true)
    }

    @Test("the symbolic root equals the concrete one for every uint8 and int8, over integers and over bit-vectors",
          arguments: [false, true])
    func everyByte(bitVectors: Bool) throws {
        let model = try parseModel("model M {\n  state x: uint8\n}\n")
        let concrete = ConcreteDomain()
        for signed in [false, true] {
            let q = Query(model: model, timeoutMilliseconds: 20_000, bitVectors: bitVectors)
            let x = q.z3.constant("x", bitVectors ? q.z3.bitVectorSort(8) : q.z3.intSort())
            let r = q.domain.sqrt(x, width: 8, signed: signed)
            // One query per value: x is that value and r is anything but the concrete root.
            for n in 0..<256 {
                let value = signed && n >= 128 ? BigInt(n) - 256 : BigInt(n)
                let expected = concrete.sqrt(.bits(BigUInt(n)), width: 8, signed: signed).asBits
                let s = q.z3.makeSolver(timeoutMilliseconds: 20_000)
                for f in q.domain.rangeFacts { s.assert(f) }
                s.assert(q.z3.eq(x, bitVectors ? q.z3.bitVector(BigUInt(n), width: 8) : q.z3.integer(Int(value))))
                s.assert(q.z3.not(q.z3.eq(r, bitVectors ? q.z3.bitVector(expected, width: 8) : q.z3.integer(expected))))
                guard case .unsat = try s.check() else {
                    Issue.record("sqrt(\(value)) is not only \(expected) (signed \(signed), bit-vectors \(bitVectors))")
                    return
                }
            }
            #expect(concrete.sqrt(.bits(200), width: 8, signed: false).asBits == 14)
            #expect(concrete.sqrt(.bits(251), width: 8, signed: true).asBits == 0, "int8 -5 has no root: 0")
        }
    }
}
