import TitanTestSupport
import BigInt
import Testing
import TitanIR
import TitanInterp
import TitanProver
import TitanSemantics
import TitanSpec

/// `sum(k => e)`: the exact sum over every key of a term over maps read at [k].
@Suite("Weighted sums", .watched)
struct WeightedSumTests {
    static let shares = """
    model Shares {
      arithmetic checked
      state shares: map<address, uint256>
      state price: map<address, uint256>
      state value: uint256

      action buy(who: address, n: uint256) {
        require price[who] > 0
        shares[who] = shares[who] + n
        value = value + n * price[who]
      }
      action sell(who: address, n: uint256) {
        shares[who] = shares[who] - n
        value = value - n * price[who]
      }
      action reprice(who: address, p: uint256) {
        require shares[who] == 0
        price[who] = p
      }
      action gift(who: address, n: uint256) { shares[who] = shares[who] + n }

      invariant value_is_weighted_sum: value <= sum(k => shares[k] * price[k])
      // Terms may be negative: the difference of two sums is the sum of the differences.
      invariant linear: sum(k => shares[k] - price[k]) == sum(shares) - sum(price)
      rule buy_adds_its_value on buy(who, n):
        !reverted ==> sum(k => shares'[k] * price'[k]) == sum(k => shares[k] * price[k]) + n * price[who]
      rule gift_adds_nothing_priced_zero on gift(who, n): price[who] == 0 ==> sum(k => shares'[k] * price'[k]) == sum(k => shares[k] * price[k])
      invariant bounded: sum(k => shares[k] * price[k]) < 100 expect violated
      scenario concrete {
        reprice(0x01, 5) buy(0x01, 3) reprice(0x02, 7) buy(0x02, 2)
        expect sum(k => shares[k] * price[k]) == 29 && value == 29
        sell(0x01, 3)
        expect sum(k => shares[k] * price[k]) == 14 && sum(k => shares[k] - price[k]) == 2 - 12
      }
    }
    """

    @Test("a weighted sum is kept on every write: invariants and rules over it are proved, a false bound refuted with a small trace")
    func proved() throws {
        let r = try verifiedByName(Self.shares, ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0))
        for name in ["value_is_weighted_sum", "linear", "buy_adds_its_value", "gift_adds_nothing_priced_zero", "concrete"] {
            #expect(r[name]?.status == .proved, "\(name): \(String(describing: r[name]?.status)) \(r[name]?.reason ?? "")")
        }
        let bounded = try #require(r["bounded"])
        #expect(bounded.status == .violated)
        let cex = try #require(bounded.counterexample)
        #expect(cex.replayed)
        // The checker's ghost is bookkeeping: reports show the spec's state only.
        #expect(!cex.initialState.contains { $0.name.contains("#") })
        #expect(cex.steps.allSatisfy { $0.changes.allSatisfy { !$0.variable.contains("#") } })
        // Minimized: a price and an amount whose product reaches the bound, and neither can be
        // made smaller (2^96 - 1 and the like are what the solver picks first).
        #expect(cex.steps.map(\.action) == ["reprice", "buy"], "\(cex.steps)")
        let numbers = cex.steps.flatMap(\.args).filter { $0.name == "p" || $0.name == "n" }.compactMap { BigUInt($0.value) }
        try #require(numbers.count == 2, "\(cex.steps)")
        let (p, n) = (numbers[0], numbers[1])
        #expect(p * n >= 100 && (p - 1) * n < 100 && p * (n - 1) < 100, "\(cex.steps)")
    }

    @Test("a weighted sum of non-negative terms is at least each touched key's term: a sale covered by its shares never underflows")
    func lowerBound() throws {
        let spec = """
        model Pool {
          arithmetic checked
          state shares: map<address, uint256>
          state price: map<address, uint256>
          state value: uint256
          action buy(who: address, n: uint256) {
            shares[who] = shares[who] + n
            value = value + n * price[who]
          }
          action sell(who: address, n: uint256) {
            shares[who] = shares[who] - n
            value = value - n * price[who]
          }
          action reprice(who: address, p: uint256) {
            require shares[who] == 0
            price[who] = p
          }
          invariant exact: value == sum(k => shares[k] * price[k])
          rule sell_never_short on sell(who, n): n <= shares[who] ==> !reverted
        }
        """
        let r = try verifiedByName(spec, ProverOptions(timeoutSeconds: 20, jobs: 1, simulationSeconds: 0))
        #expect(r["exact"]?.status == .proved)
        #expect(r["sell_never_short"]?.status == .proved, "\(r["sell_never_short"]?.reason ?? "")")
    }

    /// The oracle: the sums recomputed here from the maps of each reached state, with BigInt,
    /// against what the semantics reads for `sum(k => ...)` in that state.
    @Test("on random traces the running sum equals the sum recomputed from the maps, negative terms included")
    func agreesWithRecomputation() throws {
        let model = try parseModel(Self.shares)
        let interpreter = Interpreter(model: model)
        let products = try #require(model.weightedSums.first { $0.text == "sum(k => shares[k] * price[k])" })
        let differences = try #require(model.weightedSums.first { $0.text == "sum(k => shares[k] - price[k])" })
        var rng = SplitMix64(seed: 17)
        let people = (1...4).map { Value.bits(BigUInt($0)) }
        for _ in 0..<100 {
            var state = interpreter.initialState()
            for _ in 0..<12 {
                let action = model.actions[Int(rng.next() % UInt64(model.actions.count))]
                var args: [String: Value] = [:]
                for p in action.params {
                    args[p.name] = p.sort == .address ? people[Int(rng.next() % 4)] : .bits(BigUInt(rng.next() % 9))
                }
                // `step` itself throws when the running sum and the maps disagree.
                state = try interpreter.step(Step(action: action.name, args: args), from: state).state
                let shares = state["shares"].asMap, price = state["price"].asMap
                var product = BigInt(0), difference = BigInt(0)
                for who in people {
                    product += BigInt(shares[who].asBits) * BigInt(price[who].asBits)
                    difference += BigInt(shares[who].asBits) - BigInt(price[who].asBits)
                }
                #expect(ConcreteDomain.signed(state[products.ghost].asBits, products.width) == product)
                #expect(ConcreteDomain.signed(state[differences.ghost].asBits, differences.width) == difference)
            }
        }
    }

    @Test("what a weighted sum may not say is a file:line:column error")
    func errors() throws {
        func message(_ property: String, action: String = "action a(u: address) { m[u] = 1 }") -> String {
            let text = "model V {\n  state m: map<address, uint256>\n  state p: map<address, uint256>\n  state q: map<uint8, uint256>\n"
                + "  state s: uint256\n  state n: map<address, map<address, uint256>>\n  \(action)\n  \(property)\n}\n"
            do { _ = try SpecLoader.parse(text: text, path: "v.tspec"); return "" } catch { return "\(error)" }
        }
        #expect(message("invariant i: sum(k => m[k] * p[k]) >= 0").isEmpty)
        #expect(message("invariant i: sum(k => m[k] * s) >= 0").contains("v.tspec:8:25: error: the term of 'sum(k => ...)' may read state only as maps of numbers or bools at [k]"))
        #expect(message("invariant i(u: address): sum(k => m[k] * p[u]) >= 0").contains("cannot read 'u'"))
        #expect(message("invariant i: sum(k => m[k] + 1) >= 0").contains("must be 0 for a key whose entries are all zero"))
        #expect(message("invariant i: sum(k => m[k] * (p[k] > 0 ? 2 : 1)) >= 0").isEmpty)
        #expect(message("invariant i: sum(k => s + 1) >= 0").contains("must read a state map at [k]"))
        #expect(message("invariant i: sum(k => m[k] * q[k]) >= 0").contains("must share one key sort"))
        #expect(message("invariant i: sum(k => n[k][k]) >= 0").contains("may read state only"))
        #expect(message("rule r on a(u): sum(k => m'[k] * p[k]) >= 0").contains("either the pre-state or the post-state"))
        #expect(message("invariant i: true", action: "action a(u: address) { require sum(k => m[k]) > 0 }")
            .contains("only available in properties and scenario expectations"))
        #expect(message("invariant i: sum(k => m[k]) >= 0", action: "action a(u: address) { m = p }")
            .contains("action 'a' assigns map 'm' whole, which this weighted sum cannot follow"))
        #expect(message("invariant i(k: address): sum(k => m[k]) >= 0").contains("'k' is already declared"))
        #expect(message("scenario t { b(uint256(sum(k => m[k]))) }", action: "action b(v: uint256) { s = v }")
            .contains("only available in properties and scenario expectations"))
        #expect(message("scenario s { a(0x01) expect sum(k => m[k]) == 1 }").isEmpty)
    }
}
