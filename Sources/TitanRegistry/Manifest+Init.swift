import Foundation
import TitanIR
import TitanSpec

extension Manifest {
    /// What `tpm init` claims: every `.tspec` under `specs/` and all of its properties.
    public static func discoverSpecs(in directory: URL) throws -> (specs: [String], properties: [String]) {
        let specDir = directory.appendingPathComponent("specs")
        guard FileManager.default.fileExists(atPath: specDir.path) else { return ([], []) }
        let files: [SpecFile]
        do { files = try SpecLoader.load(paths: [specDir.path]) } catch let e as SpecErrors {
            throw RegistryError.specError(e.description)
        }
        var specs: [String] = [], properties: [String] = []
        for f in files {
            specs.append(String(f.path.dropFirst(directory.path.count + 1)))
            for m in f.models { properties += m.properties.map { "\(m.name).\($0.name)" } }
        }
        return (specs, properties)
    }
}
