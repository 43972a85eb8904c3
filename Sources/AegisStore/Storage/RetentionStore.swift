import AegisCore
import Foundation

/// What retention reads: each repository's tags with when they were pushed, its manifests with
/// when they were stored and last pulled; and the pulls recorded for it.
public protocol RetentionStore: Sendable {
    /// Every tag of the repository, by name.
    func tagStates(repository: Int64) async throws -> [TagState]
    /// Every manifest of the repository, by digest, with its bytes (to follow an index's entries).
    func manifestStates(repository: Int64) async throws -> [ManifestState]
    /// Records when manifests were last pulled (later times win).
    func recordPulls(_ pulls: [LinkKey: Date]) async throws
}

public struct TagState: Sendable, Hashable {
    public var name: String
    public var digest: Digest
    /// When the tag was last pointed at its manifest (pushed).
    public var pushedAt: Date

    public init(name: String, digest: Digest, pushedAt: Date) {
        self.name = name
        self.digest = digest
        self.pushedAt = pushedAt
    }
}

public struct ManifestState: Sendable, Hashable {
    public var digest: Digest
    public var createdAt: Date
    public var pulledAt: Date?
    public var subject: Digest?
    public var content: Data

    public init(digest: Digest, createdAt: Date, pulledAt: Date?, subject: Digest?, content: Data) {
        self.digest = digest
        self.createdAt = createdAt
        self.pulledAt = pulledAt
        self.subject = subject
        self.content = content
    }
}
