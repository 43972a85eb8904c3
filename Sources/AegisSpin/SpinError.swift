/// An error of the Spin domain: a manifest, locked application, package, route or CGI response
/// that AegisGuard cannot accept.
///
/// Tests and callers compare ``code``; ``message`` is for people.
public struct SpinError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, independent of the wording.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The `UPPER_SNAKE` code.
        public let rawValue: String

        /// Creates a code.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// `spin.toml` is not valid TOML or not of the expected shape.
        public static let manifestInvalid = Code(rawValue: "MANIFEST_INVALID")
        /// `spin_manifest_version` is missing or not 2.
        public static let manifestVersionUnsupported = Code(rawValue: "MANIFEST_VERSION_UNSUPPORTED")
        /// A valid Spin feature that AegisGuard does not implement.
        public static let unsupported = Code(rawValue: "UNSUPPORTED")
        /// A component id or variable name breaks Spin's identifier rules.
        public static let identifierInvalid = Code(rawValue: "IDENTIFIER_INVALID")
        /// A variable is declared wrongly, referenced but undeclared, or required but not given.
        public static let variableInvalid = Code(rawValue: "VARIABLE_INVALID")
        /// A file the manifest refers to is not in the source tree.
        public static let fileNotFound = Code(rawValue: "FILE_NOT_FOUND")
        /// A `files` entry or path that cannot be used (escapes the app directory, bad glob…).
        public static let filePathInvalid = Code(rawValue: "FILE_PATH_INVALID")
        /// Downloaded bytes do not match the digest the manifest declares.
        public static let digestMismatch = Code(rawValue: "DIGEST_MISMATCH")
        /// The locked application JSON is malformed or needs features this host lacks.
        public static let lockedAppInvalid = Code(rawValue: "LOCKED_APP_INVALID")
        /// An HTTP route that cannot be parsed.
        public static let routeInvalid = Code(rawValue: "ROUTE_INVALID")
        /// The output of a WAGI module is not a usable CGI response.
        public static let cgiResponseInvalid = Code(rawValue: "CGI_RESPONSE_INVALID")
    }

    /// The error code.
    public var code: Code
    /// A human-readable message.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
