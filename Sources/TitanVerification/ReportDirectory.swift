import Foundation

/// Failures writing report or certificate files, with messages meant for the command line.
public enum ReportWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The target exists and does not look like something titan wrote; it is left alone.
    case notAReportDirectory(String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAReportDirectory(let p):
            return "refusing to replace \(p): it exists and is not a report directory (a non-empty directory without report.json, or a file)"
        case .cannotWrite(let p, let why):
            return "could not write \(p): \(why)"
        }
    }
}

/// A report directory that is replaced as a whole: every file is written into a staging
/// directory beside it, which is then renamed into place, so a failure leaves either the old
/// report or the new one, never a mix or a half-written file.
public struct ReportDirectory {
    public var path: String
    public init(path: String) { self.path = path }

    public func replace(with files: [(path: String, data: Data)]) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: target.path, isDirectory: &isDir)
        if exists {
            // Only a directory titan wrote (or an empty one) may be replaced wholesale.
            let contents = (try? fm.contentsOfDirectory(atPath: target.path)) ?? []
            guard isDir.boolValue, contents.isEmpty || contents.contains("report.json") else {
                throw ReportWriteError.notAReportDirectory(path)
            }
        }
        let tag = UUID().uuidString.prefix(8)
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).writing-\(tag)")
        let old = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(tag)")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            for file in files {
                let url = staging.appendingPathComponent(file.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try file.data.write(to: url)
            }
            if exists { try fm.moveItem(at: target, to: old) }
            do {
                try fm.moveItem(at: staging, to: target)
            } catch {
                if exists { try? fm.moveItem(at: old, to: target) }
                throw error
            }
            if exists { try? fm.removeItem(at: old) }
        } catch let e as ReportWriteError {
            throw e
        } catch {
            try? fm.removeItem(at: staging)
            throw ReportWriteError.cannotWrite(path: path, reason: Self.reason(error, path: staging.appendingPathComponent("x").path))
        }
    }

    /// Writes one file atomically (temporary file, then rename), creating its directory.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw ReportWriteError.cannotWrite(path: path, reason: reason(error, path: path))
        }
    }

    /// A short cause for a failed write: the POSIX error when Foundation has one, else what is in the way.
    static func reason(_ error: Error, path: String? = nil) -> String {
        var ns: NSError? = error as NSError
        while let e = ns {
            if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
            ns = e.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        if let path {
            // Foundation often reports a file standing where a directory is needed as a bare code.
            var url = URL(fileURLWithPath: path).deletingLastPathComponent()
            while url.path != "/" {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
                    if !isDir.boolValue { return "\(url.path) is a file, not a directory" }
                    if !FileManager.default.isWritableFile(atPath: url.path) { return "\(url.path) is not writable" }
                    break
                }
                url.deleteLastPathComponent()
            }
        }
        return (error as NSError).localizedDescription
    }
}
