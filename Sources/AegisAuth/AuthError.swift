/// Why authentication failed. The HTTP layer answers every one of these with 401 and a challenge;
/// the code is for logs, audit records and tests, never a hint to an attacker.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public static let invalidToken = Code(rawValue: "invalid_token")
        public static let invalidCredentials = Code(rawValue: "invalid_credentials")
        public static let invalidRequest = Code(rawValue: "invalid_request")
        public static let unsupportedGrant = Code(rawValue: "unsupported_grant_type")
        /// Too many failed password checks for the user name or the client address.
        public static let throttled = Code(rawValue: "throttled")
    }

    public var code: Code
    public var message: String
    /// Whole seconds until a throttled caller may try again.
    public var retryAfter: Int?

    public init(_ code: Code, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
