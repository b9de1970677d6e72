import Foundation

/// `~/.titan`, where `tpm` keeps the publisher key and the embedded registry store. `$HOME` is
/// honoured when set (Foundation's home directory on Linux reads the password database and
/// ignores it); otherwise the user's home directory.
public var titanHome: URL {
    homeDirectory.appendingPathComponent(".titan")
}

/// `$HOME` when set and not empty, else the user's home directory.
public var homeDirectory: URL {
    if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return URL(fileURLWithPath: home) }
    return FileManager.default.homeDirectoryForCurrentUser
}

/// The publisher (and buyer) key `tpm keygen` writes by default: `~/.titan/publisher.key`.
public var defaultKeyPath: String { titanHome.appendingPathComponent("publisher.key").path }
