import Foundation
import Hummingbird

/// `tpm serve`: the registry as an HTTP service (Hummingbird), documented by
/// `Docs/registry-openapi.yaml`. Errors are JSON `{"error": code, "message": text}`.
public enum RegistryServer {
    public static func run(registry: LocalRegistry, host: String = "127.0.0.1", port: Int,
                           onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(router: router(registry), configuration: .init(address: .hostname(host, port: port)),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) })
        try await app.runService()
    }

    static func router(_ registry: LocalRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        let pageCache = PageCache()
        router.get("/health") { _, _ in json(["status": "ok"]) }
        router.get("/v1/packages") { request, _ in
            try await respond { json(try await registry.search(String(request.uri.queryParameters.get("q") ?? ""))) }
        }
        router.post("/v1/packages") { request, _ in
            try await respond {
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: PackageBundle.maxBytes)
                } catch {
                    throw RegistryError.tooLarge("the request body exceeds \(PackageBundle.maxBytes) bytes")
                }
                let data = Data(body.readableBytesView)
                let info = try await offload { try registry.publishNow(data) }
                return json(info, status: .created)
            }
        }
        router.get("/v1/packages/:name") { _, context in
            try await respond { json(try await registry.versions(of: try parameter(context, "name"))) }
        }
        router.get("/v1/packages/:name/:version") { _, context in
            try await respond { json(try await registry.version(try parameter(context, "name"), try parameter(context, "version"))) }
        }
        router.get("/v1/packages/:name/:version/bundle") { _, context in
            try await respond {
                let data = try await registry.bundle(try parameter(context, "name"), try parameter(context, "version"))
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.post("/v1/packages/:name/:version/yank") { request, context in
            try await respond {
                let r = try await decode(OwnerRequest.self, request)
                return json(try await registry.yank(try parameter(context, "name"), try parameter(context, "version"), signature: r.signature))
            }
        }
        router.post("/v1/packages/:name/:version/listing") { request, context in
            try await respond {
                let r = try await decode(OwnerRequest.self, request)
                guard let price = r.price else { throw RegistryError.invalidArgument("price is required") }
                return json(try await registry.list(try parameter(context, "name"), try parameter(context, "version"), price: price, signature: r.signature))
            }
        }
        router.post("/v1/packages/:name/:version/purchases") { request, context in
            try await respond {
                let r = try await decode(PurchaseRequest.self, request)
                return json(try await registry.buy(try parameter(context, "name"), try parameter(context, "version"), buyer: r.buyer), status: .created)
            }
        }
        router.get("/packages/:name/:version/report/") { _, context in
            try await respond { try await page(registry, pageCache, context, "index.html") }
        }
        router.get("/packages/:name/:version/report/index.html") { _, context in
            try await respond { try await page(registry, pageCache, context, "index.html") }
        }
        router.get("/packages/:name/:version/report/properties/:page") { _, context in
            try await respond { try await page(registry, pageCache, context, "properties/" + (try parameter(context, "page"))) }
        }
        return router
    }

    /// Rendered report pages by version. A version's report never changes, but the verdict
    /// section shows its listing (yanked, price), so pages are reused only while the version's
    /// record is exactly the one they were rendered from.
    final class PageCache: @unchecked Sendable {
        let lock = NSLock()
        var entries: [String: (info: PackageVersionInfo, pages: [String: String])] = [:]
        var recency: [String] = []
        let capacity: Int
        init(capacity: Int = 64) { self.capacity = capacity }

        func pages(for info: PackageVersionInfo, render: () throws -> [String: String]) rethrows -> [String: String] {
            let key = "\(info.name)@\(info.version)"
            lock.lock()
            if let e = entries[key], e.info == info {
                recency.removeAll { $0 == key }
                recency.append(key)
                lock.unlock()
                return e.pages
            }
            lock.unlock()
            let pages = try render()
            lock.lock(); defer { lock.unlock() }
            entries[key] = (info, pages)
            recency.removeAll { $0 == key }
            recency.append(key)
            while recency.count > capacity { entries[recency.removeFirst()] = nil }
            return pages
        }
    }
    static func page(_ registry: LocalRegistry, _ pageCache: PageCache, _ context: BasicRequestContext, _ path: String) async throws -> Response {
        let name = try parameter(context, "name"), version = try parameter(context, "version")
        let info = try await registry.version(name, version)
        let pages = try pageCache.pages(for: info) {
            guard let report = try registry.store.report(name, version) else { throw RegistryError.notFound("\(name)@\(version)") }
            return try PackageReportPages(info: info, reportJSON: report).pages()
        }
        guard let html = pages[path] else {
            throw RegistryError.notFound("no page \(path) in the report of \(name)@\(version)")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let v = context.parameters.get(name) else { throw RegistryError.invalidArgument("missing path parameter \(name)") }
        return v
    }

    static func decode<T: Decodable>(_ t: T.Type, _ request: Request) async throws -> T {
        let body = try await request.body.collect(upTo: 64 * 1024)
        do { return try JSONDecoder().decode(t, from: Data(body.readableBytesView)) } catch {
            throw RegistryError.invalidArgument("request body is not the expected JSON: \(error)")
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let data = (try? enc.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Runs a handler and turns a refusal into its JSON error answer.
    static func respond(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let e as RegistryError {
            return json(HTTPRegistryClient.ErrorBody(error: e.code, message: e.description), status: HTTPResponse.Status(code: e.httpStatus))
        } catch {
            return json(HTTPRegistryClient.ErrorBody(error: "internal", message: "\(error)"), status: .internalServerError)
        }
    }

    /// Runs blocking work (the prover) on its own thread, off the server's cooperative threads.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread { c.resume(with: Result { try work() }) }
        }
    }
}
