import Foundation
import NIOCore
import NIOHTTP1

/// A registry served by `tpm serve`, over its JSON API (`Docs/registry-openapi.yaml`).
public struct HTTPRegistryClient: RegistryClient {
    public let base: URL
    public init(base: URL) { self.base = base }

    struct ErrorBody: Codable { var error: String; var message: String }

    /// A publish re-proves every claimed property on the server: the answer may be long in coming.
    static let idleTimeout = TimeAmount.seconds(900)

    /// One exchange with the server; a failure to reach it, or an answer cut short, is `unavailable`.
    func exchange(_ method: HTTPMethod, _ url: URL, headers: [(String, String)] = [], body: Data? = nil,
                  onBody: (ByteBuffer) -> Void) async throws -> Int {
        do {
            return try await HTTPExchange.perform(url, method: method, headers: headers, body: body, idleTimeout: Self.idleTimeout, onBody: onBody)
        } catch let e as HTTPExchange.Failure {
            throw RegistryError.unavailable("\(base.absoluteString): \(e.description)")
        } catch let e as HTTPExchange.ConnectFailure {
            throw RegistryError.unavailable("\(base.absoluteString): cannot connect: \(ConnectionFailure.describe(e.underlying))")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Connected, then lost: reset by the server, a malformed answer, TLS cut short.
            throw RegistryError.unavailable("\(base.absoluteString): the connection failed: \(ConnectionFailure.describe(error))")
        }
    }

    /// A refusal's JSON body as the error it names.
    func refusal(status: Int, body: Data) -> RegistryError {
        if let e = try? JSONDecoder().decode(ErrorBody.self, from: body) {
            return RegistryError.remote(code: e.error, message: e.message, status: status)
        }
        return RegistryError.remote(code: "http-\(status)", message: "HTTP \(status) from \(base.absoluteString)", status: status)
    }

    func call(_ method: HTTPMethod, _ path: String, query: [URLQueryItem] = [], body: Data? = nil) async throws -> Data {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query }
        var data = Data()
        let status = try await exchange(method, components.url!, headers: body == nil ? [] : [("Content-Type", "application/json")],
                                        body: body) { data.append(contentsOf: $0.readableBytesView) }
        guard (200..<300).contains(status) else { throw refusal(status: status, body: data) }
        return data
    }

    func decode<T: Decodable>(_ t: T.Type, _ data: Data) throws -> T {
        do { return try JSONDecoder().decode(t, from: data) } catch {
            throw RegistryError.unavailable("unexpected answer from \(base.absoluteString): \(error)")
        }
    }

    static func encode<T: Encodable>(_ v: T) -> Data { (try? JSONEncoder().encode(v)) ?? Data() }

    public func publish(_ bundle: Data) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call(.POST, "v1/packages", body: bundle))
    }

    /// Publishes asking for the re-check's progress as it happens (`Accept: application/x-ndjson`):
    /// each progress line goes to `progress`, and the last line carries the outcome.
    public func publish(_ bundle: Data, progress: (@Sendable (String) -> Void)?) async throws -> PackageVersionInfo {
        guard let progress else { return try await publish(bundle) }
        // The whole answer, and where its first line not yet read starts.
        var answer = Data(), unread = 0
        var outcome: PublishEvent?
        func take(_ line: Data) {
            guard let event = try? JSONDecoder().decode(PublishEvent.self, from: line) else { return }
            if event.event == "progress", let m = event.message { progress(m) } else { outcome = event }
        }
        let status = try await exchange(.POST, base.appendingPathComponent("v1/packages"),
                                        headers: [("Content-Type", "application/json"), ("Accept", RegistryServer.progressContentType)],
                                        body: bundle) { piece in
            answer.append(contentsOf: piece.readableBytesView)
            while let nl = answer[unread...].firstIndex(of: UInt8(ascii: "\n")) {
                take(answer[unread..<nl])
                unread = nl + 1
            }
        }
        // Lines are streamed only from a successful answer; a refusal is one JSON body.
        guard (200..<300).contains(status) else { throw refusal(status: status, body: answer) }
        if unread < answer.count { take(answer[unread...]) }
        guard let outcome else { throw RegistryError.unavailable("\(base.absoluteString): the publish ended without an outcome") }
        if let info = outcome.version, outcome.event == "published" { return info }
        throw RegistryError.remote(code: outcome.error ?? "internal", message: outcome.message ?? "publish failed", status: outcome.status ?? 500)
    }

    public func search(_ query: String) async throws -> [PackageSummary] {
        try decode([PackageSummary].self, try await call(.GET, "v1/packages", query: [URLQueryItem(name: "q", value: query)]))
    }

    public func versions(of name: String) async throws -> [PackageVersionInfo] {
        try decode([PackageVersionInfo].self, try await call(.GET, "v1/packages/\(name)"))
    }

    public func version(_ name: String, _ version: String) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call(.GET, "v1/packages/\(name)/\(version)"))
    }

    public func bundle(_ name: String, _ version: String) async throws -> Data {
        try await call(.GET, "v1/packages/\(name)/\(version)/bundle")
    }

    public func yank(_ name: String, _ version: String, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call(.POST, "v1/packages/\(name)/\(version)/yank",
                                                            body: Self.encode(SignedRequest(signature: signature, sequence: sequence))))
    }

    public func list(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call(.POST, "v1/packages/\(name)/\(version)/listing",
                                                            body: Self.encode(SignedRequest(signature: signature, sequence: sequence, price: price))))
    }

    public func buy(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> Purchase {
        try decode(Purchase.self, try await call(.POST, "v1/packages/\(name)/\(version)/purchases",
                                                 body: Self.encode(SignedRequest(signature: signature, sequence: sequence, price: price))))
    }
}
