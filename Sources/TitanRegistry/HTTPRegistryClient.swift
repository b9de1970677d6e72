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

    /// Publishes asking for the re-check's progress as it happens (`Accept: application/x-ndjson`):
    /// each progress line goes to `progress`, and the last line carries the outcome.
    public func publish(_ bundle: Data, progress: (@Sendable (String) -> Void)?) async throws -> PackageVersionInfo {
        guard let progress else { return try await publish(bundle) }
        var request = URLRequest(url: base.appendingPathComponent("v1/packages"))
        request.httpMethod = "POST"
        request.timeoutInterval = 900
        request.httpBody = bundle
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(RegistryServer.progressContentType, forHTTPHeaderField: "Accept")
        let stream = LineStream()
        let delegate = LineStreamDelegate(stream: stream)
        let session = URLSession(configuration: .default, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        var outcome: PublishEvent?
        for try await line in stream.lines {
            guard let event = try? JSONDecoder().decode(PublishEvent.self, from: Data(line.utf8)) else { continue }
            if event.event == "progress", let m = event.message { progress(m) } else { outcome = event }
        }
        if let status = stream.status, !(200..<300).contains(status) {
            let data = stream.rest
            if let e = try? JSONDecoder().decode(ErrorBody.self, from: data) {
                throw RegistryError.remote(code: e.error, message: e.message, status: status)
            }
            throw RegistryError.remote(code: "http-\(status)", message: "HTTP \(status) from \(base.absoluteString)", status: status)
        }
        if let error = stream.error { throw RegistryError.unavailable("\(base.absoluteString): \(error.localizedDescription)") }
        guard let outcome else { throw RegistryError.unavailable("\(base.absoluteString): the publish ended without an outcome") }
        if let info = outcome.version, outcome.event == "published" { return info }
        throw RegistryError.remote(code: outcome.error ?? "internal", message: outcome.message ?? "publish failed", status: outcome.status ?? 500)
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

    public func yank(_ name: String, _ version: String, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call("POST", "v1/packages/\(name)/\(version)/yank",
                                                            body: Self.encode(SignedRequest(signature: signature, sequence: sequence))))
    }

    public func list(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> PackageVersionInfo {
        try decode(PackageVersionInfo.self, try await call("POST", "v1/packages/\(name)/\(version)/listing",
                                                            body: Self.encode(SignedRequest(signature: signature, sequence: sequence, price: price))))
    }

    public func buy(_ name: String, _ version: String, price: Int64, sequence: Int64, signature: PackageBundle.Signature) async throws -> Purchase {
        try decode(Purchase.self, try await call("POST", "v1/packages/\(name)/\(version)/purchases",
                                                 body: Self.encode(SignedRequest(signature: signature, sequence: sequence, price: price))))
    }
}

/// The lines of a streamed answer as they arrive, fed by `LineStreamDelegate`.
/// `@unchecked Sendable`: `buffer`, `status` and `error` are read and written only under `lock`.
final class LineStream: @unchecked Sendable {
    let lock = NSLock()
    var buffer = Data()
    var status: Int?
    var error: Error?
    /// What followed the last newline (an error body, for a refusal).
    var rest: Data { lock.lock(); defer { lock.unlock() }; return buffer }
    let lines: AsyncThrowingStream<String, Error>
    let continuation: AsyncThrowingStream<String, Error>.Continuation

    init() { (lines, continuation) = AsyncThrowingStream<String, Error>.makeStream() }

    func received(_ data: Data) {
        lock.lock()
        buffer.append(data)
        var out: [String] = []
        // Lines are streamed only from a successful answer; an error answer is one JSON body.
        if let status, (200..<300).contains(status) {
            while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                out.append(String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self))
                buffer = Data(buffer[buffer.index(after: nl)...])
            }
        }
        lock.unlock()
        for l in out { continuation.yield(l) }
    }

    func finished(_ error: Error?) {
        lock.lock()
        self.error = error
        var last: String?
        if let status, (200..<300).contains(status), !buffer.isEmpty {
            last = String(decoding: buffer, as: UTF8.self)
            buffer = Data()
        }
        lock.unlock()
        if let last { continuation.yield(last) }
        continuation.finish()
    }
}

/// `@unchecked Sendable`: an NSObject subclass the compiler does not check; its one property is
/// a `LineStream`, and URLSession calls it on its delegate queue.
final class LineStreamDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let stream: LineStream
    init(stream: LineStream) { self.stream = stream }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        stream.lock.lock()
        stream.status = (response as? HTTPURLResponse)?.statusCode
        stream.lock.unlock()
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) { stream.received(data) }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) { stream.finished(error) }
}
