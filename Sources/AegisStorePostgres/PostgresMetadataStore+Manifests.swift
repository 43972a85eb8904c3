import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let manifestColumns = "m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations, m.content"

    /// Manifest reads are the pull path's one query: prepared once per connection (postgres-nio
    /// keeps them), so PostgreSQL neither parses nor plans them again.
    public func manifest(repository: Int64, digest: Digest) async throws -> ManifestRecord? {
        try await prepared(ManifestByDigest(repository: repository, digest: digest.description)).first.flatMap(Self.manifest(from:))
    }

    public func manifest(repository: Int64, tag: Tag) async throws -> ManifestRecord? {
        try await prepared(ManifestByTag(repository: repository, tag: tag.value)).first.flatMap(Self.manifest(from:))
    }

    struct ManifestByDigest: PostgresPreparedStatement {
        static let sql = "SELECT \(manifestColumns) FROM manifests m WHERE m.repository_id = $1 AND m.digest = $2"
        var repository: Int64
        var digest: String
        func makeBindings() throws -> PostgresBindings { try .init(repository, digest) }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    struct ManifestByTag: PostgresPreparedStatement {
        static let sql = """
            SELECT \(manifestColumns) FROM tags t JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.digest
            WHERE t.repository_id = $1 AND t.name = $2
            """
        var repository: Int64
        var tag: String
        func makeBindings() throws -> PostgresBindings { try .init(repository, tag) }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    public func tags(repository: Int64, after: String?, limit: Int) async throws -> [String] {
        try await rows("SELECT name FROM tags WHERE repository_id = \(repository) AND name > \(after ?? "") ORDER BY name LIMIT \(limit)")
            .map { try $0.decode(String.self) }
    }

    public func tagExists(repository: Int64, tag: String) async throws -> Bool {
        try await !rows("SELECT 1 FROM tags WHERE repository_id = \(repository) AND name = \(tag)").isEmpty
    }

    public func referrers(
        repository: Int64, subject: Digest, artifactType: String?, after: String?, limit: Int
    ) async throws -> [ManifestRecord] {
        try await rows(
            """
            SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations, ''::bytea FROM manifests m
            WHERE m.repository_id = \(repository) AND m.subject = \(subject.description) AND m.digest > \(after ?? "")
              AND (\(artifactType)::text IS NULL OR m.artifact_type = \(artifactType))
            ORDER BY m.digest LIMIT \(limit)
            """
        ).compactMap(Self.manifest(from:))
    }

    /// A manifest from the columns of `manifestColumns`, in that order.
    static func manifest(from row: PostgresRow) throws -> ManifestRecord? {
        let (digest, mediaType, size, artifactType, subject, annotations, content) = try row.decode(
            (String, String, Int64, String?, String?, String?, Data).self)
        guard let digest = try? Digest(parsing: digest) else { return nil }
        return ManifestRecord(
            digest: digest, mediaType: mediaType, size: size, artifactType: artifactType,
            subject: subject.flatMap { try? Digest(parsing: $0) },
            annotations: annotations.flatMap { try? JSONDecoder.annotations.decode([String: String].self, from: Data($0.utf8)) },
            content: content)
    }
}

extension JSONDecoder {
    /// Decoders are reusable and thread-safe: one for every row's annotations.
    static let annotations = JSONDecoder()
}

extension PostgresBindings {
    /// Bindings of two values, in order.
    init(_ first: some PostgresEncodable & Sendable, _ second: some PostgresEncodable & Sendable) throws {
        self.init(capacity: 2)
        try append(first, context: .default)
        try append(second, context: .default)
    }
}
