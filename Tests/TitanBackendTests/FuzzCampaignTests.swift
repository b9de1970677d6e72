import Foundation
import TitanTestSupport
import Testing
import TitanBackends
import TitanFuzz
import TitanUInt256

@Suite("titan fuzz: campaigns, corpus, external backends", .watched)
struct FuzzCampaignTests {
    @Test("every built-in backend runs clean apart from its documented known divergences")
    func builtinsClean() throws {
        var options = Campaign.Options()
        options.seed = 11
        options.maxSequences = 150
        let backends = BuiltinBackends.names.map { BuiltinBackends.make($0)! }
        let report = try Campaign(reference: try makeReference(), backends: backends, options: options).run()
        #expect(report.divergence == nil, "\(report.divergence.map(Campaign.describe) ?? "")")
        for f in report.known {
            let b = backends.first { $0.name == f.backend }!
            guard case .known(let name) = f.verdict else { continue }
            #expect(b.knownDivergences.contains { $0.name == name })
        }
        #expect(report.operations > 1000)
    }

    @Test("the same seed gives the same campaign")
    func reproducible() throws {
        var options = Campaign.Options()
        options.seed = 5
        options.maxSequences = 60
        func summary() throws -> [String] {
            let r = try Campaign(reference: try makeReference(), backends: [EVMBackend(), BitcoinBackend()], options: options).run()
            return ["\(r.operations)"] + r.known.map { "\($0.backend) \($0.verdict) \($0.count) \($0.trace)" }
        }
        #expect(try summary() == summary())
        var g1 = SequenceGenerator(seed: 9), g2 = SequenceGenerator(seed: 9), g3 = SequenceGenerator(seed: 10)
        let a = (0..<20).map { _ in g1.next() }
        #expect(a == (0..<20).map { _ in g2.next() })
        #expect(a != (0..<20).map { _ in g3.next() })
    }

    @Test("a backend whose transfer credits a self-transfer twice is caught and shrunk")
    func inProcessBug() throws {
        final class DoubleCredit: ChainBackend {
            let inner = EVMBackend(withPresenceAdapter: true)
            var name: String { "double-credit" }
            var summary: String { "" }
            var knownDivergences: [KnownDivergence] { [] }
            func reset() { inner.reset() }
            func storageWrite(key: [UInt8], value: [UInt8]) -> Int { inner.storageWrite(key: key, value: value) }
            func storageRead(key: [UInt8], bufLen: Int) -> StorageReadResult { inner.storageRead(key: key, bufLen: bufLen) }
            func storageDelete(key: [UInt8]) -> Int { inner.storageDelete(key: key) }
            func mint(to: Address, amount: UInt256) -> Int { inner.mint(to: to, amount: amount) }
            func transfer(from: Address, to: Address, amount: UInt256) -> Int {
                guard inner.balance(of: from) >= amount else { return 1 }
                _ = inner.transfer(from: from, to: Address(index: 250), amount: amount)   // debit
                _ = inner.transfer(from: Address(index: 250), to: to, amount: amount)      // credit
                if from == to && !amount.isZero { _ = inner.mint(to: to, amount: amount) } // credited twice
                return 0
            }
            func balance(of addr: Address) -> UInt256 { inner.balance(of: addr) }
            func totalSupply() -> UInt256 { inner.totalSupply() }
        }
        var options = Campaign.Options()
        options.maxSequences = 500
        let report = try Campaign(reference: try makeReference(), backends: [DoubleCredit()], options: options).run()
        let d = try #require(report.divergence)
        #expect(d.trace.count <= 3, "\(Campaign.describe(d))")
        #expect(d.trace.contains { if case .transfer(let f, let t, _) = $0 { return f == t }; return false })
    }

    @Test("every corpus file replays as it expects")
    func corpusReplays() throws {
        let dir = packageRoot.appendingPathComponent("Corpus")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        #expect(!files.isEmpty)
        let runner = try makeRunner()
        for name in files {
            let corpus = try CorpusFile.load(dir.appendingPathComponent(name).path)
            let backend: ChainBackend
            if corpus.backend.hasPrefix("cmd:") {
                let b = ExternalProcessBackend(command: String(corpus.backend.dropFirst(4)), timeout: 10)
                b.workingDirectory = packageRoot.path
                backend = b
            } else {
                backend = try #require(BuiltinBackends.make(corpus.backend), "\(name): unknown backend")
            }
            defer { (backend as? ExternalProcessBackend)?.stop() }
            #expect(try runner.run(corpus.operations, on: backend).verdict == corpus.expect, "\(name)")
        }
    }

    @Test("corpus files round-trip through their text")
    func corpusRoundTrip() throws {
        let ops: [TitanCall] = [.storageWrite(key: [], value: [0xff]), .storageRead(key: [], bufLen: 0), .storageDelete(key: [1]),
                                .mint(to: Address(index: 1), amount: .max), .transfer(from: Address(index: 1), to: Address(index: 2), amount: UInt256(3)),
                                .balance(Address(index: 2)), .totalSupply]
        let f = CorpusFile(backend: "evm", expect: .known("x"), found: "known:x", seed: 4, operations: ops)
        let back = try CorpusFile.parse(f.text())
        #expect(back.operations == ops && back.backend == "evm" && back.expect == .known("x") && back.seed == 4)
        #expect(throws: CorpusFile.FormatError.self) { try CorpusFile.parse("{\"titan_corpus\":1}\n") }
    }
}

@Suite("External backends over JSON Lines", .watched)
struct ExternalBackendTests {
    let example = "python3 " + packageRoot.appendingPathComponent("examples/backend/titan_backend.py").path

    func campaign(_ cmd: String, sequences: Int = 300, timeout: Double = 10) throws -> Campaign.Report {
        var options = Campaign.Options()
        options.maxSequences = sequences
        let b = ExternalProcessBackend(command: cmd, timeout: timeout)
        defer { b.stop() }
        return try Campaign(reference: try makeReference(), backends: [b], options: options).run()
    }

    @Test("the example backend agrees with the reference")
    func exampleClean() throws {
        let r = try campaign(example)
        #expect(r.divergence == nil, "\(r.divergence.map(Campaign.describe) ?? "")")
        #expect(r.known.isEmpty)
    }

    @Test("planted transfer-self: found and shrunk to mint, self-transfer, balance")
    func plantedSelfTransfer() throws {
        let d = try #require(try campaign(example + " --plant transfer-self").divergence)
        #expect(d.trace.count == 3, "\(Campaign.describe(d))")
        #expect(d.trace.contains { if case .transfer(let f, let t, _) = $0 { return f == t }; return false })
    }

    @Test("planted buffer-off-by-one: found and shrunk to a write and a read with an exact buffer")
    func plantedBuffer() throws {
        let d = try #require(try campaign(example + " --plant buffer-off-by-one").divergence)
        #expect(d.trace.count == 2, "\(Campaign.describe(d))")
        if case .storageWrite(_, let v) = d.trace[0], case .storageRead(_, let n) = d.trace[1] { #expect(v.count == n) }
    }

    func failure(_ script: String, timeout: Double = 10) throws -> BackendFailure {
        let b = ExternalProcessBackend(command: script, timeout: timeout)
        defer { b.stop() }
        do {
            _ = try b.performAll([.storageWrite(key: [1], value: [2]), .totalSupply])
        } catch let e as BackendFailure {
            #expect(b.process == nil, "the child must not be left running")
            return e
        }
        Issue.record("expected a backend failure")
        return BackendFailure("")
    }

    @Test("a crashing backend is reported with the sequence so far and its stderr")
    func crash() throws {
        let e = try failure("sh -c 'read line; echo boom >&2; exit 3'")
        #expect(e.message.contains("exited (status 3)"), "\(e)")
        #expect(e.message.contains("reset"))
        #expect(e.stderr.contains("boom"))
    }

    @Test("a backend starts in its working directory; a missing one is reported with the shell's message and status")
    func workingDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("titan wd \(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The backend writes its directory to stderr, then fails: its stderr comes with the failure.
        let b = ExternalProcessBackend(command: "sh -c 'pwd >&2; exit 4'", timeout: 10)
        b.workingDirectory = dir.path
        #expect(throws: BackendFailure.self) { _ = try b.performAll([.totalSupply]) }
        #expect(b.stderrText.contains(dir.lastPathComponent), "\(b.stderrText)")
        b.workingDirectory = dir.appendingPathComponent("missing").path
        do {
            _ = try b.performAll([.totalSupply])
            Issue.record("a backend in a missing directory must fail")
        } catch let e as BackendFailure {
            // The shell exits before reading: our first write may fail first (closed stdin) or the read see the end.
            #expect(e.message.contains("exited (status 2)") || e.message.contains("closed its stdin (status 2)"), "\(e)")
            #expect(e.stderr.contains("missing"), "\(e.stderr)")
        }
        b.stop()
    }

    @Test("a backend that answers, then hangs, is reported after the per-operation timeout and killed")
    func hang() throws {
        let start = Date()
        // Answers the reset that starts every sequence, then never the write.
        let e = try failure(#"sh -c 'read line; echo "{\"id\":1,\"ret\":0}"; sleep 30'"#, timeout: 0.5)
        #expect(e.message.contains("did not answer request id 2 within 0.5 s (hung)"), "\(e)")
        #expect(Date().timeIntervalSince(start) < 5)
    }

    /// Processes of group `pgid` that are still alive (zombies waiting for init do not count).
    static func liveMembers(ofGroup pgid: pid_t) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid -> String? in
            guard Int(pid) != nil, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // Fields after the command name: state, ppid, pgrp.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", fields[2] == "\(pgid)" else { return nil }
            return stat
        }
    }

    /// Whether every process of a group has exited, allowing a killed process the moment the
    /// kernel takes to tear it down on a loaded machine.
    static func gone(_ group: pid_t) -> Bool {
        for _ in 0..<60 {
            if liveMembers(ofGroup: group).isEmpty { return true }
            usleep(50_000)
        }
        return false
    }

    @Test("a command that forks (a pipeline) runs to completion, and stopping it leaves none of its processes")
    func forkingCommand() throws {
        var options = Campaign.Options()
        options.maxSequences = 50
        let b = ExternalProcessBackend(command: "sh -c 'cat | \(example)'", timeout: 10)
        let report = try Campaign(reference: try makeReference(), backends: [b], options: options).run()
        #expect(report.divergence == nil)
        let group = try #require(b.process?.pid)
        #expect(Self.liveMembers(ofGroup: group).count >= 2, "the shell, cat and python run in the backend's group")
        b.stop()
        #expect(Self.gone(group), "\(Self.liveMembers(ofGroup: group))")
    }

    @Test("a hanging command is killed with its children after the per-operation timeout")
    func hangingPipeline() throws {
        let b = ExternalProcessBackend(command: "sh -c 'sleep 300 | sleep 300'", timeout: 0.5, startupTimeout: 0.5)
        defer { b.stop() }
        let start = Date()
        do {
            _ = try b.performAll([.totalSupply])
            Issue.record("expected a backend failure")
        } catch let e as BackendFailure {
            #expect(e.message.contains("hung"), "\(e)")
        }
        let group = b.lastGroup
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(group > 0)
        #expect(Self.gone(group), "\(Self.liveMembers(ofGroup: group))")
    }

    @Test("start-up has its own timeout: a backend slow to start is not hung, one that never answers is")
    func startupTimeout() throws {
        let slowStart = "sh -c 'sleep 1.5; exec \(example)'"
        let patient = ExternalProcessBackend(command: slowStart, timeout: 0.5, startupTimeout: 20)
        defer { patient.stop() }
        #expect(try patient.performAll([.mint(to: Address(index: 1), amount: UInt256(5)), .totalSupply]).last?.amount == UInt256(5))

        let impatient = ExternalProcessBackend(command: slowStart, timeout: 20, startupTimeout: 0.5)
        defer { impatient.stop() }
        do {
            _ = try impatient.performAll([.totalSupply])
            Issue.record("expected a start-up failure")
        } catch let e as BackendFailure {
            #expect(e.message.contains("first request within 0.5 s of starting"), "\(e)")
        }
    }

    @Test("non-JSON output and a wrong id are protocol failures")
    func protocolErrors() throws {
        #expect(try failure("sh -c 'read line; echo hello'").message.contains("not a JSON object"))
        #expect(try failure("sh -c 'read line; echo \"{\\\"id\\\":7,\\\"ret\\\":0}\"; sleep 5'").message.contains("with id 7 where 1 was expected"))
    }
}
