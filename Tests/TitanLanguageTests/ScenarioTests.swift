import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// `scenario` blocks are the spec's unit tests: concrete runs from the initial state, checked by
/// the interpreter and reported like properties.
@Suite("Scenarios", .watched)
struct ScenarioTests {
    static let coin = """
    model Coin {
      arithmetic checked
      state balances: map<address, uint256>
      state supply: uint256
      action mint(to: address, amount: uint256) { supply = supply + amount  balances[to] = balances[to] + amount }
      action transfer(from: address, to: address, amount: uint256) {
        require balances[from] >= amount
        balances[from] = balances[from] - amount
        balances[to] = balances[to] + amount
      }
      invariant supply_is_sum: supply == sum(balances)
      scenario pay_then_overdraw {
        mint(0x01, 100)
        transfer(0x01, 0x02, 30)
        expect balances[0x01] == 70 && balances[0x02] == 30
        transfer(0x02, 0x03, 31) reverts
        expect supply == 100
      }
      scenario overdraw_expected_to_complete {
        mint(0x01, 5)
        transfer(0x01, 0x02, 6)
      }
      scenario wrong_balance {
        mint(0x01, 5)
        expect balances[0x01] == 6
      }
      scenario completes_though_marked_reverting {
        mint(0x01, 5)
        transfer(0x01, 0x02, balances[0x01]) reverts
      }
    }
    """

    static func verify(_ text: String) throws -> [String: PropertyResult] {
        try verifiedByName(text, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
    }

    @Test("a scenario that goes as written passes; calls marked reverts must revert")
    func passingScenario() throws {
        let r = try #require(try Self.verify(Self.coin)["pay_then_overdraw"])
        #expect(r.kind == "scenario")
        #expect(r.status == .proved)
        #expect(r.method == "scenario (3 calls, 2 expectations, concrete run)")
        #expect(r.queries.isEmpty, "a scenario asks the solver nothing")
    }

    @Test("a call that reverts, a false expectation, or a marked call that completes fails the scenario with its run")
    func failingScenarios() throws {
        let r = try Self.verify(Self.coin)
        let overdraw = try #require(r["overdraw_expected_to_complete"])
        #expect(overdraw.status == .violated)
        #expect(overdraw.reason?.contains("call 2, transfer") == true && overdraw.reason?.contains("reverted") == true)
        let steps = try #require(overdraw.counterexample?.steps)
        #expect(steps.map(\.action) == ["mint", "transfer"])
        #expect(steps.map(\.propertyHolds) == [true, false])

        let wrong = try #require(r["wrong_balance"])
        #expect(wrong.status == .violated)
        #expect(wrong.reason?.contains("expectation") == true)

        // The argument is read in the state before the call: 5, which the sender holds.
        let marked = try #require(r["completes_though_marked_reverting"])
        #expect(marked.status == .violated)
        #expect(marked.reason?.contains("completed where the scenario says it reverts") == true)
    }

    @Test("the caller and the time are given with from and at, and time never goes back")
    func callerAndTime() throws {
        let r = try Self.verify("""
        model Owned {
          state owner: address = 0x07
          state unlockedAt: uint64 = 100
          state value: uint8
          action set(v: uint8) {
            require msg.sender == owner && block.timestamp >= unlockedAt
            value = v
          }
          scenario owner_after_unlock {
            set(1) from 0x07 at 50 reverts
            set(2) from 0x08 at 150 reverts
            set(3) from 0x07 at 150
            expect value == 3
            set(4) from 0x07 at 120 reverts
          }
        }
        """)
        let s = try #require(r["owner_after_unlock"])
        #expect(s.status == .proved, "\(s.reason ?? "")")
    }

    @Test("bad scenarios are diagnostics at file:line:column")
    func diagnostics() throws {
        func errors(_ body: String) -> [String] {
            let text = "model M {\n  state x: uint8\n  action set(v: uint8) { x = v }\n\(body)\n}"
            do { _ = try SpecLoader.parse(text: text, path: "bad.tspec"); return [] } catch let e as SpecErrors {
                return e.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
            } catch { return ["\(error)"] }
        }
        #expect(errors("  scenario s { nope(1) }") == ["4:16: unknown action 'nope' in scenario 's'"])
        #expect(errors("  scenario s { set(1, 2) }") == ["4:16: 'set' takes 1 argument, found 2"])
        #expect(errors("  scenario s { set(true) }").first?.hasPrefix("4:20:") == true)
        #expect(errors("  scenario s { set(1) from 0x01 }") == ["4:28: 'from' and 'at' give the caller and the time, which this model does not use"])
        #expect(errors("  scenario s { set(1)\n  expect x }").first?.hasPrefix("5:10:") == true)
        #expect(errors("  scenario s { set(1)") .first?.contains("'}' to close model 'M'") == true)
    }
}
