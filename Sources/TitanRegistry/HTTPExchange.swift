import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request on a connection of its own (`http`, or `https` with the system's trust
/// roots), the answer's body handed over as it arrives.
///
/// On swift-nio rather than URLSession: on Linux, URLSession spins a core for as long as an answer
/// is awaited (its socket's dispatch sources fire without pause), and a publish awaits the
/// server's whole re-check. Measured: a 16 s publish cost its client 16 s of CPU.
enum HTTPExchange {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The connection could not be made (refused, unresolved, timed out, TLS handshake).
    struct ConnectFailure: Error {
        var underlying: Error
    }

    /// One TLS context for every request: building it reads the system's trust roots.
    static let tlsContext = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }

    /// Sends `method` to `url` and returns the answer's status; `onBody` hears each piece of the
    /// body. Fails when no byte arrives for `idleTimeout` (a publish streams its progress, so a
    /// long re-check is not idle), or when the connection ends before the answer does.
    static func perform(_ url: URL, method: HTTPMethod, headers: [(String, String)] = [], body: Data? = nil,
                        idleTimeout: TimeAmount, onBody: (ByteBuffer) -> Void) async throws -> Int {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let spelled = components.encodedHost ?? components.host, !spelled.isEmpty else {
            throw Failure(description: "not an http:// or https:// URL")
        }
        // The host as sent: ASCII (an international name in its xn-- form), an IPv6 address without brackets.
        let host = spelled.hasPrefix("[") && spelled.hasSuffix("]") ? String(spelled.dropFirst().dropLast()) : spelled
        let tls = scheme == "https"
        let port = components.port ?? (tls ? 443 : 80)
        let target = (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
            + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (components.port.map { ":\($0)" } ?? "")
        let context = tls ? try tlsContext.get() : nil
        // A name goes in TLS's SNI and is checked against the certificate; an address cannot be sent there.
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        let serverName = isAddress ? nil : host

        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(30))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let context {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                        try channel.pipeline.syncOperations.addHandler(IdleFailure(after: idleTimeout))
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ConnectFailure(underlying: error)
        }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
            head.headers.add(name: "Host", value: hostHeader)
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            if let body { head.headers.add(name: "Content-Length", value: "\(body.count)") }
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status: Int?
            for try await part in inbound {
                switch part {
                // NIOHTTP1's decoder drops informational (1xx) heads: this is the answer's own.
                case .head(let h): status = Int(h.status.code)
                case .body(let piece): onBody(piece)
                case .end: if let status { return status }
                }
            }
            throw Failure(description: "the connection closed before the answer ended")
        }
    }

    /// Turns the idle event into an error on the answer's stream, and closes the connection.
    final class IdleFailure: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPClientResponsePart
        typealias InboundOut = HTTPClientResponsePart
        let after: TimeAmount
        init(after: TimeAmount) { self.after = after }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
                context.fireUserInboundEventTriggered(event)
                return
            }
            context.fireErrorCaught(Failure(description: "no answer within \(after.nanoseconds / 1_000_000_000) s"))
            context.close(promise: nil)
        }
    }
}
