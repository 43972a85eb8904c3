import AegisAuth
import AegisCore
import AegisOperations
import AegisRegistry
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird

/// The `/v2` surface: the OCI Distribution API over a `Registry`.
///
/// Every `/v2` request passes through `respond`, the one place where the route is known before
/// any work starts — where authentication, authorization and gas metering attach.
struct RegistryController: Sendable {
    let registry: Registry
    let gate: AccessGate
    let metering: Metering
    /// Whether blob GETs are redirected to the blob store's presigned URLs (`blobs.redirect`).
    var redirectsBlobs = false

    func addRoutes(to router: Router<AegisRequestContext>) {
        router.add(middleware: OCIFallbackMiddleware(controller: self))
        for method: HTTPRequest.Method in [.get, .head] {
            router.on("/v2", method: method) { request, context in try await respond(request, context: context) }
        }
        for method: HTTPRequest.Method in [.get, .head, .post, .put, .patch, .delete] {
            router.on("/v2/**", method: method) { request, context in try await respond(request, context: context) }
        }
    }

    func respond(_ request: Request, context: AegisRequestContext) async throws -> Response {
        let route = try route(of: request)
        guard route.methods.contains(request.method) else { throw Self.methodNotAllowed(request.method, route: route) }
        let access = try await gate.check(route.requirement(for: request.method), request: request, context: context)
        try await meter(route, access: access, request: request, context: context)
        var response = try await dispatch(route, access: access, request: request, context: context)
        if request.method == .head, route.isListing {
            let length = response.body.contentLength
            response.body = ResponseBody()
            if let length { response.headers[.contentLength] = String(length) }
        }
        return response
    }

    /// `UNSUPPORTED` (405) naming the methods the endpoint does answer.
    static func methodNotAllowed(_ method: HTTPRequest.Method, route: OCIRoute) -> RegistryError {
        RegistryError(
            .unsupported, "\(method) is not supported on this endpoint",
            detail: ["allow": route.methods.map(\.rawValue).joined(separator: ", ")])
    }

    func route(of request: Request) throws -> OCIRoute {
        let rawPath = request.uri.path
        guard let path = rawPath.removingPercentEncoding else {
            throw RegistryError(.endpointUnknown, "malformed path")
        }
        let below = path.hasPrefix("/v2/") ? path.dropFirst(4) : ""
        // A name counts against the limit together with the host prefix clients put before it.
        let host = request.head.authority ?? "localhost"
        let maxNameLength = max(1, registry.limits.maxNameLength - host.utf8.count - 1)
        guard let route = try OCIRoute.parse(below, method: request.method, maxNameLength: maxNameLength) else {
            throw RegistryError(.endpointUnknown, "no such endpoint: \(request.method) \(rawPath)")
        }
        return route
    }

    private func dispatch(_ route: OCIRoute, access: Access, request: Request, context: AegisRequestContext) async throws -> Response {
        switch (route, request.method) {
        case (.base, .get), (.base, .head):
            return Response(status: .ok, headers: jsonHeaders, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        case (.catalog, .get), (.catalog, .head):
            return try await catalog(request, access: access)
        case (.blob(let name, let digest), .get), (.blob(let name, let digest), .head):
            return try await getBlob(digest, in: name, request: request, context: context)
        case (.blob(let name, let digest), .delete):
            try await registry.deleteBlob(digest, in: name)
            return Response(status: .accepted, headers: [.contentLength: "0"])
        case (.uploads(let name), .post):
            return try await postUpload(in: name, access: access, request: request, context: context)
        case (.upload(let name, let id), .patch):
            return try await patchUpload(id, in: name, request: request, context: context)
        case (.upload(let name, let id), .put):
            return try await putUpload(id, in: name, request: request, context: context)
        case (.upload(let name, let id), .get):
            let session = try await registry.uploadStatus(id, in: name)
            return Response(status: .noContent, headers: uploadHeaders(session, in: name))
        case (.upload(let name, let id), .delete):
            try await registry.cancelUpload(id, in: name)
            return Response(status: .noContent)
        case (.manifest(let name, let reference), .get), (.manifest(let name, let reference), .head):
            return try await getManifest(reference, in: name, head: request.method == .head, context: context)
        case (.manifest(let name, let reference), .put):
            return try await putManifest(reference, in: name, request: request, context: context)
        case (.manifest(let name, let reference), .delete):
            try await registry.deleteManifest(reference, in: name)
            return Response(status: .accepted, headers: [.contentLength: "0"])
        case (.tags(let name), .get), (.tags(let name), .head):
            return try await tags(in: name, request: request)
        case (.referrers(let name, let digest), .get), (.referrers(let name, let digest), .head):
            return try await referrers(of: digest, in: name, request: request)
        default:
            throw Self.methodNotAllowed(request.method, route: route)
        }
    }

    var jsonHeaders: HTTPFields {
        [.contentType: "application/json", .dockerDistributionAPIVersion: "registry/2.0"]
    }
}

extension Request {
    /// All values of a query parameter.
    func queryValues(_ name: Substring) -> [String] {
        uri.queryParameters[values: name].map(String.init)
    }

    /// One query parameter.
    func query(_ name: Substring) -> String? {
        uri.queryParameters[name].map(String.init)
    }
}
