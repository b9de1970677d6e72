import TitanTestSupport
import BigInt
import Testing
import TitanIR
@testable import TitanSpec

/// The reference example from the language description.
private let ledgerText = """
// The ledger.
model Ledger {
  arithmetic checked
  state balances: map<address, uint256>
  state allowance: map<address, map<address, uint256>>
  state totalSupply: uint256
  state paused: bool = false

  action mint(to: address, amount: uint256) {
    totalSupply = totalSupply + amount
    balances[to] = balances[to] + amount
  }
  action transfer(from: address, to: address, amount: uint256) {
    require balances[from] >= amount
    let fromBal = balances[from]
    balances[from] = fromBal - amount
    balances[to] = balances[to] + amount
  }
  action approve(owner: address, spender: address, amount: uint256) {
    allowance[owner][spender] = amount
  }
  action weird(x: uint256) {
    if x == 0 { require !paused } else if x > 10 { unchecked { totalSupply = totalSupply - 1 } } else { paused = true }
  }
  invariant supply_is_sum: totalSupply == sum(balances)
  rule transfer_moves_amount on transfer(f, t, amt):
    !reverted && f != t ==> balances'[f] == balances[f] - amt && balances'[t] == balances[t] + amt
  rule frame(who: address) on transfer(f, t, amt): !reverted && who != f && who != t ==> balances'[who] == balances[who]
  rule sums on mint(to, amount): !reverted ==> sum(balances') == sum(balances) + amount
}
"""

private let balancesSort = Sort.map(key: .address, value: .uint256)

private func ledger() throws -> Model {
    let file = try SpecLoader.parse(text: ledgerText, path: "ledger.tspec")
    return try #require(file.models.first)
}

private func property(_ name: String) throws -> Property {
    try #require(try ledger().properties.first { $0.name == name })
}

/// The diagnostics a bad spec produces (empty if it unexpectedly parses).
private func diagnostics(_ text: String) -> [Diagnostic] {
    do {
        _ = try SpecLoader.parse(text: text, path: "bad.tspec")
        return []
    } catch let errors as SpecErrors {
        return errors.diagnostics
    } catch {
        return []
    }
}

private func location(_ line: Int, _ column: Int) -> TitanIR.SourceLocation {
    TitanIR.SourceLocation(file: "bad.tspec", line: line, column: column)
}

@Suite(.watched) struct SpecParserTests {
    // MARK: The example

    @Test func ledgerParsesIntoOneModel() throws {
        let file = try SpecLoader.parse(text: ledgerText, path: "ledger.tspec")
        #expect(file.path == "ledger.tspec")
        #expect(file.contentHash.count == 64, "a hex SHA-256; checked against sha256sum in ProofCertificateTests")
        #expect(file.models.count == 1)
        let model = try #require(file.models.first)
        #expect(model.name == "Ledger")
        #expect(model.location == TitanIR.SourceLocation(file: "ledger.tspec", line: 2, column: 7))
        #expect(model.stateVars.map(\.name) == ["balances", "allowance", "totalSupply", "paused"])
        #expect(model.stateVar("allowance")?.sort == .map(key: .address, value: balancesSort))
        #expect(model.stateVar("paused")?.initial == .bool(false))
        #expect(model.actions.map(\.name) == ["mint", "transfer", "approve", "weird"])
        #expect(model.properties.map(\.name) == ["supply_is_sum", "transfer_moves_amount", "frame", "sums"])
        #expect(model.summedMaps == ["balances"])
    }

    @Test func invariantWidensToTheSumWidth() throws {
        let invariant = try property("supply_is_sum")
        #expect(invariant.kind == .invariant)
        #expect(invariant.body == .binary(
            .eq,
            .widen(.state("totalSupply", .uint(256)), to: 512),
            .sum("balances", key: nil, post: false),
            arithmetic: .wrapping))
        #expect(invariant.location == TitanIR.SourceLocation(file: "ledger.tspec", line: 25, column: 13))
        #expect(invariant.sourceText == "invariant supply_is_sum: totalSupply == sum(balances)")
    }

    @Test func rulesBindActionArgumentsPositionally() throws {
        let moves = try property("transfer_moves_amount")
        #expect(moves.kind == .rule(action: "transfer", actionArgs: ["f", "t", "amt"]))
        #expect(moves.params.isEmpty)
        #expect(moves.sourceText.hasPrefix("rule transfer_moves_amount on transfer(f, t, amt):"))
        #expect(moves.sourceText.hasSuffix("balances'[t] == balances[t] + amt"))

        let frame = try property("frame")
        #expect(frame.kind == .rule(action: "transfer", actionArgs: ["f", "t", "amt"]))
        #expect(frame.params == [Param(name: "who", sort: .address)])

        // Property arithmetic is on integers wide enough to be exact: a 512-bit sum plus a
        // widened uint needs 514 bits (the sign bit, and one for the carry).
        let sums = try property("sums")
        #expect(sums.body == .binary(
            .implies,
            .unary(.not, .reverted),
            .binary(.eq,
                    .toInt(.sum("balances", key: nil, post: true), width: 514),
                    .binary(.add, .toInt(.sum("balances", key: nil, post: false), width: 514),
                            .toInt(.widen(.name("amount", .uint256), to: 512), width: 514),
                            arithmetic: .wrapping),
                    arithmetic: .wrapping),
            arithmetic: .wrapping))
    }

    @Test func actionsUseTheModelArithmetic() throws {
        let model = try ledger()
        let mint = try #require(model.action("mint"))
        #expect(mint.location == TitanIR.SourceLocation(file: "ledger.tspec", line: 9, column: 10))
        #expect(mint.params == [Param(name: "to", sort: .address), Param(name: "amount", sort: .uint256)])
        #expect(mint.body.first == .assign(
            LValue(root: "totalSupply", rootSort: .uint256, indices: []),
            .binary(.add, .state("totalSupply", .uint256), .name("amount", .uint256), arithmetic: .checked)))

        let transfer = try #require(model.action("transfer"))
        #expect(transfer.body.first == .require(
            .binary(.ge, .select(.state("balances", balancesSort), .name("from", .address)), .name("amount", .uint256),
                    arithmetic: .wrapping),
            TitanIR.SourceLocation(file: "ledger.tspec", line: 14, column: 5)))
        #expect(transfer.body[1] == .bind("fromBal", .select(.state("balances", balancesSort), .name("from", .address))))
    }

    @Test func uncheckedBlocksWrapAndAreInlined() throws {
        let weird = try #require(try ledger().action("weird"))
        #expect(weird.body.count == 1)
        guard case .ifElse(let condition, _, let elseBranch)? = weird.body.first,
              case .ifElse(_, let elseIfThen, let lastElse)? = elseBranch.first
        else {
            Issue.record("expected an if / else-if chain, got \(weird.body)")
            return
        }
        #expect(condition == .binary(.eq, .name("x", .uint256), .number(0, .uint256), arithmetic: .wrapping))
        #expect(elseBranch.count == 1)
        #expect(elseIfThen == [.assign(
            LValue(root: "totalSupply", rootSort: .uint256, indices: []),
            .binary(.sub, .state("totalSupply", .uint256), .number(1, .uint256), arithmetic: .wrapping))])
        #expect(lastElse == [.assign(LValue(root: "paused", rootSort: .bool, indices: []), .bool(true))])
    }

    @Test func literalsTakeTheirSortFromContext() throws {
        let text = """
        model M {
          state small: uint8
          state owner: address
          action a(x: uint8) {
            small = 5
            require owner == 0
            require 5 > 3
            let y = x + 1
          }
        }
        """
        let body = try #require(try SpecLoader.parse(text: text, path: "m.tspec").models.first?.action("a")).body
        #expect(body == [
            .assign(LValue(root: "small", rootSort: .uint(8), indices: []), .number(5, .uint(8))),
            .require(.binary(.eq, .state("owner", .address), .number(0, .address), arithmetic: .wrapping),
                     TitanIR.SourceLocation(file: "m.tspec", line: 6, column: 5)),
            .require(.binary(.gt, .number(5, .uint256), .number(3, .uint256), arithmetic: .wrapping),
                     TitanIR.SourceLocation(file: "m.tspec", line: 7, column: 5)),
            .bind("y", .binary(.add, .name("x", .uint(8)), .number(1, .uint(8)), arithmetic: .wrapping)),
        ])
    }

    // MARK: Errors

    @Test func missingBraceIsReportedAtEndOfFile() {
        let text = """
        model M {
          state x: uint256
          action a() {
            x = x + 1
          }
        """
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.location == location(5, 4))
        #expect(found.first?.message == "expected '}' to close model 'M', found end of file")
    }

    @Test func missingColonNamesWhatWasFound() {
        let found = diagnostics("model M {\n  state x uint256\n}")
        #expect(found.first?.location == location(2, 11))
        #expect(found.first?.message == "expected ':' after state variable name, found 'uint256'")
    }

    @Test func unknownNameShowsLineAndCaret() {
        let found = diagnostics("model M {\n  state x: uint256\n  invariant i: x == y\n}")
        #expect(found.count == 1)
        guard let diagnostic = found.first else {
            Issue.record("expected a diagnostic")
            return
        }
        #expect(diagnostic.location == location(3, 21))
        #expect(diagnostic.message == "unknown name 'y'")
        #expect(diagnostic.sourceLine == "  invariant i: x == y")
        let expected = "bad.tspec:3:21: error: unknown name 'y'\n  invariant i: x == y\n"
            + String(repeating: " ", count: 20) + "^"
        #expect(diagnostic.description == expected)
    }

    @Test func arithmeticOnAnAddressIsATypeMismatch() {
        let found = diagnostics("model M {\n  state x: uint256\n  action a(who: address) { x = x + who }\n}")
        #expect(found.count == 1)
        #expect(found.first?.location == location(3, 36))
        #expect(found.first?.message == "type mismatch: '+' needs uint operands, found uint256 and address")
    }

    @Test func primedNamesAreRejectedInActions() {
        let found = diagnostics("model M {\n  state x: uint256\n  action a() { require x' > 0 }\n}")
        #expect(found.count == 1)
        #expect(found.first?.location == location(3, 24))
        #expect(found.first?.message == "primed names are only allowed in rules")
    }

    @Test func literalsMustFitTheirSort() {
        let found = diagnostics("model M {\n  state small: uint8 = 256\n}")
        #expect(found.count == 1)
        #expect(found.first?.location == location(2, 24))
        #expect(found.first?.message == "number literal 256 is too large for uint8 (max 255)")
    }

    @Test func ruleArgumentCountMustMatchTheAction() {
        let text = "model M {\n  rule r on a(p, q): true\n  action a(who: address) {}\n}"
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.location == location(2, 13))
        #expect(found.first?.message == "rule 'r' binds 2 arguments but action 'a' has 1 parameter")
    }

    @Test func allTypeErrorsOfAFileAreCollectedInOrder() throws {
        let text = "model M {\n  state x: uint256\n  invariant i: y\n  invariant j: x + true == 1\n}"
        do {
            _ = try SpecLoader.parse(text: text, path: "bad.tspec")
            Issue.record("expected errors")
        } catch let errors as SpecErrors {
            #expect(errors.diagnostics.map(\.location) == [location(3, 16), location(4, 20)])
            #expect(errors.diagnostics.first?.message == "unknown name 'y'")
            #expect(errors.description == errors.diagnostics.map(\.description).joined(separator: "\n"))
        }
    }

    @Test func missingFileIsOneDiagnosticAtTheStart() {
        do {
            _ = try SpecLoader.load(paths: ["/nonexistent/titan-spec-test.tspec"])
            Issue.record("expected an error")
        } catch let errors as SpecErrors {
            #expect(errors.diagnostics.count == 1)
            #expect(errors.diagnostics.first?.location.line == 1)
            #expect(errors.diagnostics.first?.location.column == 1)
            #expect(errors.diagnostics.first?.message.hasPrefix("cannot read file: ") == true)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
