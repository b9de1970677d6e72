import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

/// `var` locals: reassignable, merged across branches like state, refused for a `let`.
@Suite("var locals", .watched)
struct LocalVariableTests {
    static let spec = """
    model V {
      arithmetic checked
      state total: uint256
      state last: uint256
      action pay(amount: uint256, bonus: bool) {
        var fee = amount / 10
        if bonus { fee = 0 } else if amount > 1000 { fee = fee + 1 }
        var net = amount - fee
        net = net * 2
        total = total + net
        last = fee
      }
      rule fee_follows_the_branch on pay(amount, bonus):
        !reverted ==> last' == (bonus ? 0 : (amount > 1000 ? amount / 10 + 1 : amount / 10))
      rule total_adds_twice_the_net on pay(amount, bonus): !reverted ==> total' == total + 2 * (amount - last')
      rule wrong_fee on pay(amount, bonus): !reverted ==> last' == amount / 10 expect violated
      scenario concrete { pay(2000, false) expect last == 201 && total == 3598  pay(50, true) expect last == 0 && total == 3698 }
    }
    """

    @Test("a var set in either branch of an if has the taken branch's value after it, in both readers")
    func branches() throws {
        let r = try verifiedByName(Self.spec, ProverOptions(timeoutSeconds: 10, jobs: 1, simulationSeconds: 0))
        #expect(r["fee_follows_the_branch"]?.status == .proved)
        #expect(r["total_adds_twice_the_net"]?.status == .proved)
        #expect(r["concrete"]?.status == .proved)
        let wrong = try #require(r["wrong_fee"])
        #expect(wrong.status == .violated && wrong.counterexample?.replayed == true)
    }

    @Test("assigning a let, or a var a value of another sort, is a file:line:column error")
    func errors() throws {
        func message(_ body: String) -> String {
            do { _ = try SpecLoader.parse(text: "model V {\n  state t: uint8\n  action a(x: uint256, f: bool) {\n\(body)\n  }\n}\n", path: "v.tspec"); return "" }
            catch { return "\(error)" }
        }
        #expect(message("    let y = x\n    y = 2").contains("v.tspec:5:5: error: cannot assign to 'y': a 'let' cannot be reassigned; declare it with 'var'"))
        #expect(message("    var y = x\n    y = f").contains("cannot assign bool to 'y', a var of uint256"))
        #expect(message("    var y: uint8 = 1\n    y = x").contains("v.tspec:5:9"))
        // `var` stays free as a name elsewhere.
        #expect(message("    let var = x").isEmpty)
    }
}
