import BigInt
import Crypto
import Foundation
import TitanIR
import TitanInterp
import TitanSemantics
import TitanSMT

/// The query runner: builds one query, reads the proof cache and certificates, solves it (with the
/// bit-vector retry), and records it.
extension Prover {
    enum Answer {
        case unsat
        case sat(Query, ModelValues)
        /// Satisfiable, answered from the cache without building the query: only when the caller
        /// said it reads no model (`needsModel: false`).
        case satisfiable
        case unknown(String)

        var isUnsat: Bool { if case .unsat = self { return true }; return false }
    }

    /// Builds one query, writes its SMT-LIB2 text when asked, and solves it.
    ///
    /// `inputs` names everything `build` reads besides the model and the query's name (the
    /// invariants and lemmas it assumes, what kind of question it asks where the name alone
    /// could be ambiguous): with the model's IR and the build of the encoder, it is the proof
    /// cache's key, so a query answered before is not built at all (see `ProofCache`).
    func solve(_ name: String, _ description: String, inputs: [String], needsModel: Bool = true, records: inout [QueryRecord],
               build: (Query) -> Void) -> Answer {
        let answer = solve(name, description, inputs: inputs, needsModel: needsModel, records: &records, bitVectors: false, build: build)
        return retryingOverBitVectors(answer, name, description, inputs: inputs, needsModel: needsModel, records: &records, build: build)
    }

    /// Narrow non-linear arithmetic: what integers leave undecided, bit-blasting often decides.
    /// An unknown `answer` is asked again over bit-vectors, built by `build`; the first answer
    /// stands when that one is unknown too.
    func retryingOverBitVectors(_ answer: Answer, _ name: String, _ description: String, inputs: [String], needsModel: Bool,
                                records: inout [QueryRecord], build: (Query) -> Void) -> Answer {
        guard case .unknown = answer, options.certifiedQueries == nil, admitsBitVectors else { return answer }
        let retry = solve("\(name).bv", "\(description) (bit-vector retry)", inputs: inputs, needsModel: needsModel, records: &records,
                          bitVectors: true, build: build)
        if case .unknown = retry { return answer }
        return retry
    }


    func solve(_ name: String, _ description: String, inputs: [String], needsModel: Bool, records: inout [QueryRecord], bitVectors: Bool,
               build: (Query) -> Void) -> Answer {
        let lookup = lookUp(name, inputs: inputs, needsModel: needsModel, records: &records, bitVectors: bitVectors)
        if let early = lookup.answer { return early }
        let q = Query(model: model, timeoutMilliseconds: Int(options.timeoutSeconds * 1000), bitVectors: bitVectors)
        build(q)
        q.assertRangeFacts()
        return settle(q, name, description, lookup: lookup, records: &records)
    }

    /// What the proof cache knows of a query before it is built.
    struct Lookup {
        var referenceKey: String?
        var reference: QueryReference?
        var hit: CachedAnswer?
        /// The answer, when the cache settles the query without building it.
        var answer: Answer?
    }

    /// A reference leads from what determines the query to its answer before anything is
    /// built: a proved query is answered, and named by its text's hash, without Z3. Only a
    /// refutation whose trace is read from the query, or an emitted file, needs the query.
    /// Certificates are checked against the text itself, always built.
    func lookUp(_ name: String, inputs: [String], needsModel: Bool, records: inout [QueryRecord], bitVectors: Bool) -> Lookup {
        let start = DispatchTime.now().uptimeNanoseconds
        var lookup = Lookup()
        guard let cache = options.cache, options.certifiedQueries == nil, let fingerprint = modelFingerprint else { return lookup }
        let query = (["name=\(name)", "bit-vectors=\(bitVectors)"] + inputs).joined(separator: "\n")
        let referenceKey = ProofCache.referenceKey(model: fingerprint, query: query, solver: Prover.solverName, timeoutSeconds: options.timeoutSeconds)
        lookup.referenceKey = referenceKey
        lookup.reference = cache.reference(referenceKey)
        guard let reference = lookup.reference else { return lookup }
        lookup.hit = cache.lookup(reference.textKey)
        if let hit = lookup.hit, hit.verdict == "unsat" || (hit.verdict == "sat" && !needsModel), options.emitDirectory == nil {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            records.append(QueryRecord(name: name, verdict: hit.verdict, seconds: seconds, file: nil, sha256: reference.sha256,
                                       fromCertificate: nil, fromCache: true))
            lookup.answer = hit.verdict == "unsat" ? .unsat : .satisfiable
        }
        return lookup
    }

    /// Answers a built query: from a certificate, the cache or the solver, with `assuming`
    /// holding for this answer only (part of the query's text). Records it, and writes its
    /// SMT-LIB2 file when asked.
    func settle(_ q: Query, _ name: String, _ description: String, lookup: Lookup, records: inout [QueryRecord],
                assuming: [Term] = [], anew: Bool = false) -> Answer {
        var hit = lookup.hit
        let reference = lookup.reference
        // Built whenever the query is: certificates name every query by the hash of this exact text.
        let text = q.solver.smtlib2(logic: q.logic, assuming: assuming)
        let hash = sha256Hex(text)
        let start = DispatchTime.now().uptimeNanoseconds
        let answer: Answer
        var fromCertificate: Bool?
        var fromCache: Bool?
        let cacheKey = options.cache.map { _ in ProofCache.key(text: text, solver: Prover.solverName, timeoutSeconds: options.timeoutSeconds) }
        if options.certifiedQueries == nil, let cache = options.cache, let cacheKey {
            // Through a reference the answer was looked up already (a miss there is not asked again).
            if reference?.textKey != cacheKey { hit = cache.lookup(cacheKey) }
            if let referenceKey = lookup.referenceKey, reference?.textKey != cacheKey || reference?.sha256 != hash {
                cache.store(reference: QueryReference(textKey: cacheKey, sha256: hash), under: referenceKey)
            }
        }
        if let certified = options.certifiedQueries {
            fromCertificate = certified[name] == hash ? true : nil
            answer = fromCertificate == true ? .unsat : .unknown("not certified")
        } else if let hit {
            fromCache = true
            answer = hit.verdict == "unsat" ? .unsat : .sat(q, CachedModel(context: q.z3, values: hit.values ?? [:]))
        } else {
            do {
                switch try q.solver.check(assuming: assuming, anew: anew) {
                case .unsat:
                    answer = .unsat
                    if let cache = options.cache, let cacheKey { cache.store(cacheKey, CachedAnswer(verdict: "unsat")) }
                case .sat(let m):
                    answer = .sat(q, m)
                    if let cache = options.cache, let cacheKey { cache.store(cacheKey, CachedAnswer(verdict: "sat", values: m.scalarValues())) }
                case .unknown(let why):
                    // Never cached: a timeout says nothing about the next attempt.
                    answer = .unknown(why)
                }
            } catch {
                answer = .unknown("solver error: \(error)")
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let verdict: String
        switch answer {
        case .unsat: verdict = "unsat"
        case .sat, .satisfiable: verdict = "sat"
        case .unknown(let why): verdict = "unknown: \(why)"
        }
        var file: String?
        if let dir = options.emitDirectory {
            let fileName = "\(model.name).\(name).smt2".replacingOccurrences(of: "/", with: "_")
            let path = (dir as NSString).appendingPathComponent(fileName)
            let header = [
                "Titan Verify query: \(model.name).\(description)",
                "spec: \(specPath)",
                fromCertificate == true
                    ? "verdict: \(verdict) (from a proof certificate; \(Prover.solverName) was not called)"
                    : "\(Prover.solverName) verdict: \(verdict)",
                "unsat: the obligation holds; sat: a counterexample exists",
            ].map { "; " + $0 }.joined(separator: "\n")
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try (header + "\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
                file = path
            } catch {
                file = nil
            }
        }
        records.append(QueryRecord(name: name, verdict: verdict, seconds: seconds, file: file, sha256: hash,
                                   fromCertificate: fromCertificate, fromCache: fromCache))
        return answer
    }
}
