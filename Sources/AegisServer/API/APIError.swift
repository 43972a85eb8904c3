import AegisAuth
import AegisCore
import AegisOperations
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An `/api/v1` error, rendered as RFC 9457 `application/problem+json`.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var title: String
    var detail: String
    /// The machine-readable code (`not_found`, `bad_request`, …); by default the status's.
    var code: String? = nil
    /// A finer reason (`out_of_gas`, `storage_quota_exceeded`, …), when there is one.
    var reason: String? = nil
    /// A `WWW-Authenticate` challenge for 401s.
    var challenge: String? = nil
    /// The `Allow` header for 405s.
    var allow: String? = nil
    /// Seconds for a `Retry-After` header (429, 503).
    var retryAfter: Int? = nil

    static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, title: "Bad Request", detail: detail) }
    static func forbidden(_ detail: String) -> APIError { APIError(status: .forbidden, title: "Forbidden", detail: detail) }
    static func notFound(_ detail: String) -> APIError { APIError(status: .notFound, title: "Not Found", detail: detail) }
    static func conflict(_ detail: String) -> APIError { APIError(status: .conflict, title: "Conflict", detail: detail) }
    /// The WASM executor is full: every thread runs and the queue is full.
    static func sandboxBusy(_ status: HTTPResponse.Status) -> APIError {
        APIError(status: status, title: "Busy", detail: "every sandbox thread is busy and the queue is full; retry shortly", retryAfter: 1)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let document = Problem(
            type: "about:blank", title: title, status: Int(status.code), detail: detail, code: code ?? Self.code(for: status), reason: reason)
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        if let challenge { headers[.wwwAuthenticate] = challenge }
        if let allow { headers[.allow] = allow }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let data = (try? JSONEncoder.registry.encode(document)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension APIError {
    /// The status's reason phrase in snake_case: the code of an error that has no more specific one.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .internalServerError: "internal_error"
        case .serviceUnavailable: "unavailable"
        default: status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        }
    }
}

private struct Problem: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var reason: String?
}

extension AccessGate {
    /// The caller of an `/api` or `/apps` request (anonymous when no credentials came); bad
    /// credentials are a 401 problem with the challenge.
    func apiPrincipal(_ request: Request, context: AegisRequestContext) async throws -> Principal {
        do {
            return try await principal(request, context: context)
        } catch let challenge as AuthChallenge {
            if challenge.status == .tooManyRequests {
                throw APIError(
                    status: .tooManyRequests, title: "Too Many Requests", detail: challenge.error.message,
                    retryAfter: challenge.error.detail?["retryAfter"].flatMap { Int($0) })
            }
            throw APIError(status: .unauthorized, title: "Unauthorized", detail: challenge.error.message, challenge: challenge.challenge)
        }
    }

    /// 401 for an anonymous caller where credentials are needed, with the bearer challenge.
    func authenticationRequired(_ request: Request) -> APIError {
        APIError(
            status: .unauthorized, title: "Unauthorized", detail: "authentication required",
            challenge: #"Bearer realm="\#(realm(for: request))",service="\#(access.tokens.service)""#)
    }
}
