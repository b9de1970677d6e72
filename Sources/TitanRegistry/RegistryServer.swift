import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// `tpm serve`: the registry as an HTTP service (Hummingbird), documented by
/// `Docs/registry-openapi.yaml`. Errors are JSON `{"error": code, "message": text}`.
public enum RegistryServer {
    /// Serves until SIGINT or SIGTERM, then shuts down in order under one service group: the
    /// HTTP server first (it finishes the requests it has), then the store (its database pool).
    public static func run(registry: LocalRegistry, host: String = "127.0.0.1", port: Int,
                           onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let logger = Logger(label: "tpm.serve")
        let app = Application(responder: responder(registry), configuration: .init(address: .hostname(host, port: port)),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) }, logger: logger)
        // A group shuts its services down in reverse order: the server before the store.
        let group = ServiceGroup(configuration: .init(services: [.init(service: StoreService(store: registry.store)), .init(service: app)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The store as a service: open while the group runs, closed when it shuts down.
    struct StoreService: Service {
        let store: any RegistryStorage
        func run() async throws {
            try? await gracefulShutdown()
            await store.close()
        }
    }

    /// The router behind `RouteGuard`, which answers unknown paths and methods.
    static func responder(_ registry: LocalRegistry) -> RouteGuard<RouterResponder<BasicRequestContext>> {
        RouteGuard(inner: router(registry).buildResponder())
    }

    /// The content type of a publish answered as a stream of progress lines.
    public static let progressContentType = "application/x-ndjson"

    static func router(_ registry: LocalRegistry) -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        let answers = AnswerCache()
        addReads(router, registry, answers)
        addWrites(router, registry)
        addReportPages(router, registry, PageCache())
        return router
    }

    /// Health, search, a name's versions, one version and its bundle: cached while the store's
    /// generation is unchanged (bundles excepted).
    static func addReads(_ router: Router<BasicRequestContext>, _ registry: LocalRegistry, _ answers: AnswerCache) {
        router.get("/health") { _, _ in json(["status": "ok"]) }
        router.get("/v1/packages") { request, _ in
            try await respond {
                let q = String(request.uri.queryParameters.get("q") ?? "")
                return try await answers.json(registry, "search\u{0}" + q) { try await registry.search(q) }
            }
        }
        router.get("/v1/packages/:name") { _, context in
            try await respond {
                let n = try name(context)
                return try await answers.json(registry, "versions\u{0}" + n) { try await registry.versions(of: n) }
            }
        }
        router.get("/v1/packages/:name/:version") { _, context in
            try await respond {
                let (n, v) = (try name(context), try version(context))
                return try await answers.json(registry, "version\u{0}\(n)\u{0}\(v)") { try await registry.version(n, v) }
            }
        }
        router.get("/v1/packages/:name/:version/bundle") { _, context in
            try await respond {
                let data = try await registry.bundle(try name(context), try version(context))
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
    }

    /// Publishing, and the signed requests: yank, listing, purchase.
    static func addWrites(_ router: Router<BasicRequestContext>, _ registry: LocalRegistry) {
        router.post("/v1/packages") { request, _ in
            try await respond {
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: PackageBundle.maxBytes)
                } catch {
                    throw RegistryError.tooLarge("the request body exceeds \(PackageBundle.maxBytes) bytes")
                }
                let data = Data(body.readableBytesView)
                let streaming = request.headers[.accept].map { $0.contains(progressContentType) } ?? false
                // Every refusal that needs no prover is answered with its own status, stream or not.
                let prepared = try await registry.prepare(data)
                if !streaming {
                    return json(try await registry.commit(prepared), status: .created)
                }
                return streamedPublish(registry, prepared)
            }
        }
        router.post("/v1/packages/:name/:version/yank") { request, context in
            try await respond {
                let (n, v) = (try name(context), try version(context))
                let r = try await decode(SignedRequest.self, request, expected: "{signature, sequence}")
                return json(try await registry.yank(n, v, sequence: r.sequence, signature: r.signature))
            }
        }
        router.post("/v1/packages/:name/:version/listing") { request, context in
            try await respond {
                let (n, v) = (try name(context), try version(context))
                let r = try await decode(SignedRequest.self, request, expected: "{signature, sequence, price}")
                guard let price = r.price else { throw RegistryError.invalidArgument("request body: missing field 'price' (an integer number of minor units, at least 1)") }
                return json(try await registry.list(n, v, price: price, sequence: r.sequence, signature: r.signature))
            }
        }
        router.post("/v1/packages/:name/:version/purchases") { request, context in
            try await respond {
                let (n, v) = (try name(context), try version(context))
                let r = try await decode(SignedRequest.self, request, expected: "{signature, sequence, price}")
                guard let price = r.price else { throw RegistryError.invalidArgument("request body: missing field 'price' (the listing price the buyer agrees to, in minor units)") }
                return json(try await registry.buy(n, v, price: price, sequence: r.sequence, signature: r.signature), status: .created)
            }
        }
    }

    /// The report pages auditors browse.
    static func addReportPages(_ router: Router<BasicRequestContext>, _ registry: LocalRegistry, _ pageCache: PageCache) {
        router.get("/packages/:name/:version/report/") { _, context in
            try await respond { try await page(registry, pageCache, context, "index.html") }
        }
        router.get("/packages/:name/:version/report/index.html") { _, context in
            try await respond { try await page(registry, pageCache, context, "index.html") }
        }
        router.get("/packages/:name/:version/report/properties/:page") { _, context in
            try await respond { try await page(registry, pageCache, context, "properties/" + (try parameter(context, "page"))) }
        }
    }

    /// A publish answered as `application/x-ndjson`: one `{"event":"progress","message":...}` line
    /// per step of the re-check as it happens, then `{"event":"published","status":201,"version":{...}}`
    /// or `{"event":"error","status":N,"error":CODE,"message":TEXT}`.
    static func streamedPublish(_ registry: LocalRegistry, _ prepared: LocalRegistry.PreparedPublish) -> Response {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .unbounded)
        @Sendable func line(_ value: PublishEvent) -> ByteBuffer {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            var data = (try? enc.encode(value)) ?? Data("{}".utf8)
            data.append(UInt8(ascii: "\n"))
            return ByteBuffer(bytes: data)
        }
        Task {
            do {
                let info = try await registry.commit(prepared) { message in continuation.yield(line(PublishEvent(event: "progress", message: message))) }
                continuation.yield(line(PublishEvent(event: "published", status: 201, version: info)))
            } catch {
                let e = error as? RegistryError ?? .unavailable("the re-check failed")
                continuation.yield(line(PublishEvent(event: "error", message: e.description, status: e.httpStatus, error: e.code)))
            }
            continuation.finish()
        }
        return Response(status: .ok, headers: [.contentType: progressContentType], body: ResponseBody(asyncSequence: stream))
    }

    /// Encoded answers of the read routes (search, versions, one version), reused while the
    /// store's generation counter is unchanged: any publish, yank or listing, from this process or
    /// another, bumps it. A hit costs one read of a one-row table instead of the queries and the
    /// JSON encoding. Refusals (not found) are not cached.
    final class AnswerCache: Sendable {
        private struct Entries {
            var generation: Int64 = -1
            var answers: [String: Data] = [:]
        }
        private let entries = Mutex(Entries())
        let capacity: Int
        init(capacity: Int = 4096) { self.capacity = capacity }

        func json<T: Encodable>(_ registry: LocalRegistry, _ key: String, _ compute: () async throws -> T) async throws -> Response {
            let g = try await registry.store.generation()
            let hit: Data? = entries.withLock { e in
                if g != e.generation { e.answers.removeAll(keepingCapacity: true); e.generation = g }
                return e.answers[key]
            }
            if let hit { return RegistryServer.response(hit) }
            let data = RegistryServer.encode(try await compute())
            entries.withLock { e in
                if e.generation == g {
                    if e.answers.count >= capacity { e.answers.removeAll(keepingCapacity: true) }
                    e.answers[key] = data
                }
            }
            return RegistryServer.response(data)
        }
    }

    /// Rendered report pages by version. A version's report never changes, but the verdict
    /// section shows its listing (yanked, price), so pages are reused only while the version's
    /// record is exactly the one they were rendered from.
    final class PageCache: Sendable {
        private struct Entries {
            var byVersion: [String: (info: PackageVersionInfo, pages: [String: String])] = [:]
            var recency: [String] = []
            /// Pages served for a requested `name@version` at a store generation: while the
            /// store's generation is unchanged, no record can have changed, so not even the
            /// record is read.
            var fresh: [String: (generation: Int64, pages: [String: String])] = [:]
        }
        private let entries = Mutex(Entries())
        let capacity: Int
        init(capacity: Int = 64) { self.capacity = capacity }

        func pages(for info: PackageVersionInfo, render: () async throws -> [String: String]) async rethrows -> [String: String] {
            let key = "\(info.name)@\(info.version)"
            let cached: [String: String]? = entries.withLock { e in
                guard let known = e.byVersion[key], known.info == info else { return nil }
                e.recency.removeAll { $0 == key }
                e.recency.append(key)
                return known.pages
            }
            if let cached { return cached }
            let pages = try await render()
            entries.withLock { e in
                e.byVersion[key] = (info, pages)
                e.recency.removeAll { $0 == key }
                e.recency.append(key)
                while e.recency.count > capacity { e.byVersion[e.recency.removeFirst()] = nil }
            }
            return pages
        }

        func fresh(_ key: String, generation: Int64) -> [String: String]? {
            entries.withLock { e in
                guard let known = e.fresh[key], known.generation == generation else { return nil }
                return known.pages
            }
        }

        func remember(_ key: String, generation: Int64, pages: [String: String]) {
            entries.withLock { e in
                if e.fresh.count >= capacity * 4 { e.fresh.removeAll(keepingCapacity: true) }
                e.fresh[key] = (generation, pages)
            }
        }
    }

    static func page(_ registry: LocalRegistry, _ pageCache: PageCache, _ context: BasicRequestContext, _ path: String) async throws -> Response {
        let name = try Self.name(context), version = try Self.version(context)
        let requested = "\(name)@\(version)", generation = try await registry.store.generation()
        let pages: [String: String]
        if let known = pageCache.fresh(requested, generation: generation) {
            pages = known
        } else {
            let info = try await registry.version(name, version)
            pages = try await pageCache.pages(for: info) {
                guard let report = try await registry.store.report(name, version) else { throw RegistryError.notFound("\(name)@\(version) is not published") }
                return try PackageReportPages(info: info, reportJSON: report).pages()
            }
            pageCache.remember(requested, generation: generation, pages: pages)
        }
        guard let html = pages[path] else {
            throw RegistryError.notFound("no page '\(printable(path))' in the report of \(name)@\(version)")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A path parameter, percent-decoded.
    static func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let v = context.parameters.get(name) else { throw RegistryError.invalidArgument("missing path parameter \(name)") }
        return v.removingPercentEncoding ?? v
    }

    /// The `name` path parameter, which must be a package name.
    static func name(_ context: BasicRequestContext) throws -> String {
        let n = try parameter(context, "name")
        guard Manifest.isValidName(n) else { throw RegistryError.invalidArgument("'\(printable(n))' is not a package name (\(Manifest.nameFormat))") }
        return n
    }

    /// The `version` path parameter, which must be a semantic version.
    static func version(_ context: BasicRequestContext) throws -> String {
        let v = try parameter(context, "version")
        guard SemanticVersion(v) != nil else { throw RegistryError.invalidArgument(SemanticVersion.message(v)) }
        return v
    }

    static func decode<T: Decodable>(_ t: T.Type, _ request: Request, expected: String) async throws -> T {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 64 * 1024) } catch {
            throw RegistryError.tooLarge("the request body exceeds 65536 bytes")
        }
        if body.readableBytes == 0 { throw RegistryError.invalidArgument("request body: empty; expected a JSON object \(expected)") }
        do { return try JSONDecoder().decode(t, from: Data(body.readableBytesView)) } catch {
            throw RegistryError.invalidArgument("request body: \(describeDecodingError(error)); expected a JSON object \(expected)")
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        response(encode(value), status: status)
    }

    static func encode<T: Encodable>(_ value: T) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? enc.encode(value)) ?? Data("{}".utf8)
    }

    static func response(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Runs a handler and turns a refusal into its JSON error answer.
    static func respond(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let e as RegistryError {
            return json(HTTPRegistryClient.ErrorBody(error: e.code, message: e.description), status: HTTPResponse.Status(code: e.httpStatus))
        } catch {
            // Not a refusal: a bug or an unexpected failure. The details go to the server's log only.
            FileHandle.standardError.write(Data("tpm serve: internal error: \(error)\n".utf8))
            return json(HTTPRegistryClient.ErrorBody(error: "internal", message: "internal error (the server's log has the details)"), status: .internalServerError)
        }
    }
}

/// One line of a streamed publish (`Accept: application/x-ndjson`).
public struct PublishEvent: Codable, Sendable {
    /// `progress`, `published` or `error`.
    public var event: String
    public var message: String?
    /// The HTTP status the same publish would have had unstreamed (201, or the error's).
    public var status: Int?
    public var error: String?
    public var version: PackageVersionInfo?
}

/// The body of the yank, listing and purchase requests: the signer's key and signature over
/// `SignedAction.yank` / `.list` / `.buy`, the sequence number inside that message, and the
/// price (listing and purchase).
public struct SignedRequest: Codable, Sendable {
    public var signature: PackageBundle.Signature
    public var sequence: Int64
    public var price: Int64?
    public init(signature: PackageBundle.Signature, sequence: Int64, price: Int64? = nil) {
        self.signature = signature; self.sequence = sequence; self.price = price
    }
}

/// Answers what the router does not: a path that is no route (404, a JSON error), and a method
/// a route does not have (405 with `Allow`; `OPTIONS` gets 204 with `Allow`).
struct RouteGuard<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    let inner: Inner

    static func methods(for path: String) -> [HTTPRequest.Method]? { RouteTable.methods(for: path) }


    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        guard let methods = Self.methods(for: request.uri.path) else {
            return RegistryServer.json(HTTPRegistryClient.ErrorBody(error: "not-found", message: "not found: no such route '\(printable(request.uri.path))' (the API is Docs/registry-openapi.yaml)"),
                                       status: .notFound)
        }
        let allowed = methods.contains(.get) ? methods + [.head] : methods
        let allow = (allowed + [.options]).map(\.rawValue).joined(separator: ", ")
        if request.method == .options {
            return Response(status: .noContent, headers: [.allow: allow])
        }
        guard allowed.contains(request.method) else {
            var r = RegistryServer.json(HTTPRegistryClient.ErrorBody(error: "method-not-allowed",
                                                                     message: "method \(request.method.rawValue) is not allowed here; allowed: \(allow)"),
                                        status: .methodNotAllowed)
            r.headers[.allow] = allow
            return r
        }
        return try await inner.respond(to: request, context: context)
    }
}

/// A decoding failure as a message: the field and what was wrong, never Swift's debug text.
func describeDecodingError(_ error: Error) -> String {
    func path(_ codingPath: [CodingKey]) -> String {
        var out = ""
        for k in codingPath {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : "." + k.stringValue }
        }
        return out
    }
    guard let e = error as? DecodingError else { return "not the expected JSON" }
    switch e {
    case .keyNotFound(let key, let context):
        let p = path(context.codingPath + [key])
        return "missing field '\(p)'"
    case .typeMismatch(let type, let context):
        let p = path(context.codingPath)
        return p.isEmpty ? "not a JSON object" : "field '\(p)' is not \(expectedKind(type))"
    case .valueNotFound(let type, let context):
        let p = path(context.codingPath)
        return p.isEmpty ? "null where a JSON object was expected" : "field '\(p)' is null; it must be \(expectedKind(type))"
    case .dataCorrupted(let context):
        let p = path(context.codingPath)
        if p.isEmpty { return "not valid JSON" }
        if context.debugDescription.contains("not a semantic version") { return "field '\(p)': \(context.debugDescription)" }
        return "field '\(p)' has an invalid value (base64 for bytes, integers within range)"
    @unknown default:
        return "not the expected JSON"
    }
}

func expectedKind(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int64.Type, is Int.Type, is Int32.Type: return "an integer"
    case is Bool.Type: return "true or false"
    case is Data.Type: return "base64 text"
    default:
        let name = "\(type)"
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return "the expected kind of value (an object or array)"
    }
}

/// The routes (`*` is one path segment) and their methods, as in Docs/registry-openapi.yaml.
enum RouteTable {
    static let routes: [([String], [HTTPRequest.Method])] = [
        (["health"], [.get]),
        (["v1", "packages"], [.get, .post]),
        (["v1", "packages", "*"], [.get]),
        (["v1", "packages", "*", "*"], [.get]),
        (["v1", "packages", "*", "*", "bundle"], [.get]),
        (["v1", "packages", "*", "*", "yank"], [.post]),
        (["v1", "packages", "*", "*", "listing"], [.post]),
        (["v1", "packages", "*", "*", "purchases"], [.post]),
        (["packages", "*", "*", "report", ""], [.get]),
        (["packages", "*", "*", "report", "index.html"], [.get]),
        (["packages", "*", "*", "report", "properties", "*"], [.get]),
    ]

    static func methods(for path: String) -> [HTTPRequest.Method]? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == "" else { return nil }
        parts.removeFirst()
        for (template, methods) in routes where template.count == parts.count {
            if zip(template, parts).allSatisfy({ t, p in t == p || (t == "*" && !p.isEmpty) }) { return methods }
        }
        return nil
    }

}
