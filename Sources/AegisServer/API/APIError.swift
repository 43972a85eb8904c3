import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An `/api/v1` error, rendered as RFC 9457 `application/problem+json`.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var title: String
    var detail: String
    /// A `WWW-Authenticate` challenge for 401s.
    var challenge: String? = nil
    /// The `Allow` header for 405s.
    var allow: String? = nil

    static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, title: "Bad Request", detail: detail) }
    static func forbidden(_ detail: String) -> APIError { APIError(status: .forbidden, title: "Forbidden", detail: detail) }
    static func notFound(_ detail: String) -> APIError { APIError(status: .notFound, title: "Not Found", detail: detail) }
    static func conflict(_ detail: String) -> APIError { APIError(status: .conflict, title: "Conflict", detail: detail) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let document = Problem(type: "about:blank", title: title, status: Int(status.code), detail: detail)
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        if let challenge { headers[.wwwAuthenticate] = challenge }
        if let allow { headers[.allow] = allow }
        let data = (try? JSONEncoder.registry.encode(document)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

private struct Problem: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
}
