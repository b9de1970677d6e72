import Foundation
import TitanIR
import TitanProver

/// The certificates directory (`Proofs/` by default): one JSON file per proved property at
/// `<dir>/<spec path without .tspec>/<Model>/<property>.json`. The spec path is part of the
/// location because specs in different files may declare models of the same name.
public struct ProofStore: Sendable {
    public var directory: String
    public init(directory: String) { self.directory = directory }

    /// Where a property's certificate lives. Relative spec paths are kept; absolute ones are made
    /// relative to the working directory when inside it; `..` cannot climb out of the store.
    public func path(spec: String, model: String, property: String) -> String {
        var path = spec
        let cwd = FileManager.default.currentDirectoryPath
        if path.hasPrefix(cwd + "/") { path = String(path.dropFirst(cwd.count + 1)) }
        var parts = path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        parts = parts.map { $0 == ".." ? "_parent_" : $0 }
        if let last = parts.last, last.hasSuffix(".tspec") { parts[parts.count - 1] = String(last.dropLast(6)) }
        // Built as a string so that messages show the path as the user gave the directory.
        let relative = (parts + [model, "\(property).json"]).joined(separator: "/")
        return (directory.hasSuffix("/") ? directory : directory + "/") + relative
    }

    public enum Lookup: Sendable {
        case missing
        case unreadable(String)
        case found(ProofCertificate)
    }

    public func certificate(spec: String, model: String, property: String) -> Lookup {
        let path = path(spec: spec, model: model, property: property)
        guard let data = FileManager.default.contents(atPath: path) else { return .missing }
        do {
            return .found(try JSONDecoder().decode(ProofCertificate.self, from: data))
        } catch {
            return .unreadable("\(path) is not a valid certificate")
        }
    }

    public func write(_ c: ProofCertificate) throws {
        try ReportDirectory.writeAtomically(c.json(), to: path(spec: c.spec, model: c.model, property: c.property))
    }

    /// Removes a certificate that no longer holds (the property is no longer proved).
    public func remove(spec: String, model: String, property: String) throws {
        let path = path(spec: spec, model: model, property: property)
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw ReportWriteError.cannotWrite(path: path, reason: ReportDirectory.reason(error, path: path))
        }
    }

    /// Why a property's certificate cannot be trusted as it stands, or nil when it may be replayed.
    public func staleness(of property: String, model: String, in spec: SpecFile, toolVersion: String, solver: String) -> String? {
        switch certificate(spec: spec.path, model: model, property: property) {
        case .missing: return "no certificate"
        case .unreadable(let why): return why
        case .found(let c):
            if c.certificateVersion != ProofCertificate.currentVersion { return "certificate format \(c.certificateVersion) is not \(ProofCertificate.currentVersion)" }
            if c.spec != spec.path || c.model != model || c.property != property { return "certificate names another property" }
            if c.verdict != .proved { return "certificate does not record a proof" }
            if c.specSHA256 != spec.contentHash { return "spec changed" }
            if c.toolVersion != toolVersion { return "tool version changed (\(c.toolVersion) -> \(toolVersion))" }
            if c.solver != solver { return "solver changed (\(c.solver) -> \(solver))" }
            return nil
        }
    }
}
