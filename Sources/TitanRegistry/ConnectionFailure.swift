import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why a connection (to PostgreSQL, or to a `tpm serve` URL) could not be made, in one line:
/// `127.0.0.1:5432: Connection refused`, not swift-nio's structure dump.
enum ConnectionFailure {
    static func describe(_ error: Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first {
                return "\(first.target.ipAddress ?? e.host):\(first.target.port ?? e.port): \(describe(first.error))"
            }
            if let dns = e.dnsAAAAError ?? e.dnsAError { return "cannot resolve host: \(dns)" }
            return "\(e.host):\(e.port): no address to connect to"
        }
        if let tls = error as? NIOSSLError {
            // BoringSSL's reason (WRONG_VERSION_NUMBER: the server does not speak TLS), not its dump.
            let reasons = "\(tls)".matches(of: #/OPENSSL_internal:([A-Z0-9_]+)/#).map { String($0.output.1) }
            return "TLS handshake failed" + (reasons.isEmpty ? ": \(tls)" : ": " + reasons.joined(separator: ", "))
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if error is ChannelError { return "\(error) (timed out or refused)" }
        return "\(error)"
    }
}
