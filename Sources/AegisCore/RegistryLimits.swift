/// The explicit limits the registry enforces. Each one is documented in `docs/SECURITY.md`.
public struct RegistryLimits: Sendable, Hashable {
    /// Longest repository name in bytes, counting a `host[:port]/` prefix as clients do.
    public var maxNameLength: Int = 255
    /// Largest manifest body accepted (the spec asks for at least 4 MiB; larger is 413).
    public var maxManifestBytes: Int = 4 * 1024 * 1024
    /// Largest blob accepted in one upload session.
    public var maxBlobBytes: Int64 = 64 * 1024 * 1024 * 1024
    /// Most `tag` query parameters accepted on one manifest PUT.
    public var maxTagsPerPush: Int = 64
    /// Page size for tag lists, the catalog and referrers when the client gives no `n`.
    public var defaultPageSize: Int = 1000
    /// Largest page served; a larger `n` is clamped and a `Link` header points at the rest.
    public var maxPageSize: Int = 10_000
    /// Seconds after its last activity that an upload session expires.
    public var uploadTimeoutSeconds: Int = 24 * 3600

    /// Longest tag (fixed by the distribution spec).
    public static let maxTagLength = 128

    /// The defaults.
    public static let `default` = RegistryLimits()

    /// Creates limits with the defaults.
    public init() {}
}
