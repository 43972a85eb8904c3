import AegisWasm
import Hummingbird
import Logging
import NIOCore

/// Counts and times every request by endpoint, method and status, and the bytes in and out
/// (as declared by `Content-Length`); logs each at debug level (never its headers: they carry
/// credentials).
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
            let duration = ContinuousClock.now - start
            metrics.requestFinished(
                endpoint: endpoint, method: request.method.rawValue, status: Int(response.status.code), duration: duration,
                requestBytes: requestBytes, responseBytes: response.headers[.contentLength].flatMap { Int64($0) } ?? 0)
            log(request, context: context, endpoint: endpoint, status: Int(response.status.code), duration: duration)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            let duration = ContinuousClock.now - start
            metrics.requestFinished(
                endpoint: endpoint, method: request.method.rawValue, status: Int(status), duration: duration, requestBytes: requestBytes,
                responseBytes: 0)
            log(request, context: context, endpoint: endpoint, status: Int(status), duration: duration)
            throw error
        }
    }

    private func log(_ request: Request, context: AegisRequestContext, endpoint: String, status: Int, duration: Duration) {
        guard context.logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = [
            "http.request.method": .string(request.method.rawValue), "http.route": .string(RegistryMetrics.route(ofEndpoint: endpoint)),
            "url.path": .string(request.uri.path), "http.response.status_code": .stringConvertible(status),
            "duration_ms": .stringConvertible((duration.milliseconds * 1000).rounded() / 1000),
        ]
        if let tenant = RegistryMetrics.tenant(ofPath: request.uri.path) { metadata["tenant"] = .string(tenant) }
        context.logger.debug("request", metadata: metadata)
    }
}
