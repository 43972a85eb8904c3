/// An error of the registry domain, carrying an OCI error code.
///
/// The code decides the HTTP status at the HTTP layer (`RegistryError+HTTP`); tests compare codes, never messages.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An error code: a unique name (what tests and the HTTP layer's status mapping compare) and
    /// the OCI code sent to clients, which several names may share (`SIZE_INVALID` for a bad size
    /// and for a body over the limit). No HTTP status lives here: that mapping is the HTTP layer's.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's own name (`payloadTooLarge`).
        public let name: String
        /// The `UPPER_SNAKE` OCI code sent to clients.
        public let rawValue: String

        /// Creates a code.
        public init(_ name: String, oci rawValue: String) {
            self.name = name
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        public static let blobUnknown = Code("blobUnknown", oci: "BLOB_UNKNOWN")
        public static let blobUploadInvalid = Code("blobUploadInvalid", oci: "BLOB_UPLOAD_INVALID")
        public static let blobUploadUnknown = Code("blobUploadUnknown", oci: "BLOB_UPLOAD_UNKNOWN")
        public static let digestInvalid = Code("digestInvalid", oci: "DIGEST_INVALID")
        public static let manifestBlobUnknown = Code("manifestBlobUnknown", oci: "MANIFEST_BLOB_UNKNOWN")
        public static let manifestInvalid = Code("manifestInvalid", oci: "MANIFEST_INVALID")
        public static let manifestUnknown = Code("manifestUnknown", oci: "MANIFEST_UNKNOWN")
        public static let nameInvalid = Code("nameInvalid", oci: "NAME_INVALID")
        public static let nameUnknown = Code("nameUnknown", oci: "NAME_UNKNOWN")
        public static let sizeInvalid = Code("sizeInvalid", oci: "SIZE_INVALID")
        public static let tagInvalid = Code("tagInvalid", oci: "TAG_INVALID")
        public static let unauthorized = Code("unauthorized", oci: "UNAUTHORIZED")
        public static let denied = Code("denied", oci: "DENIED")
        /// A method the endpoint does not answer (with `Allow`).
        public static let unsupported = Code("unsupported", oci: "UNSUPPORTED")
        /// A parameter the registry does not implement, such as a digest algorithm.
        public static let unsupportedParameter = Code("unsupportedParameter", oci: "UNSUPPORTED")
        public static let tooManyRequests = Code("tooManyRequests", oci: "TOOMANYREQUESTS")
        public static let paginationNumberInvalid = Code("paginationNumberInvalid", oci: "PAGINATION_NUMBER_INVALID")
        /// A chunk out of order, or an unsatisfiable `Range`.
        public static let rangeInvalid = Code("rangeInvalid", oci: "RANGE_INVALID")
        /// A body larger than the documented limit (manifests: 4 MiB).
        public static let payloadTooLarge = Code("payloadTooLarge", oci: "SIZE_INVALID")
        /// Too many `tag` query parameters on one manifest PUT.
        public static let tooManyTags = Code("tooManyTags", oci: "TAG_INVALID")
        /// An unexpected failure; details go to the log, not to the client.
        public static let unknown = Code("unknown", oci: "UNKNOWN")
        public static let unavailable = Code("unavailable", oci: "UNAVAILABLE")
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
