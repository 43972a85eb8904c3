import AegisCore

/// An artifact at a registry, as a command line names it: `[REGISTRY/]TENANT/REPOSITORY[:TAG|@DIGEST]`.
public struct RemoteReference: Sendable, Hashable {
    /// The registry's base URL: `http://` for loopback hosts, `https://` otherwise.
    public var registry: String
    public var artifact: ArtifactReference

    /// - Parameter fallbackRegistry: the base URL when the text names no registry host.
    /// - Throws: `RegistryError` (`NAME_INVALID`, `TAG_INVALID`, `DIGEST_INVALID`) for a bad part.
    public init(parsing text: String, fallbackRegistry: String) throws {
        artifact = try ArtifactReference(parsing: text)
        if let host = artifact.host {
            let loopback = host.hasPrefix("127.") || host.hasPrefix("localhost") || host.hasPrefix("[::1]")
            registry = (loopback ? "http://" : "https://") + host
        } else {
            registry = fallbackRegistry
        }
    }

    public var repository: RepositoryName { artifact.repository }
    public var tenant: TenantID { artifact.repository.tenant }
    /// The tag or digest, as a manifest URL takes it.
    public var reference: String { artifact.reference.description }
}
