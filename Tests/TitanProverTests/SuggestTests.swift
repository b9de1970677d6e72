import Foundation
import TitanTestSupport
import Testing

/// `titan verify --suggest`: helper invariants for true invariants that induction alone cannot
/// prove, mined from reached states and kept only when induction proves the invariant with them.
@Suite("Suggested helper invariants", .watched)
struct SuggestTests {
    /// True invariants that need a helper, shared with `PDRTests`.
    static let parity = """
    model Parity {
      state a: uint64
      action two() { require a < 1000
        a = a + 2 }
      action four() { require a < 1000
        a = a + 4 }
      invariant never_15: a != 15
    }
    """

    static let mutex = """
    model Mutex {
      state locked: bool
      state owner_a: bool
      state owner_b: bool
      action take_a() { require !locked
        locked = true
        owner_a = true }
      action take_b() { require !locked
        locked = true
        owner_b = true }
      action release() { locked = false
        owner_a = false
        owner_b = false }
      action stutter() { }
      invariant exclusive: !(owner_a && owner_b)
    }
    """

    /// The models: three true invariants, each with a correct counterexample to induction and no proof by
    /// induction or k-induction alone (the stuttering action defeats k-induction in Mutex).
    static let models = parity + "\n\n" + """
    model Doubled {
      state a: uint64
      state b: uint64
      action bump() { require a < 1000
        a = a + 1
        b = b + 2 }
      invariant not_seven: b != 7
    }

    """ + "\n\n" + mutex + "\n\n" + """
    model Token {
      state supply: uint256
      state balances: map<address, uint256>
      arithmetic checked
      action mint(to: address, n: uint256) {
        supply = supply + n
        balances[to] = balances[to] + n
      }
      action transfer(to: address, n: uint256) {
        require balances[msg.sender] >= n
        balances[msg.sender] = balances[msg.sender] - n
        balances[to] = balances[to] + n
      }
      invariant bounded(a: address): balances[a] <= supply
    }

    model Deposits {
      state deposited: map<address, uint64>
      state active: map<address, bool>
      action deposit(n: uint64) {
        require n > 0 && n <= 1000 && !active[msg.sender]
        deposited[msg.sender] = deposited[msg.sender] + n
        active[msg.sender] = true
      }
      action withdraw() {
        require active[msg.sender]
        deposited[msg.sender] = 0
        active[msg.sender] = false
      }
      invariant capped(a: address): deposited[a] <= 1000
    }

    model Vault {
      state total: uint64
      state held: map<address, uint64>
      arithmetic checked
      action deposit(n: uint64) {
        require n <= 1000 && total + n <= 1000000
        held[msg.sender] = held[msg.sender] + n
        total = total + n
      }
      action withdraw(n: uint64) {
        held[msg.sender] = held[msg.sender] - n
        total = total - n
      }
      view latest(): uint64 = block.timestamp
      rule holders_can_withdraw on withdraw(n): n <= held[msg.sender] && block.timestamp >= latest() ==> !reverted
    }

    model Square {
      state x: uint64
      state y: uint64
      action next() { require x < 1000
        y = y + 2 * x + 1
        x = x + 1 }
      invariant never_two: y != 2
    }
    """

    @Test("each true invariant that needs a helper gets one, and pasted into the spec the helpers make every invariant proved")
    func helpersProve() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("helpers.tspec")
        try Self.models.write(to: spec, atomically: true, encoding: .utf8)
        let r = try titan(["verify", spec.path, "--suggest", "--pdr", "0", "--no-cache", "--simulate", "0.5", "--report-dir", dir.appendingPathComponent("report").path])
        #expect(r.status == 3, "unknown invariants exit 3: \(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        /// The helper lines printed under `Model.property`.
        func helpers(_ heading: String) -> [String] {
            guard let i = lines.firstIndex(where: { $0.hasPrefix(heading + " (") }) else { return [] }
            return Array(lines[(i + 1)...].prefix { $0.hasPrefix("invariant ") })
        }
        let parity = helpers("Parity.never_15"), doubled = helpers("Doubled.not_seven"), mutex = helpers("Mutex.exclusive")
        #expect(parity.map { $0.components(separatedBy: ": ").last! } == ["a % 2 == 0"], "\(r.stdout)")
        #expect(doubled.map { $0.components(separatedBy: ": ").last! } == ["b == 2 * a"], "\(r.stdout)")
        #expect(Set(mutex.map { $0.components(separatedBy: ": ").last! }) == ["owner_a ==> locked", "owner_b ==> locked"], "\(r.stdout)")
        // Over maps: a total, and a flag map that marks the non-zero entries, for every key.
        let token = helpers("Token.bounded"), deposits = helpers("Deposits.capped")
        #expect(token == ["invariant bounded_helper: sum(balances) == supply"], "\(r.stdout)")
        #expect(deposits == ["invariant capped_helper(k: address): active[k] == (deposited[k] != 0)"], "\(r.stdout)")
        // A rule that fails its one-step check: its counterexample to induction, and its helper.
        let vault = helpers("Vault.holders_can_withdraw")
        #expect(vault == ["invariant holders_can_withdraw_helper: sum(held) == total"], "\(r.stdout)")
        // No template helps y == x * x: nothing is claimed for it.
        #expect(helpers("Square.never_two").isEmpty && r.stdout.contains("no helper found among the mined candidates"))

        // The report carries them, beside the counterexample to induction, and still validates.
        let json = try readJSON(dir.appendingPathComponent("report/report.json"))
        let results = try #require(json["results"] as? [[String: Any]])
        let entry = try #require(results.first { $0["property"] as? String == "never_15" })
        #expect(entry["suggestedHelpers"] as? [String] == parity)
        // The rule's failing one-step check is reported as a counterexample to induction: a
        // pre-state where some holder's entry exceeds the total, and the withdraw that reverts.
        let rule = try #require(results.first { $0["property"] as? String == "holders_can_withdraw" })
        let cti = try #require(rule["counterexampleToInduction"] as? [String: Any], "\(rule)")
        #expect(cti["action"] as? String == "withdraw" && cti["invariant"] as? String == "holders_can_withdraw")
        let pre = (cti["preState"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { $0[$1["name"] as? String ?? ""] = $1["value"] as? String }
        #expect(pre["total"] != nil && pre["held"] != nil, "\(cti)")
        #expect(try ReportFormatTests().validate(dir.appendingPathComponent("report/report.json"), schema: "report.schema.json").status == 0)
        let pages = try #require(FileManager.default.enumerator(atPath: dir.appendingPathComponent("report").path))
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".html") }
            .map { try String(contentsOf: dir.appendingPathComponent("report/\($0)"), encoding: .utf8) }
        #expect(pages.contains { $0.contains("<h2>Suggested helpers</h2>") && $0.contains("a % 2 == 0") })

        // Pasted into the models, the helpers are proved and so are the invariants they help.
        var text = Self.models
        for (property, found) in [("invariant never_15:", parity), ("invariant not_seven:", doubled), ("invariant exclusive:", mutex),
                                  ("invariant bounded(", token), ("invariant capped(", deposits), ("view latest()", vault)] {
            text = text.replacingOccurrences(of: "  " + property, with: found.map { "  " + $0 + "\n" }.joined() + "  " + property)
        }
        text = text.replacingOccurrences(of: "  invariant never_two: y != 2\n", with: "")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        let again = try titan(["verify", spec.path, "--no-cache", "--simulate", "0", "--no-report"])
        #expect(again.status == 0 && again.stdout.contains("13 proved, 0 violated, 0 unknown"), "\(again.stdout)")
    }
}
