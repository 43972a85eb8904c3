/// An error of the registry domain, carrying an OCI error code.
///
/// The code decides the HTTP status at the HTTP layer; tests compare codes, never messages.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An OCI distribution error code with its conventional HTTP status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The `UPPER_SNAKE` code sent to clients.
        public let rawValue: String
        /// The conventional HTTP status for the code (CNCF Distribution's mapping).
        public let status: Int

        /// Creates a code.
        public init(rawValue: String, status: Int) {
            self.rawValue = rawValue
            self.status = status
        }

        public var description: String { rawValue }

        public static let blobUnknown = Code(rawValue: "BLOB_UNKNOWN", status: 404)
        public static let blobUploadInvalid = Code(rawValue: "BLOB_UPLOAD_INVALID", status: 400)
        public static let blobUploadUnknown = Code(rawValue: "BLOB_UPLOAD_UNKNOWN", status: 404)
        public static let digestInvalid = Code(rawValue: "DIGEST_INVALID", status: 400)
        public static let manifestBlobUnknown = Code(rawValue: "MANIFEST_BLOB_UNKNOWN", status: 400)
        public static let manifestInvalid = Code(rawValue: "MANIFEST_INVALID", status: 400)
        public static let manifestUnknown = Code(rawValue: "MANIFEST_UNKNOWN", status: 404)
        public static let nameInvalid = Code(rawValue: "NAME_INVALID", status: 400)
        public static let nameUnknown = Code(rawValue: "NAME_UNKNOWN", status: 404)
        public static let sizeInvalid = Code(rawValue: "SIZE_INVALID", status: 400)
        public static let tagInvalid = Code(rawValue: "TAG_INVALID", status: 400)
        public static let unauthorized = Code(rawValue: "UNAUTHORIZED", status: 401)
        public static let denied = Code(rawValue: "DENIED", status: 403)
        /// A method the endpoint does not answer (405, with `Allow`).
        public static let unsupported = Code(rawValue: "UNSUPPORTED", status: 405)
        /// A parameter the registry does not implement, such as a digest algorithm (400).
        public static let unsupportedParameter = Code(rawValue: "UNSUPPORTED", status: 400)
        public static let tooManyRequests = Code(rawValue: "TOOMANYREQUESTS", status: 429)
        public static let paginationNumberInvalid = Code(rawValue: "PAGINATION_NUMBER_INVALID", status: 400)
        /// A chunk out of order, or an unsatisfiable `Range`.
        public static let rangeInvalid = Code(rawValue: "RANGE_INVALID", status: 416)
        /// A body larger than the documented limit (manifests: 4 MiB).
        public static let payloadTooLarge = Code(rawValue: "SIZE_INVALID", status: 413)
        /// Too many `tag` query parameters on one manifest PUT.
        public static let tooManyTags = Code(rawValue: "TAG_INVALID", status: 414)
        /// An unexpected failure; details go to the log, not to the client.
        public static let unknown = Code(rawValue: "UNKNOWN", status: 500)
        public static let unavailable = Code(rawValue: "UNAVAILABLE", status: 503)
    }

    /// The error code.
    public var code: Code
    /// A human-readable message.
    public var message: String
    /// Optional structured detail, sent as the `detail` member.
    public var detail: [String: String]?

    /// Creates an error.
    public init(_ code: Code, _ message: String, detail: [String: String]? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
