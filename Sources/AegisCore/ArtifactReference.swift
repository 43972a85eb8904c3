/// An artifact as people write it: `[host[:port]/]<repository>[:<tag>|@<digest>]` (the tag
/// defaulting to `latest`), the form `docker pull`, `oras` and `aegisguard run` take.
public struct ArtifactReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry host (`127.0.0.1:5000`, `registry.example.com`), when the text names one: its first
    /// component contains a `.` or `:` or is `localhost`.
    public var host: String?
    public var repository: RepositoryName
    public var reference: Reference

    /// Parses the text; with `allowingHost` false (a reference inside this registry, as the API
    /// takes them) the first component is always part of the repository, dots and all.
    /// - Throws: `NAME_INVALID`, `TAG_INVALID` or `DIGEST_INVALID` for its parts.
    public init(parsing text: String, allowingHost: Bool = true) throws {
        var rest = Substring(text)
        if allowingHost, let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(where: { $0 == "." || $0 == ":" }) || first == "localhost" {
                host = String(first)
                rest = rest[rest.index(after: slash)...]
            }
        }
        let name: Substring
        let reference: Substring
        if let at = rest.firstIndex(of: "@") {
            (name, reference) = (rest[..<at], rest[rest.index(after: at)...])
        } else if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            (name, reference) = (rest[..<colon], rest[rest.index(after: colon)...])
        } else {
            (name, reference) = (rest, "latest")
        }
        repository = try RepositoryName(name)
        self.reference = try Reference(parsing: reference)
    }

    /// `repository:tag` or `repository@digest`, without the host.
    public var description: String {
        switch reference {
        case .tag(let tag): "\(repository):\(tag)"
        case .digest(let digest): "\(repository)@\(digest)"
        }
    }
}
