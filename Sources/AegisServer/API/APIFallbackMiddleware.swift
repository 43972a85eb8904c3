import HTTPTypes
import Hummingbird

/// Requests below `/api/v1` that no route takes: 405 with `Allow` when the path exists under other
/// methods, 404 otherwise — both as problem+json, like every other API error.
struct APIFallbackMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Path templates (`:name` matches one segment) and their methods; kept beside the routes in `APIController`.
    let routes: [(template: [Substring], methods: [HTTPRequest.Method])]

    init(routes: [(String, [HTTPRequest.Method])]) {
        self.routes = routes.map { ($0.0.split(separator: "/"), $0.1) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/v1/") else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            let methods = routes.filter { Self.matches($0.template, segments) }.flatMap(\.methods)
            guard !methods.isEmpty else { throw APIError.notFound("no such endpoint: \(request.uri.path)") }
            var problem = APIError(
                status: .methodNotAllowed, title: "Method Not Allowed", detail: "\(request.method) is not supported here")
            problem.allow = methods.map(\.rawValue).joined(separator: ", ")
            throw problem
        }
    }

    private static func matches(_ template: [Substring], _ segments: [Substring]) -> Bool {
        template.count == segments.count && zip(template, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
