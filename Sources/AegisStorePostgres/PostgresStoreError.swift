/// Errors of the PostgreSQL driver itself (configuration, connection, schema), as opposed to the
/// metadata domain's `StoreError`.
public struct PostgresStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        /// The metadata URL cannot be used.
        public static let invalidURL = Code(rawValue: "invalid_url")
        /// The database has migrations this binary does not know (a newer version wrote it).
        public static let schemaTooNew = Code(rawValue: "schema_too_new")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
