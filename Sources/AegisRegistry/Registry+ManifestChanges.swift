import AegisCore
import AegisStore
import Foundation

extension MetadataTransaction {
    /// Stores a manifest and points `tags` at it, once every reference checks out: config and
    /// layers linked in the repository with the sizes the descriptors give, index entries stored in
    /// it with their sizes and media types. Appends `manifest.pushed` when the manifest is new to
    /// the repository and `tag.moved` for every tag that now points somewhere else.
    /// - Throws: `MANIFEST_BLOB_UNKNOWN` for a missing reference, `MANIFEST_INVALID` for a mismatch,
    ///   `DENIED` (`immutable_tag`) for moving a tag an immutability rule holds.
    func store(_ manifest: ManifestRecord, references: ManifestReferences, tags: [Tag], in repository: RepositoryRecord) throws {
        for blob in Set(references.blobs) {
            guard let size = try linkedBlobSize(repository: repository.id, digest: blob.digest) else {
                throw RegistryError(
                    .manifestBlobUnknown, "blob \(blob.digest) is unknown to this repository", detail: ["digest": blob.digest.description])
            }
            try Self.check(blob, size: size, mediaType: nil)
        }
        for child in Set(references.manifests) where child.digest != manifest.digest {
            guard let stored = try manifestSummary(repository: repository.id, digest: child.digest) else {
                throw RegistryError(
                    .manifestBlobUnknown, "manifest \(child.digest) is unknown to this repository", detail: ["digest": child.digest.description])
            }
            try Self.check(child, size: stored.size, mediaType: stored.mediaType)
        }
        let isNew = try manifestSummary(repository: repository.id, digest: manifest.digest) == nil
        try insertManifest(repository: repository.id, manifest, blobs: Set(references.blobs.map(\.digest)))
        let tenant = repository.name.tenant
        if isNew {
            var payload: [String: JSONScalar] = ["mediaType": .string(manifest.mediaType), "size": .integer(manifest.size)]
            if let artifactType = manifest.artifactType { payload["artifactType"] = .string(artifactType) }
            if let subject = manifest.subject { payload["subject"] = .string(subject.description) }
            try append(
                OutboxEvent(tenant: tenant, type: .manifestPushed, subject: "\(repository.name)@\(manifest.digest)", payload: payload, time: now))
        }
        var rules: [TagPattern]?
        for tag in tags {
            let previous = try tagTarget(repository: repository.id, tag: tag)
            guard previous != manifest.digest else { continue }
            if previous != nil {
                // Read only when a tag would move: a first push of a tag needs no rule.
                let loaded = try rules ?? immutableTagPatterns(of: tenant)
                rules = loaded
                try Self.refuseChange(of: [tag], in: repository, rules: loaded, doing: "moved")
            }
            try setTag(repository: repository.id, tag: tag, digest: manifest.digest)
            var payload: [String: JSONScalar] = ["digest": .string(manifest.digest.description)]
            if let previous { payload["previous"] = .string(previous.description) }
            try append(OutboxEvent(tenant: tenant, type: .tagMoved, subject: "\(repository.name):\(tag)", payload: payload, time: now))
        }
    }

    /// Deletes a manifest with its tags (one `manifest.deleted`, naming the tags) or just a tag
    /// (`tag.removed`). - Returns: whether it existed.
    /// - Throws: `DENIED` (`immutable_tag`) for a tag an immutability rule holds, or a manifest
    ///   such a tag points at.
    func delete(_ reference: Reference, in repository: RepositoryRecord) throws -> Bool {
        let tenant = repository.name.tenant
        switch reference {
        case .digest(let digest):
            let tags = try tags(repository: repository.id, pointingAt: digest)
            if !tags.isEmpty {
                try Self.refuseChange(of: tags, in: repository, rules: immutableTagPatterns(of: tenant), doing: "deleted with its manifest")
            }
            guard try deleteManifest(repository: repository.id, digest: digest) else { return false }
            try append(
                OutboxEvent(
                    tenant: tenant, type: .manifestDeleted, subject: "\(repository.name)@\(digest)",
                    payload: ["tags": .string(tags.map(\.value).joined(separator: ","))], time: now))
        case .tag(let tag):
            try Self.refuseChange(of: [tag], in: repository, rules: immutableTagPatterns(of: tenant), doing: "deleted")
            guard let digest = try tagTarget(repository: repository.id, tag: tag), try deleteTag(repository: repository.id, tag: tag) else {
                return false
            }
            try append(
                OutboxEvent(
                    tenant: tenant, type: .tagRemoved, subject: "\(repository.name):\(tag)", payload: ["digest": .string(digest.description)],
                    time: now))
        }
        return true
    }

    /// A tag matching one of the tenant's immutability rules keeps its manifest for good.
    private static func refuseChange(of tags: [Tag], in repository: RepositoryRecord, rules: [TagPattern], doing change: String) throws {
        guard !rules.isEmpty else { return }
        for tag in tags {
            guard let rule = rules.first(where: { $0.matches(tag) }) else { continue }
            throw RegistryError(
                .denied, "tag '\(tag)' of \(repository.name) is immutable (rule '\(rule)') and cannot be \(change)",
                detail: ["reason": "immutable_tag", "rule": rule.value, "tag": tag.value])
        }
    }

    /// A descriptor whose size or media type disagrees with what is stored would make clients
    /// read the wrong number of bytes or parse a manifest as the wrong kind: refused.
    private static func check(_ target: ManifestReferences.Target, size: Int64, mediaType: String?) throws {
        guard target.size == size else {
            throw RegistryError(
                .manifestInvalid, "the descriptor of \(target.digest) says \(target.size) bytes but the content has \(size)",
                detail: ["digest": target.digest.description, "reason": "size_mismatch"])
        }
        if let mediaType, target.mediaType != mediaType {
            throw RegistryError(
                .manifestInvalid, "the descriptor of \(target.digest) says '\(target.mediaType)' but the manifest is '\(mediaType)'",
                detail: ["digest": target.digest.description, "reason": "media_type_mismatch"])
        }
    }
}
