import AegisCore
import Foundation
import HTTPTypes
import Hummingbird

/// A refusal at the authentication layer: 401 with a `WWW-Authenticate` challenge telling the
/// client where to get a token and for what scope, or 403 for Basic credentials that do not allow
/// the action. The body is the OCI error document.
struct AuthChallenge: HTTPResponseError {
    var status: HTTPResponse.Status
    var challenge: String?
    var error: RegistryError

    /// 401 `UNAUTHORIZED` with a bearer challenge.
    static func unauthorized(realm: String, service: String, scope: String?, error: String? = nil, message: String) -> AuthChallenge {
        var parts = [#"realm="\#(realm)""#, #"service="\#(service)""#]
        if let scope { parts.append(#"scope="\#(scope)""#) }
        if let error { parts.append(#"error="\#(error)""#) }
        return AuthChallenge(
            status: .unauthorized, challenge: "Bearer " + parts.joined(separator: ","), error: RegistryError(.unauthorized, message))
    }

    /// 429 `TOOMANYREQUESTS` with `Retry-After`: too many failed logins.
    static func throttled(_ message: String, retryAfter: Int) -> AuthChallenge {
        AuthChallenge(
            status: .tooManyRequests, challenge: nil,
            error: RegistryError(.tooManyRequests, message, detail: ["retryAfter": String(retryAfter)]))
    }

    /// 403 `DENIED`.
    static func denied(_ message: String) -> AuthChallenge {
        AuthChallenge(status: .forbidden, challenge: nil, error: RegistryError(.denied, message))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try error.response(from: request, context: context)
        response.status = status
        if let challenge { response.headers[.wwwAuthenticate] = challenge }
        return response
    }
}
