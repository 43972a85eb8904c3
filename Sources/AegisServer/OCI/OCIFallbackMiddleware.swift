import AegisCore
import HTTPTypes
import Hummingbird

/// `/v2` requests that no route takes (a method the router does not know, such as `OPTIONS`,
/// `TRACE`, `PROPFIND` or `CONNECT`, or `PUT /v2/`): 405 with `Allow` for an endpoint that exists,
/// 404 otherwise — both as the OCI error document. `OPTIONS` is answered 204 with `Allow`.
struct OCIFallbackMiddleware: RouterMiddleware {
    let controller: RegistryController

    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path == "/v2" || path.hasPrefix("/v2/") else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let route = try controller.route(of: request)
            if request.method == .options {
                return Response(status: .noContent, headers: [.allow: route.methods.map(\.rawValue).joined(separator: ", ")])
            }
            throw RegistryController.methodNotAllowed(request.method, route: route)
        }
    }
}
