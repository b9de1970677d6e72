import TitanTestSupport
import BigInt
import Testing
import TitanIR
import TitanInterp
import TitanSemantics

/// The interpreter updates nested maps in place when it holds them alone. These tests pin
/// down that this never shows: states keep value semantics, and a reverted action leaves
/// exactly the state it started from.
@Suite("In-place execution keeps value semantics", .watched)
struct InPlaceExecutionTests {
    static let spec = """
    model Nested {
      arithmetic checked
      state m: map<address, map<uint8, uint256>>
      state total: uint256

      // Cannot revert: runs on the caller's state in place.
      action put(a: address, k: uint8, v: uint256) {
        m[a][k] = v
      }

      // Writes two nested entries, then reverts when the checked sum overflows.
      action put_then_check(a: address, k: uint8, v: uint256) {
        m[a][k] = v
        m[a][k + 1] = v
        total = total + v
      }
    }
    """

    func executor() throws -> Executor<ConcreteDomain> {
        Executor(model: try parseModel(InPlaceExecutionTests.spec), domain: ConcreteDomain())
    }

    static func a(_ n: Int) -> Value { .bits(BigUInt(n)) }

    @Test("running from a state leaves that state and every copy of it unchanged")
    func valueSemantics() throws {
        let exec = try executor()
        let put = try #require(exec.model.action("put"))
        var s0 = exec.initialState()
        s0 = exec.run(put, args: ["a": Self.a(1), "k": Self.a(2), "v": Self.a(3)], from: s0).state
        let copy = s0
        let nestedBefore = s0["m"].asMap[Self.a(1)]

        let s1 = exec.run(put, args: ["a": Self.a(1), "k": Self.a(2), "v": Self.a(4)], from: s0).state
        #expect(s1["m"].asMap[Self.a(1)].asMap[Self.a(2)] == Self.a(4))
        #expect(s0["m"].asMap[Self.a(1)].asMap[Self.a(2)] == Self.a(3))
        #expect(copy["m"] == s0["m"])
        #expect(nestedBefore.asMap[Self.a(2)] == Self.a(3))

        // The in-place entry point changes only the state it is handed.
        var s2 = s1
        let compiled = try #require(exec.compiled("put"))
        _ = exec.run(compiled, args: [Self.a(1), Self.a(2), Self.a(5)], state: &s2)
        #expect(s2["m"].asMap[Self.a(1)].asMap[Self.a(2)] == Self.a(5))
        #expect(s1["m"].asMap[Self.a(1)].asMap[Self.a(2)] == Self.a(4))
    }

    @Test("a reverted action leaves exactly its pre-state, nested writes included")
    func revertRestores() throws {
        let exec = try executor()
        let check = try #require(exec.compiled("put_then_check"))
        var s = exec.initialState()
        let max = Value.bits((BigUInt(1) << 256) - 1)
        #expect(exec.run(check, args: [Self.a(7), Self.a(1), max], state: &s).asBool)
        let before = s
        #expect(!exec.run(check, args: [Self.a(7), Self.a(9), Self.a(1)], state: &s).asBool)
        #expect(s["m"] == before["m"])
        #expect(s["total"] == before["total"])
        #expect(s["m"].asMap[Self.a(7)].asMap[Self.a(9)] == Value.bits(0))
        #expect(s["m"].asMap[Self.a(7)].asMap[Self.a(10)] == Value.bits(0))
    }

    @Test("writing an entry back to the default removes it, so equal maps are equal values")
    func canonicalMaps() throws {
        let exec = try executor()
        let put = try #require(exec.compiled("put"))
        var s = exec.initialState()
        let empty = s["m"]
        _ = exec.run(put, args: [Self.a(1), Self.a(2), Self.a(3)], state: &s)
        #expect(s["m"] != empty)
        _ = exec.run(put, args: [Self.a(1), Self.a(2), Self.a(0)], state: &s)
        #expect(s["m"] == empty)
        #expect(s["m"].asMap.entries.isEmpty)
        #expect(s["m"].hashValue == empty.hashValue)
    }
}
