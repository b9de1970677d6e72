import ArgumentParser
import Foundation
import TitanIR
import TitanProver
import TitanReport
import TitanVerification
import TitanSpec

/// `titan verify --watch`: what is known between polls.
private struct WatchState {
    /// Modification date of every spec file seen.
    var modified: [String: Date] = [:]
    /// The text of each model, by "file \u{1F} model": a model is verified again only when it changes.
    var modelText: [String: String] = [:]
    /// The latest results, by "file \u{1F} model".
    var results: [String: [PropertyResult]] = [:]
    /// Diagnostics of files that do not check, by file.
    var errors: [String: String] = [:]
}

extension Titan.Verify {
    /// Polls the spec files every 0.5 s and re-verifies the models whose text changed. Never
    /// returns: Ctrl-C exits 0, since stopping is how a watch ends.
    func watchLoop() throws -> Never {
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { Foundation.exit(0) }
        interrupt.resume()
        var verification = try makeVerification().0
        // Progress lines would scroll the screen away; only an explicit --progress keeps them.
        if progress != true { verification.options.progress = nil }
        var state = WatchState()
        var first = true
        while true {
            let changed = pollChanges(&state)
            if !changed.isEmpty || first {
                reverify(changed, &state, verification)
                first = false
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// The spec files whose modification date changed (or that appeared or vanished) since the last poll.
    private func pollChanges(_ state: inout WatchState) -> [String] {
        let files = Set(paths.flatMap(SpecLoader.specFiles(at:)))
        var changed: [String] = []
        for file in files.sorted() {
            let date = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date ?? .distantPast
            if state.modified[file] != date { changed.append(file) }
            state.modified[file] = date
        }
        for file in state.modified.keys where !files.contains(file) {
            changed.append(file)
            state.modified[file] = nil
        }
        return changed
    }

    /// Checks the changed files, verifies the models whose text changed, and redraws the screen.
    private func reverify(_ files: [String], _ state: inout WatchState, _ verification: Verification) {
        var toVerify: [SpecFile] = []
        var unchanged = 0
        for file in files {
            let keys = state.modelText.keys.filter { $0.hasPrefix(file + "\u{1F}") }
            guard let bytes = FileManager.default.contents(atPath: file), let text = String(data: bytes, encoding: .utf8) else {
                // Gone or unreadable: its models leave the screen.
                keys.forEach { state.modelText[$0] = nil; state.results[$0] = nil }
                state.errors[file] = FileManager.default.fileExists(atPath: file) ? "\(file): error: cannot read file" : nil
                continue
            }
            let analysis = SpecLoader.analyze(text: text, path: file)
            guard let spec = analysis.file, let outline = analysis.models else {
                state.errors[file] = analysis.diagnostics.map(\.description).joined(separator: "\n")
                continue
            }
            state.errors[file] = nil
            let characters = Array(text)
            var selected = spec
            selected.models = spec.models.filter { model in
                let key = file + "\u{1F}" + model.name
                let extent = outline.first { $0.name == model.name }.map { String(characters[$0.start..<min($0.end, characters.count)]) }
                if extent != nil, state.modelText[key] == extent, state.results[key] != nil { unchanged += 1; return false }
                state.modelText[key] = extent
                return true
            }
            // Models deleted from the file leave the screen too.
            let present = Set(spec.models.map { file + "\u{1F}" + $0.name })
            for key in keys where !present.contains(key) { state.modelText[key] = nil; state.results[key] = nil }
            if !selected.models.isEmpty { toVerify.append(selected) }
        }
        let previous = state.results
        if !toVerify.isEmpty {
            let results = verification.run(toVerify).results
            let touched = Set(toVerify.flatMap { f in f.models.map { f.path + "\u{1F}" + $0.name } })
            touched.forEach { state.results[$0] = [] }
            for r in results { state.results[r.spec + "\u{1F}" + r.model, default: []].append(r) }
        }
        draw(state, previous: previous, verified: toVerify.reduce(0) { $0 + $1.models.count }, unchanged: unchanged)
        writeWatchReport(state)
    }

    /// A compact screen: verdicts that changed in this round first, then what still fails, then counts.
    private func draw(_ state: WatchState, previous: [String: [PropertyResult]], verified: Int, unchanged: Int) {
        var out = isatty(1) != 0 ? "\u{1B}[2J\u{1B}[H" : "\n"
        let time = DateFormatter.localizedString(from: Date(), dateStyle: .none, timeStyle: .medium)
        out += "titan verify --watch  \(time)  \(verified) model(s) verified, \(unchanged) unchanged  (Ctrl-C to stop)\n"
        for (_, message) in state.errors.sorted(by: { $0.key < $1.key }) { out += "\n" + message + "\n" }
        let before = Dictionary(previous.values.joined().map { ("\($0.spec)\u{1F}\($0.model)\u{1F}\($0.property)", $0.status) },
                                uniquingKeysWith: { a, _ in a })
        let all = state.results.keys.sorted().flatMap { state.results[$0] ?? [] }
        var changedLines: [String] = []
        var failing: [String] = []
        var counts: [Status: Int] = [:]
        for r in all {
            counts[r.status, default: 0] += 1
            let was = before["\(r.spec)\u{1F}\(r.model)\u{1F}\(r.property)"]
            let line = "  \(r.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.model).\(r.property)  (\(r.spec):\(r.line))"
            if was != r.status {
                changedLines.append(line + (was.map { "  was \($0.rawValue)" } ?? "  new"))
            } else if r.status != .proved {
                failing.append(line)
            }
        }
        if !changedLines.isEmpty { out += "\nChanged:\n" + changedLines.joined(separator: "\n") + "\n" }
        if !failing.isEmpty { out += "\nStill not proved:\n" + failing.joined(separator: "\n") + "\n" }
        let summary = [Status.proved, .violated, .vacuous, .unknown, .error].compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }
        out += "\n" + (summary.isEmpty ? "no properties" : summary.joined(separator: ", ")) + "\n"
        print(out, terminator: "")
        fflush(stdout)
    }

    /// The report of every model on screen, so editors' code lenses show the latest verdicts.
    private func writeWatchReport(_ state: WatchState) {
        guard !noReport else { return }
        let results = state.results.keys.sorted().flatMap { state.results[$0] ?? [] }
        let report = Report(toolVersion: Titan.version, options: Report.Options(depth: depth, timeoutSeconds: timeout),
                            specs: Array(Set(results.map(\.spec))).sorted(), results: results)
        do { try report.write(to: reportDir) } catch { printError("error: report: \(error)") }
    }
}
