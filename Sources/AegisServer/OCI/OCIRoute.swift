import AegisCore
import AegisStore
import HTTPTypes

/// What a `/v2` request addresses. Paths are parsed from the right, so a repository may contain a
/// component literally named `blobs`, `manifests` or `tags`.
enum OCIRoute: Sendable, Hashable {
    case base
    case catalog
    case blob(RepositoryName, Digest)
    case uploads(RepositoryName)
    case upload(RepositoryName, UploadID)
    case manifest(RepositoryName, Reference)
    case tags(RepositoryName)
    case referrers(RepositoryName, Digest)

    /// Parses the part of the path after `/v2/`.
    /// - Parameters:
    ///   - path: The percent-decoded path below `/v2/` (no leading slash).
    ///   - maxNameLength: The longest repository name accepted.
    /// - Throws: `NAME_INVALID` for a bad name; `DIGEST_INVALID`, `TAG_INVALID` or
    ///   `BLOB_UPLOAD_UNKNOWN` for a bad final component; nil means no such endpoint.
    static func parse(_ path: Substring, maxNameLength: Int) throws -> OCIRoute? {
        if path.isEmpty { return .base }
        if path == "_catalog" { return .catalog }
        var components = path.split(separator: "/", omittingEmptySubsequences: false)
        func name(dropping count: Int) throws -> RepositoryName {
            try RepositoryName(components.dropLast(count).joined(separator: "/"), maxLength: maxNameLength)
        }
        // `…/blobs/uploads/` and `…/blobs/uploads` both open a session.
        if components.last == "" { components.removeLast() }
        guard components.count >= 3 else { return nil }
        let last = components[components.count - 1]
        let kind = components[components.count - 2]
        if components.count >= 4, components[components.count - 3] == "blobs", kind == "uploads" {
            return .upload(try name(dropping: 3), try UploadID(parsing: last))
        }
        switch (kind, last) {
        case ("blobs", "uploads"): return .uploads(try name(dropping: 2))
        case ("tags", "list"): return .tags(try name(dropping: 2))
        case ("blobs", _): return .blob(try name(dropping: 2), try Digest(parsing: last))
        case ("manifests", _): return .manifest(try name(dropping: 2), try Reference(parsing: last))
        case ("referrers", _): return .referrers(try name(dropping: 2), try Digest(parsing: last))
        default: return nil
        }
    }

    /// The repository the route addresses, if any.
    var repository: RepositoryName? {
        switch self {
        case .base, .catalog: nil
        case .blob(let name, _), .uploads(let name), .upload(let name, _), .manifest(let name, _), .tags(let name),
            .referrers(let name, _):
            name
        }
    }

    /// A low-cardinality name for logs and metrics.
    var endpoint: String {
        switch self {
        case .base: "base"
        case .catalog: "catalog"
        case .blob: "blob"
        case .uploads: "uploads"
        case .upload: "upload"
        case .manifest: "manifest"
        case .tags: "tags"
        case .referrers: "referrers"
        }
    }
}
