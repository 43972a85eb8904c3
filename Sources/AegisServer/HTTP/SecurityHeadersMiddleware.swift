import HTTPTypes
import Hummingbird

/// Headers that make a browser treat what the registry answers as data, never as a page: every
/// response except blob bytes (which are the pushers' own content, served byte for byte) and apps
/// (whose pages set their own policy) gets `X-Content-Type-Options: nosniff` and a policy that
/// allows nothing to load or frame it. Over TLS every response also gets HSTS.
struct SecurityHeadersMiddleware: RouterMiddleware {
    /// Send `Strict-Transport-Security` (only when the server speaks TLS: over plain HTTP a browser
    /// ignores it, and a proxy in front sets its own).
    let strictTransportSecurity: Bool

    static let contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    static let hsts = "max-age=31536000"

    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        if strictTransportSecurity { response.headers[.strictTransportSecurity] = Self.hsts }
        if !Self.isContent(request.uri.path, status: response.status) {
            response.headers[.xContentTypeOptions] = "nosniff"
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        }
        return response
    }

    /// Blob bytes and app pages: the content of others, left as it is. Every response passes here,
    /// so this looks at UTF-8 bytes only.
    static func isContent(_ path: String, status: HTTPResponse.Status) -> Bool {
        if path.hasPrefix("/apps/") { return true }
        guard status.kind == .successful || status == .temporaryRedirect, path.hasPrefix("/v2/") else { return false }
        // `/v2/<name>/blobs/<digest>`: the last component is a digest (`<algorithm>:<hex>`, never
        // `uploads`) and the one before it is `blobs`.
        let bytes = path.utf8
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return false }
        let last = bytes[bytes.index(after: slash)...]
        guard last.contains(UInt8(ascii: ":")) else { return false }
        return bytes[..<slash].reversed().starts(with: "/blobs".utf8.reversed())
    }
}
