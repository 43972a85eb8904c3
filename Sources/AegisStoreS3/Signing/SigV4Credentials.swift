/// The secret half and the public half of an AWS access key, with the session token of temporary credentials.
public struct SigV4Credentials: Sendable, Hashable {
    /// The access key id (`AKIA…`, or `ASIA…` for temporary credentials).
    public var accessKeyID: String
    /// The secret access key; never logged or sent, only used to derive signing keys.
    public var secretAccessKey: String
    /// The session token of temporary (STS) credentials, sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, or `nil`
    /// when either of the first two is missing or empty.
    public init?(environment: [String: String]) {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }
}

extension SigV4Credentials: CustomStringConvertible {
    /// The access key id only: the secret and the token stay out of logs.
    public var description: String { "SigV4Credentials(\(accessKeyID))" }
}
