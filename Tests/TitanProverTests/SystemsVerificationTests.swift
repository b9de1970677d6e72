import Foundation
import TitanTestSupport
import Testing
import TitanIR
import TitanProver
import TitanSpec

@Suite("Verifying the seed systems and the findings in their designs", .watched)
struct SystemsVerificationTests {
    /// The corrected designs: every property must be proved.
    static let corrected: [String] = [
        "Specs/systems/decentralized_identity.tspec",
        "Specs/systems/resource_auction.tspec",
        "Specs/systems/compute_credits.tspec",
        "Specs/systems/proof_of_task.tspec",
    ]

    /// Each finding (a faithful model of a seed design), the corrected spec, and the properties
    /// the finding must violate; the corrected spec proves each of them under the same name.
    static let findings: [(String, String, [String])] = [
        ("Specs/findings/systems/did_sketch.tspec", "Specs/systems/decentralized_identity.tspec",
         ["one_registration_per_address", "registration_never_overwritten"]),
        ("Specs/findings/systems/resource_auction_sketch.tspec", "Specs/systems/resource_auction.tspec",
         ["paid_from_own_escrow", "outbid_bidder_refunded", "outbid_needs_higher_bid", "task_paid_at_most_once",
          "only_valid_proof_pays", "only_provider_completes", "submit_never_overwrites"]),
        ("Specs/findings/systems/proof_of_task_literal.tspec", "Specs/systems/proof_of_task.tspec",
         ["blacklisted_never_assigned", "blacklisted_never_reassigned", "delivered_result_never_discarded"]),
    ]

    @Test("every property of each corrected seed design is proved", arguments: corrected)
    func correctedIsProved(path: String) throws {
        let (file, model) = try loadModel(path)
        let results = Prover(model: model, specPath: file.path).verify()
        #expect(!results.isEmpty)
        #expect(results.count == model.properties.count + model.scenarios.count, "a result per property and per scenario")
        for r in results {
            #expect(r.status == .proved, "\(path) \(r.property): \(r.status) \(r.reason ?? "")")
        }
    }

    @Test("the conservation invariants are proved by induction")
    func conservationByInduction() throws {
        for (path, name) in [("Specs/systems/resource_auction.tspec", "escrow_conserved"),
                             ("Specs/systems/compute_credits.tspec", "credits_conserved"),
                             ("Specs/systems/compute_credits.tspec", "bonus_once_per_node"),
                             ("Specs/systems/proof_of_task.tspec", "accepted_only_with_quorum")] {
            let (file, model) = try loadModel(path)
            let r = try #require(Prover(model: model, specPath: file.path).verify().first { $0.property == name })
            #expect(r.status == .proved, "\(name): \(r.status) \(r.reason ?? "")")
            #expect(r.method.hasPrefix("induction"), "\(name): \(r.method)")
        }
    }

    @Test("each finding is refuted with a replayed counterexample", arguments: findings.map(\.0))
    func findingIsRefuted(path: String) throws {
        let expected = Self.findings.first { $0.0 == path }!.2
        let (file, model) = try loadModel(path)
        let results = Prover(model: model, specPath: file.path).verify()
        for name in expected {
            let r = try #require(results.first { $0.property == name })
            #expect(r.status == .violated, "\(name): \(r.status) \(r.reason ?? "")")
            let cex = try #require(r.counterexample)
            #expect(cex.replayed)
            #expect(!cex.steps.isEmpty)
            #expect(cex.steps.count <= 4)
            #expect(cex.steps.last?.propertyHolds == false)
        }
        // Nothing else in a finding is left unknown: each property is proved or refuted.
        for r in results {
            #expect(r.status == .proved || r.status == .violated, "\(r.property): \(r.status) \(r.reason ?? "")")
        }
    }

    @Test("each refuted property is proved in the corrected design", arguments: findings.map(\.0))
    func findingIsFixed(path: String) throws {
        let (_, correctedPath, names) = Self.findings.first { $0.0 == path }!
        let (file, model) = try loadModel(correctedPath)
        let results = Prover(model: model, specPath: file.path).verify()
        for name in names {
            let r = try #require(results.first { $0.property == name }, "\(correctedPath) has no property \(name)")
            #expect(r.status == .proved, "\(name): \(r.status) \(r.reason ?? "")")
        }
    }

    @Test("the DID sketch: an empty registration is overwritten in two steps")
    func didEmptyProfileTrace() throws {
        let (file, model) = try loadModel("Specs/findings/systems/did_sketch.tspec")
        let results = Prover(model: model, specPath: file.path).verify()
        let r = try #require(results.first { $0.property == "registration_never_overwritten" })
        let cex = try #require(r.counterexample)
        #expect(r.method == "bmc depth 2")
        #expect(cex.steps.map(\.action) == ["registerDID", "registerDID"])
        #expect(cex.steps[0].args.first { $0.name == "profileHash" }?.value == "0x")
        #expect(cex.steps[1].args.first { $0.name == "profileHash" }?.value != "0x")
        #expect(cex.steps[0].propertyHolds)
    }

    @Test("the auction sketch: any proof pays in one step, and a task is paid twice in three")
    func auctionTraces() throws {
        let (file, model) = try loadModel("Specs/findings/systems/resource_auction_sketch.tspec")
        let results = Prover(model: model, specPath: file.path).verify()

        let proof = try #require(results.first { $0.property == "only_valid_proof_pays" })
        let proofTrace = try #require(proof.counterexample)
        #expect(proof.method == "bmc depth 1")
        #expect(proofTrace.steps.map(\.action) == ["completeTask"])
        #expect(proofTrace.steps[0].args.first { $0.name == "proofValid" }?.value == "false")

        let twice = try #require(results.first { $0.property == "task_paid_at_most_once" })
        let twiceTrace = try #require(twice.counterexample)
        #expect(twice.method == "bmc depth 3")
        #expect(twiceTrace.steps.map(\.action) == ["submitTask", "completeTask", "completeTask"])

        // The contract's books still balance: the money is misattributed, not lost.
        let books = try #require(results.first { $0.property == "books_balance" })
        #expect(books.status == .proved)
    }

    @Test("the literal Proof-of-Task: a node caught cheating is blacklisted and assigned right after")
    func blacklistedAssignedTrace() throws {
        let (file, model) = try loadModel("Specs/findings/systems/proof_of_task_literal.tspec")
        let results = Prover(model: model, specPath: file.path).verify()
        let r = try #require(results.first { $0.property == "blacklisted_never_assigned" })
        let cex = try #require(r.counterexample)
        #expect(r.method == "bmc depth 2")
        #expect(cex.steps.map(\.action) == ["spotCheckFailed", "assign"])
        #expect(cex.lastReverted == false)
    }
}
