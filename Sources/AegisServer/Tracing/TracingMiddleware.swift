import Foundation
import HTTPTypes
import Hummingbird
import Tracing

/// A server span per request, with OpenTelemetry's stable HTTP server attributes and
/// `aegis.tenant`, continuing the client's W3C `traceparent`; the handler runs in it, so the
/// metadata, blob, policy and WASM spans below are its children. Added only while tracing is on.
struct TracingMiddleware: RouterMiddleware {
    let scheme: String

    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        let tracer = InstrumentationSystem.tracer
        var parent = ServiceContext.topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let path = request.uri.path
        let route = RegistryMetrics.route(ofEndpoint: RegistryMetrics.endpoint(of: path))
        let method = request.method.rawValue
        let span = tracer.startSpan("\(method) \(route)", context: parent, ofKind: .server)
        defer { span.end() }
        if span.isRecording {
            span.updateAttributes { attributes in
                attributes["http.request.method"] = method
                attributes["http.route"] = route
                attributes["url.path"] = path
                attributes["url.scheme"] = scheme
                attributes["network.protocol.version"] = context.isHTTP2 ? "2" : "1.1"
                if let host = request.head.authority {
                    let (address, port) = Self.split(host)
                    attributes["server.address"] = address
                    if let port { attributes["server.port"] = port }
                }
                if let client = context.clientAddress { attributes["client.address"] = client }
                if let agent = request.headers[.userAgent] { attributes["user_agent.original"] = agent }
                if let tenant = RegistryMetrics.tenant(ofPath: path) { attributes["aegis.tenant"] = tenant }
            }
        }
        do {
            let response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            finish(span, status: Int(response.status.code))
            return response
        } catch {
            let status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            finish(span, status: status)
            if status >= 500 { span.recordError(error) }
            throw error
        }
    }

    private func finish(_ span: any Span, status: Int) {
        guard span.isRecording else { return }
        span.attributes["http.response.status_code"] = status
        // Server spans are errors for 5xx only: a 4xx is the client's.
        if status >= 500 {
            span.attributes["error.type"] = String(status)
            span.setStatus(SpanStatus(code: .error))
        }
    }

    /// `host:port` or `[v6]:port` into its parts.
    static func split(_ host: String) -> (String, Int?) {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            let address = String(host[host.index(after: host.startIndex)..<end])
            let rest = host[host.index(after: end)...]
            return (address, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        guard let colon = host.lastIndex(of: ":") else { return (host, nil) }
        return (String(host[..<colon]), Int(host[host.index(after: colon)...]))
    }
}

/// Reads W3C trace context headers from a request.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}
