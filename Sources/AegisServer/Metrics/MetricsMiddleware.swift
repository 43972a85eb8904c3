import Hummingbird
import NIOCore

/// Counts and times every request by endpoint, method and status, and the bytes in and out
/// (as declared by `Content-Length`).
struct MetricsMiddleware: RouterMiddleware {
    let metrics: RegistryMetrics

    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let endpoint = RegistryMetrics.endpoint(of: request.uri.path)
        let requestBytes = request.headers[.contentLength].flatMap { Int64($0) } ?? 0
        do {
            let response = try await next(request, context)
            metrics.requestFinished(
                endpoint: endpoint, method: request.method.rawValue, status: Int(response.status.code), duration: ContinuousClock.now - start,
                requestBytes: requestBytes, responseBytes: response.headers[.contentLength].flatMap { Int64($0) } ?? 0)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.requestFinished(
                endpoint: endpoint, method: request.method.rawValue, status: Int(status), duration: ContinuousClock.now - start,
                requestBytes: requestBytes, responseBytes: 0)
            throw error
        }
    }
}
