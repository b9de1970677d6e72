import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A registry served by `tpm serve`, over its JSON API (`Docs/registry-openapi.yaml`).
public struct HTTPRegistryClient: RegistryClient {
    public let base: URL
    public init(base: URL) { self.base = base }

    struct ErrorBody: Codable { var error: String; var message: String }

    func call(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil) async throws -> Data {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        // A publish re-proves every claimed property on the server.
        request.timeoutInterval = 900
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw RegistryError.unavailable("\(base.absoluteString): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            if let e = try? JSONDecoder().decode(ErrorBody.self, from: data) {
                throw RegistryError.remote(code: e.error, message: e.message, status: status)
            }
            throw RegistryError.remote(code: "http-\(status)", message: "HTTP \(status) from \(base.absoluteString)", status: status)
        }
        return data
    }

    func decode<T: Decodable>(_ t: T.Type, _ data: Data) throws -> T {
        do { return try JSONDecoder().decode(t, from: data) } catch {
            throw RegistryError.unavailable("unexpected answer from \(base.absoluteString): \(error)")
        }
    }

    static func encode<T: Encodable>(_ v: T) -> Data { (try? JSONEncoder().encode(v)) ?? Data() }

    public func publish(_ bundle: Data) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call("POST", "v1/packages", body: bundle))
    }

    public func search(_ query: String) async throws -> [PackageSummary] {
        try decode([PackageSummary].self, try await call("GET", "v1/packages", query: [URLQueryItem(name: "q", value: query)]))
    }

    public func versions(of name: String) async throws -> [PackageVersionInfo] {
        try decode([PackageVersionInfo].self, try await call("GET", "v1/packages/\(name)"))
    }

    public func version(_ name: String, _ version: String) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call("GET", "v1/packages/\(name)/\(version)"))
    }

    public func bundle(_ name: String, _ version: String) async throws -> Data {
        try await call("GET", "v1/packages/\(name)/\(version)/bundle")
    }

    public func yank(_ name: String, _ version: String, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call("POST", "v1/packages/\(name)/\(version)/yank",
                                                            body: Self.encode(OwnerRequest(signature: signature, price: nil))))
    }

    public func list(_ name: String, _ version: String, price: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call("POST", "v1/packages/\(name)/\(version)/listing",
                                                            body: Self.encode(OwnerRequest(signature: signature, price: price))))
    }

    public func buy(_ name: String, _ version: String, buyer: String) async throws -> Purchase {
        try decode(Purchase.self, try await call("POST", "v1/packages/\(name)/\(version)/purchases", body: Self.encode(PurchaseRequest(buyer: buyer))))
    }
}

/// The body of the yank and listing requests.
public struct OwnerRequest: Codable, Sendable {
    public var signature: PackageBundle.Signature
    public var price: Int64?
}

public struct PurchaseRequest: Codable, Sendable {
    public var buyer: String
}
