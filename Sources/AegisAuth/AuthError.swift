/// Why authentication failed. The HTTP layer answers every one of these with 401 and a challenge;
/// the code is for logs, audit records and tests, never a hint to an attacker.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public static let invalidToken = Code(rawValue: "invalid_token")
        public static let invalidCredentials = Code(rawValue: "invalid_credentials")
        public static let invalidRequest = Code(rawValue: "invalid_request")
        public static let unsupportedGrant = Code(rawValue: "unsupported_grant_type")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
