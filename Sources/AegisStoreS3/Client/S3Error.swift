/// An error of the S3 layer: one that S3 answered (its `<Error>` body, or the status of a bodiless
/// answer such as a `HEAD`'s) or one found on this side (a malformed URL, an unreadable answer).
///
/// Tests compare `code` (and `status`), never `message`.
public struct S3Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// An error code: S3's own `<Code>` text, or one of this client's (`InvalidConfiguration`, `MalformedResponse`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's text (`NoSuchKey`).
        public let rawValue: String

        /// A code from its text.
        public init(rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }

        /// The code of an answer without an `<Error>` body (a `HEAD`, some proxies): `HTTP403`.
        public static func status(_ status: Int) -> Code { Code(rawValue: "HTTP\(status)") }

        public static let noSuchKey = Code(rawValue: "NoSuchKey")
        public static let noSuchBucket = Code(rawValue: "NoSuchBucket")
        public static let noSuchUpload = Code(rawValue: "NoSuchUpload")
        public static let invalidRange = Code(rawValue: "InvalidRange")
        public static let invalidPart = Code(rawValue: "InvalidPart")
        public static let invalidPartOrder = Code(rawValue: "InvalidPartOrder")
        public static let entityTooSmall = Code(rawValue: "EntityTooSmall")
        public static let badDigest = Code(rawValue: "BadDigest")
        public static let signatureDoesNotMatch = Code(rawValue: "SignatureDoesNotMatch")
        public static let invalidAccessKeyID = Code(rawValue: "InvalidAccessKeyId")
        public static let accessDenied = Code(rawValue: "AccessDenied")
        public static let bucketAlreadyOwnedByYou = Code(rawValue: "BucketAlreadyOwnedByYou")
        public static let bucketAlreadyExists = Code(rawValue: "BucketAlreadyExists")
        public static let internalError = Code(rawValue: "InternalError")
        public static let slowDown = Code(rawValue: "SlowDown")
        public static let serviceUnavailable = Code(rawValue: "ServiceUnavailable")
        /// A bad argument, from S3 or caught before sending (a presigned expiry out of range, a part number).
        public static let invalidArgument = Code(rawValue: "InvalidArgument")
        /// A response body shorter than its `Content-Length`.
        public static let incompleteBody = Code(rawValue: "IncompleteBody")
        /// A malformed `s3://` URL, missing credentials (this client's code).
        public static let invalidConfiguration = Code(rawValue: "InvalidConfiguration")
        /// An answer this client cannot read: bad XML, a missing element or header (this client's code).
        public static let malformedResponse = Code(rawValue: "MalformedResponse")
    }

    /// The error code.
    public var code: Code
    /// A human-readable message (S3's `<Message>` when it sent one).
    public var message: String
    /// The HTTP status of S3's answer, or `nil` for an error found before or after talking to S3.
    public var status: Int?
    /// S3's `<RequestId>` (or `x-amz-request-id`), for support cases.
    public var requestID: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, status: Int? = nil, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.requestID = requestID
    }

    /// Whether trying the same idempotent request again may succeed: a server error or throttling.
    public var isTransient: Bool {
        if let status, [500, 502, 503, 504].contains(status) { return true }
        return [.internalError, .slowDown, .serviceUnavailable].contains(code)
    }

    public var description: String {
        var text = "S3 \(code)"
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        if let requestID { text += " [request \(requestID)]" }
        return text
    }
}
