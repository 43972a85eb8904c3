import AegisAuth
import AegisCore
import AegisOperations
import Foundation
import HTTPTypes
import Hummingbird
import Tracing

/// The HTTP side of `RegistryAccess`: the `Authorization` header in, a challenge out. Every `/v2`
/// request passes it; the decision and its audit record are the core's.
struct AccessGate: Sendable {
    let access: RegistryAccess
    /// Public base URL for the token realm; nil derives it from the request's `Host`.
    let publicURL: String?
    /// Whether TLS asks clients for certificates, which then stand in for missing credentials.
    var acceptsClientCertificates = false
    /// The scheme of the realm derived from `Host` (`https` when the server speaks TLS).
    var scheme = "http"
    /// Counts each decision (the server's metrics).
    var metrics: RegistryMetrics?

    /// Authenticates and authorizes one request.
    /// - Throws: `AuthChallenge` (401 with a challenge, 403, or 429 for a throttled login).
    func check(_ requirement: AccessRequirement, request: Request, context: AegisRequestContext) async throws -> Access {
        // A cross-repository mount (a push) also reads its source: a refusal asks for both scopes.
        var mountSource: RepositoryName?
        if case .repository(_, .push) = requirement, request.query("mount") != nil {
            mountSource = request.query("from").flatMap { try? RepositoryName($0) }
        }
        let presented = await presented(request, context)
        return try await withSpan("aegis.policy.decision") { span in
            do {
                let access = try await access.check(
                    requirement, presented, client: context.clientAddress, requestID: context.id, mountSource: mountSource)
                if span.isRecording { span.attributes["aegis.decision"] = "allow" }
                metrics?.accessDecided(allowed: true, reason: "granted")
                return access
            } catch let refusal as AccessRefusal {
                if span.isRecording {
                    span.attributes["aegis.decision"] = "deny"
                    span.attributes["aegis.decision.reason"] = "\(refusal.kind)"
                }
                metrics?.accessDecided(allowed: false, reason: "\(refusal.kind)")
                throw challenge(refusal, request: request)
            }
        }
    }

    /// The request's principal (anonymous without credentials). - Throws: `AuthChallenge` for bad ones.
    func principal(_ request: Request, context: AegisRequestContext) async throws -> Principal {
        do {
            let credential = try await access.authenticate(await presented(request, context), client: context.clientAddress)
            return try await access.principal(of: credential)
        } catch let refusal as AccessRefusal {
            throw challenge(refusal, request: request)
        }
    }

    /// The credential of the `Authorization` header or, without one, the verified client certificate.
    func presented(_ request: Request, _ context: AegisRequestContext) async -> PresentedCredential {
        let presented = Self.presented(request)
        guard presented == .none, acceptsClientCertificates, let certificate = await context.clientCertificate() else { return presented }
        return .certificate(certificate)
    }

    /// The challenge for a refusal: 403 for principals the rules refuse, else 401 naming the
    /// token realm and the scope that would do.
    func challenge(_ refusal: AccessRefusal, request: Request) -> AuthChallenge {
        let error: String?
        switch refusal.kind {
        case .denied: return .denied(refusal.message)
        case .throttled: return .throttled(refusal.message, retryAfter: refusal.retryAfter ?? 1)
        case .invalidToken: error = "invalid_token"
        case .insufficientScope: error = "insufficient_scope"
        case .badCredentials, .unsupportedScheme, .authenticationRequired: error = nil
        }
        return .unauthorized(
            realm: realm(for: request), service: access.tokens.service, scope: refusal.scope, error: error, message: refusal.message)
    }

    /// The token endpoint clients are sent to.
    func realm(for request: Request) -> String {
        if let publicURL { return publicURL + "/token" }
        return "\(scheme)://\(request.head.authority ?? "localhost")/token"
    }

    /// The credential in the `Authorization` header, unchecked.
    static func presented(_ request: Request) -> PresentedCredential {
        guard let header = request.headers[.authorization] else { return .none }
        if let token = value(of: header, scheme: "Bearer") { return .bearer(token) }
        if let (username, password) = basicCredentials(header) { return .basic(username: username, password: password) }
        return .unsupported
    }

    /// The credentials after `<scheme> ` (scheme case-insensitive), without Foundation string work:
    /// this runs on every request.
    static func value(of header: String, scheme: String) -> String? {
        let bytes = header.utf8
        let prefix = scheme.utf8.count
        guard bytes.count > prefix + 1, bytes[bytes.index(bytes.startIndex, offsetBy: prefix)] == UInt8(ascii: " "),
            zip(bytes.prefix(prefix), scheme.utf8).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        else { return nil }
        let value = header.utf8.dropFirst(prefix + 1).drop { $0 == UInt8(ascii: " ") }
        return String(Substring(value))
    }

    static func basicCredentials(_ header: String) -> (String, String)? {
        guard let encoded = value(of: header, scheme: "Basic"), let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
