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
    ///   - method: The request method: a manifest that cannot exist is unknown to a read
    ///     (`MANIFEST_UNKNOWN`, as the OCI conformance suite expects) and invalid to a write.
    ///   - maxNameLength: The longest repository name accepted.
    /// - Throws: `NAME_INVALID` for a bad name; `DIGEST_INVALID`, `TAG_INVALID` or
    ///   `BLOB_UPLOAD_UNKNOWN` for a bad final component; nil means no such endpoint.
    static func parse(_ path: Substring, method: HTTPRequest.Method, maxNameLength: Int) throws -> OCIRoute? {
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
        case ("manifests", _):
            let name = try name(dropping: 2)
            do {
                return .manifest(name, try Reference(parsing: last))
            } catch let error as RegistryError where method == .get || method == .head {
                throw RegistryError(.manifestUnknown, "manifest unknown: \(error.message)", detail: ["reference": String(last)])
            }
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

    /// The methods the endpoint answers (the `Allow` header of a 405).
    var methods: [HTTPRequest.Method] {
        switch self {
        case .base, .catalog, .tags, .referrers: [.get, .head]
        case .blob: [.get, .head, .delete]
        case .uploads: [.post]
        case .upload: [.get, .patch, .put, .delete]
        case .manifest: [.get, .head, .put, .delete]
        }
    }

    /// The JSON listings, whose `HEAD` answers the `GET` headers without the body.
    var isListing: Bool {
        switch self {
        case .catalog, .tags, .referrers: true
        default: false
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
