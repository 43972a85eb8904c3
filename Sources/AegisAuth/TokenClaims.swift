import JWTKit

/// The claims of an AegisGuard token: the distribution token spec's set plus `typ` to keep access
/// and refresh tokens apart.
struct TokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    /// `access` or `refresh`.
    var typ: String
    /// Granted scopes (access tokens only).
    var access: [AccessEntry]?

    struct AccessEntry: Codable, Sendable, Hashable {
        var type: String
        var name: String
        var actions: [String]
    }

    /// Signature, expiry and not-before; issuer and audience are checked by `TokenService`.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf.verifyNotBefore()
    }
}
