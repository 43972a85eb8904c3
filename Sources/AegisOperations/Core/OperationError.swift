import AegisCore

/// Why an operation was refused, with a stable machine-readable code (and a finer reason where
/// there is one), so that every surface — REST, CLI, later GraphQL and gRPC — reports it the same
/// way. The HTTP layer maps codes to statuses; nothing here knows HTTP.
public struct OperationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, snake_case error code.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The request is malformed or a value is out of range.
        public static let invalidRequest = Code(rawValue: "invalid_request")
        /// No credentials, or credentials that do not verify.
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        /// The caller may not do this.
        public static let forbidden = Code(rawValue: "forbidden")
        /// Nothing of that name (or nothing the caller may know of).
        public static let notFound = Code(rawValue: "not_found")
        /// It exists already, or its state does not allow the change.
        public static let conflict = Code(rawValue: "conflict")
        /// The artifact exists but cannot be run or deployed.
        public static let notRunnable = Code(rawValue: "not_runnable")
        /// A limit on what the body or artifact may hold.
        public static let tooLarge = Code(rawValue: "too_large")
        /// Gas: out of gas, budget exhausted, price above the tenant's maximum (see `reason`).
        public static let gas = Code(rawValue: "gas")
        /// Every sandbox thread is busy and the queue is full: retry shortly.
        public static let busy = Code(rawValue: "busy")
        /// The component cannot be served (it failed, timed out, or uses an unsupported executor).
        public static let appFailed = Code(rawValue: "app_failed")
        public static let notImplemented = Code(rawValue: "not_implemented")
    }

    public var code: Code
    public var message: String
    /// A finer, stable reason: `out_of_gas`, `budget_exhausted`, `storage_quota_exceeded`, …
    public var reason: String?
    /// Seconds after which a retry may succeed (`busy`, some gas refusals).
    public var retryAfter: Int?
    /// Figures that explain it (`gasLimit`, `quota`…), for machines.
    public var detail: [String: String]

    public init(_ code: Code, _ message: String, reason: String? = nil, retryAfter: Int? = nil, detail: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.reason = reason
        self.retryAfter = retryAfter
        self.detail = detail
    }

    public var description: String { "\(code)\(reason.map { " (\($0))" } ?? ""): \(message)" }

    public static func invalid(_ message: String) -> OperationError { OperationError(.invalidRequest, message) }
    public static func notFound(_ message: String) -> OperationError { OperationError(.notFound, message) }
    public static func forbidden(_ message: String) -> OperationError { OperationError(.forbidden, message) }
    public static func conflict(_ message: String) -> OperationError { OperationError(.conflict, message) }
}
