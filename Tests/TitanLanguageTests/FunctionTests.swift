import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// Internal functions, expanded where called, and actions that return values rules read.
@Suite("Functions and action results", .watched)
struct FunctionTests {
    /// A reward-per-token pattern: `updateReward` is the modifier Solidity would paste in
    /// front of every action; `earned` is a view-like function that also returns a value.
    static let staking = """
    model Staking {
      arithmetic checked
      state staked: map<address, uint256>
      state paid: map<address, uint256>
      state owed: map<address, uint256>
      state perToken: uint256
      state calls: uint256

      function earned(who: address): uint256 {
        let fresh = staked[who] * (perToken - paid[who])
        return owed[who] + fresh
      }
      function updateReward(who: address) {
        owed[who] = earned(who)
        paid[who] = perToken
        calls = calls + 1
      }
      action notify(amount: uint256) { perToken = perToken + amount }
      action stake(who: address, amount: uint256) {
        updateReward(who)
        staked[who] = staked[who] + amount
      }
      action claim(who: address): uint256 {
        updateReward(who)
        let amount = owed[who]
        owed[who] = 0
        return amount
      }

      invariant paid_at_most_per_token(u: address): paid[u] <= perToken
      rule claim_pays_what_was_earned on claim(who):
        !reverted ==> result == owed[who] + staked[who] * (perToken - paid[who]) && owed'[who] == 0
      rule claim_pays_only_owed on claim(who): !reverted ==> result == owed[who] expect violated
      rule every_call_updates_once on stake(who, amount): !reverted ==> calls' == calls + 1
      scenario rewards {
        stake(0x01, 10)
        notify(3)
        claim(0x01)
        expect owed[0x01] == 0 && paid[0x01] == 3 && calls == 2
      }
    }
    """

    @Test("a modifier-like function and a returning action: rules on result are proved, a wrong one refuted with the value shown")
    func staking() throws {
        let r = try verifiedByName(Self.staking, ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0))
        #expect(r["paid_at_most_per_token"]?.status == .proved)
        #expect(r["claim_pays_what_was_earned"]?.status == .proved, "\(String(describing: r["claim_pays_what_was_earned"]?.reason))")
        #expect(r["every_call_updates_once"]?.status == .proved)
        #expect(r["rewards"]?.status == .proved)
        let wrong = try #require(r["claim_pays_only_owed"])
        #expect(wrong.status == .violated)
        let cex = try #require(wrong.counterexample)
        #expect(cex.replayed)
        let last = try #require(cex.steps.last)
        #expect(last.action == "claim")
        // The claim paid more than was owed before it: what it returned is shown, and is not zero.
        let returned = try #require(last.returned)
        #expect(returned != "0")
        #expect(cex.steps.filter { $0.action != "claim" }.allSatisfy { $0.returned == nil })
    }

    @Test("an expansion's names are its own: the caller's lets and the function's parameters of the same names do not meet")
    func noCapture() throws {
        let spec = """
        model C {
          state x: uint256
          state y: uint256
          function half(amount: uint256): uint256 {
            let fee = amount / 2
            x = fee
            return fee + 1
          }
          action go(amount: uint256) {
            unchecked {
              let fee = 7
              let back = half(amount * 2)
              y = fee + amount + back
            }
          }
          rule names_apart on go(amount): amount < 1000 ==> x' == amount && y' == 7 + amount + amount + 1
          scenario concrete { go(5) expect x == 5 && y == 18 }
        }
        """
        let r = try verifiedByName(spec, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
        #expect(r["names_apart"]?.status == .proved)
        #expect(r["concrete"]?.status == .proved)
    }

    @Test("a parameter named result in a rule over every action keeps its own value")
    func resultParameterOnAny() throws {
        let spec = """
        model M {
          state x: uint256
          action get(): uint256 { return 7 }
          rule every_value_is_seven(result: uint256) on any: result == 7
          rule get_returns_seven on get(): result == 7
        }
        """
        let r = try verifiedByName(spec, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
        #expect(r["every_value_is_seven"]?.status == .violated)
        #expect(r["get_returns_seven"]?.status == .proved)
    }

    @Test("a function keeps the model's checked arithmetic when called inside unchecked")
    func arithmeticIsTheModels() throws {
        let spec = """
        model A {
          arithmetic checked
          state x: uint8
          function bump(by: uint8) { x = x + by }
          action go(by: uint8) { unchecked { bump(by) } }
          rule overflow_reverts on go(by): x + by > 255 ==> reverted
        }
        """
        let r = try verifiedByName(spec, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
        #expect(r["overflow_reverts"]?.status == .proved)
    }

    @Test("recursion, misplaced returns, guarded or property calls and a misused result are file:line:column errors, each once")
    func errors() throws {
        func messages(_ members: String) -> String {
            do { _ = try SpecLoader.parse(text: "model V {\n  state x: uint256\n\(members)\n}\n", path: "v.tspec"); return "" }
            catch { return "\(error)" }
        }
        let recursive = messages("  function f(a: uint256) { g(a) }\n  function g(a: uint256) { f(a) }\n  action go() { f(1) }")
        #expect(recursive.contains("v.tspec:3:28: error: function 'g' calls itself (g -> f -> g)"), "\(recursive)")
        #expect(recursive.components(separatedBy: "(g -> f -> g)").count == 2, "reported once, not at every call:\n\(recursive)")
        #expect(messages("  function f(): uint256 {\n    if x > 0 { return 1 }\n    return 2\n  }")
            .contains("v.tspec:4:16: error: 'return' must be the last statement"))
        #expect(messages("  function f(): uint256 { x = 1 }").contains("v.tspec:3:12: error: function 'f' returns uint256 but does not end with 'return e'"))
        #expect(messages("  function f() { return 1 }").contains("function 'f' declares no return type"))
        #expect(messages("  function f(): bool { x = 1\n return true }\n  action go() { require x > 0 && f() }")
            .contains("v.tspec:5:34: error: a call of function 'f' under &&, ||, ==> or ?: would run whether or not"))
        #expect(messages("  function f(): uint256 { return x }\n  invariant i: f() == x")
            .contains("function 'f' can only be called in an action or function body"))
        #expect(messages("  function f() { x = 1 }\n  action go() { let y = f() }").contains("function 'f' returns nothing"))
        #expect(messages("  function f(a: uint256) { x = a }\n  action go() { f(1, 2) }").contains("'f' takes 1 argument, found 2"))
        #expect(messages("  function f(a: uint256) { x = a }\n  action f() { x = 2 }").contains("duplicate name 'f'"))
        #expect(messages("  action go(): uint256 { return x }\n  rule r on any: result == x")
            .contains("'result' is only available in a rule on one action that returns a value"))
        #expect(messages("  action go(result: uint256): uint256 { return x }\n  rule r on go(result): result == x")
            .contains("'result' is what action 'go' returns; name this parameter differently"))
        #expect(messages("  action go(): map<uint256, uint256> { return x }").contains("cannot return a map"))
        let doubling = (1...30).map { "  function f\($0)() { f\($0 - 1)()\n f\($0 - 1)() }" }.joined(separator: "\n")
        #expect(messages("  function f0() { x = x + 1 }\n\(doubling)\n  action go() { f30() }")
            .contains("expand to more than 10000 copies of function bodies"))
        #expect(!messages("  function g(): uint256 { return 1 }\n  function f(a: uint256) { x = a }\n  action go() { f(g(), 2) }")
            .contains("under &&"), "a call in the arguments of a call in error is not reported as guarded")
        // `function` and `return` stay free as names elsewhere.
        #expect(messages("  state function: uint256\n  state return: uint256\n  action go() { return = function + 1 }").isEmpty)
    }
}
