import Foundation
import TitanIR
import TitanProver
import TitanVerification
import TitanSpec

/// The registry's own re-check of a bundle's claimed properties: it parses the bundled specs and
/// runs its prover. Publisher certificates in the bundle are never consulted for the verdict.
public struct Recheck: Sendable {
    public static let toolVersion = TitanVersion.current
    /// Recorded with every verdict; `tpm audit` calls a verdict stale when this changes.
    public static var checkedWith: String { "titan \(toolVersion); \(Prover.solverName)" }

    public var depth: Int
    public var timeoutSeconds: Double
    public var jobs: Int
    public init(depth: Int = 4, timeoutSeconds: Double = 30, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.depth = depth; self.timeoutSeconds = timeoutSeconds; self.jobs = jobs
    }

    public struct Outcome: Sendable {
        public var status: VerificationStatus
        public var reasons: [String]
        public var verdicts: [PropertyVerdict]
        public var report: Report
    }

    /// Parses the specs the manifest names and checks that every claimed property exists.
    /// Throws before anything is proved.
    public static func specs(of bundle: PackageBundle, manifest: Manifest) throws -> [SpecFile] {
        var files: [SpecFile] = []
        for path in manifest.specs {
            guard let entry = bundle.file(path) else {
                throw RegistryError.malformedBundle("spec '\(path)' named in [proofs] specs is not in the bundle")
            }
            guard let text = String(data: entry.content, encoding: .utf8) else {
                throw RegistryError.specError("\(path): not UTF-8 text")
            }
            do {
                files.append(try SpecLoader.parse(text: text, path: path))
            } catch let e as SpecErrors {
                throw RegistryError.specError(e.description)
            }
        }
        let declared = Set(files.flatMap { f in f.models.flatMap { m in m.properties.map { "\(m.name).\($0.name)" } } })
        let unknown = manifest.properties.filter { !declared.contains($0) }
        if !unknown.isEmpty { throw RegistryError.unknownProperty(unknown) }
        return files
    }

    /// Proves every model that holds a claimed property (whole models: rules rely on invariants).
    /// Verified only when every claimed property is proved; a timeout is unknown, never proved.
    /// `progress` hears each model as it starts and each property as it is settled.
    public func run(_ specs: [SpecFile], claimed: [String], progress: (@Sendable (String) -> Void)? = nil) -> Outcome {
        let wanted = Set(claimed)
        let models = Set(claimed.map { String($0.split(separator: ".")[0]) })
        let selected = specs.map { s in SpecFile(path: s.path, contentHash: s.contentHash, models: s.models.filter { models.contains($0.name) }) }
        var options = ProverOptions(depth: depth, timeoutSeconds: timeoutSeconds, jobs: jobs,
                                    // The gate decides proofs; searching for deep refutations is the publisher's job.
                                    simulationSeconds: 0)
        options.progress = progress
        let verification = Verification(options: options, toolVersion: Self.toolVersion)
        let results = verification.run(selected).results
        let report = Report(toolVersion: Self.toolVersion, options: verification.reportOptions, specs: specs.map(\.path), results: results)
        let verdicts = report.results.map { r in
            PropertyVerdict(name: "\(r.model).\(r.property)", spec: r.spec, kind: r.kind, claimed: wanted.contains("\(r.model).\(r.property)"),
                            status: r.status, method: r.method, reason: r.reason, counterexample: r.counterexample)
        }
        var reasons: [String] = []
        if claimed.isEmpty { reasons.append("no property is claimed in [proofs] properties") }
        for v in verdicts where v.claimed && v.status != .proved {
            reasons.append("\(v.name): \(v.status.rawValue) (\(v.method))" + (v.reason.map { ": \($0)" } ?? ""))
        }
        return Outcome(status: reasons.isEmpty ? .verified : .unverified, reasons: reasons, verdicts: verdicts, report: report)
    }
}
