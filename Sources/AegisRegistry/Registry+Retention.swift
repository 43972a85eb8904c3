import AegisCore
import AegisStore
import Foundation

/// What retention deletes (a dry run's answer, and what the real run then did).
public struct RetentionPlan: Sendable, Equatable, Codable {
    public struct Tag: Sendable, Equatable, Codable {
        public var repository: String
        public var tag: String
        public var digest: String
    }

    public struct Manifest: Sendable, Equatable, Codable {
        public var repository: String
        public var digest: String
        public var size: Int64
    }

    /// Tags no rule keeps.
    public var tags: [Tag] = []
    /// Manifests no tag reaches once those tags are gone, where a rule deletes untagged ones.
    public var manifests: [Manifest] = []
    /// Tags no rule keeps that an immutability rule holds: kept.
    public var immutable: [Tag] = []

    public init() {}
}

extension Registry {
    /// The retention plan of `tenant` under `policy`: in each repository a rule names, the tags no
    /// `keepTags` entry keeps and, where a rule says `deleteUntagged`, the manifests no remaining
    /// tag reaches that are past the grace. Nothing is written.
    public func retentionPlan(for tenant: TenantID, policy: RetentionPolicy, now: Date = Date()) async throws -> RetentionPlan {
        let immutable = try await metadata.transaction { try $0.immutableTagPatterns(of: tenant) }
        var plan = RetentionPlan()
        for name in try await repositories(of: tenant) {
            let path = String(name.value.dropFirst(tenant.value.count + 1))
            let rules = policy.rules(for: path)
            guard !rules.isEmpty, let repository = try await self.repository(name) else { continue }
            let tags = try await metadata.tagStates(repository: repository.id)
            let manifests = try await metadata.manifestStates(repository: repository.id)
            let pulled = Dictionary(manifests.map { ($0.digest, $0.pulledAt) }, uniquingKeysWith: { first, _ in first })
            let kept = Self.keptTags(tags, rules: rules, pulled: pulled, now: now)
            var remaining: [TagState] = []
            for tag in tags {
                if kept.contains(tag.name) {
                    remaining.append(tag)
                } else if let parsed = try? AegisCore.Tag(tag.name), immutable.contains(where: { $0.matches(parsed) }) {
                    plan.immutable.append(.init(repository: name.value, tag: tag.name, digest: tag.digest.description))
                    remaining.append(tag)
                } else {
                    plan.tags.append(.init(repository: name.value, tag: tag.name, digest: tag.digest.description))
                }
            }
            let untaggedGrace = rules.filter { $0.deleteUntagged == true }.map { Double($0.untaggedGraceDays ?? 1) * 86_400 }.min()
            guard let untaggedGrace else { continue }
            let reachable = Self.reachable(from: remaining.map(\.digest), manifests: manifests)
            for manifest in manifests where !reachable.contains(manifest.digest) && manifest.createdAt <= now.addingTimeInterval(-untaggedGrace) {
                plan.manifests.append(.init(repository: name.value, digest: manifest.digest.description, size: Int64(manifest.content.count)))
            }
        }
        return plan
    }

    /// Carries a plan out, each deletion re-checked in its own transaction: a tag is removed only
    /// while it still names the planned manifest, a manifest only while no tag names it. What
    /// changed since the plan is left (and missing from the answer).
    public func applyRetention(_ plan: RetentionPlan) async throws -> RetentionPlan {
        var done = RetentionPlan()
        done.immutable = plan.immutable
        for entry in plan.tags {
            guard let name = try? RepositoryName(entry.repository), let repository = try await self.repository(name),
                let tag = try? AegisCore.Tag(entry.tag), let digest = try? Digest(parsing: entry.digest)
            else { continue }
            let removed = try await metadata.transaction { tx in
                guard try tx.tagTarget(repository: repository.id, tag: tag) == digest else { return false }
                return try tx.delete(.tag(tag), in: repository)
            }
            if removed { done.tags.append(entry) }
        }
        for entry in plan.manifests {
            guard let name = try? RepositoryName(entry.repository), let repository = try await self.repository(name),
                let digest = try? Digest(parsing: entry.digest)
            else { continue }
            let removed = try await metadata.transaction { tx in
                guard try tx.tags(repository: repository.id, pointingAt: digest).isEmpty else { return false }
                return try tx.delete(.digest(digest), in: repository)
            }
            if removed { done.manifests.append(entry) }
        }
        return done
    }

    /// The tags any applicable `keepTags` entry keeps.
    static func keptTags(_ tags: [TagState], rules: [RetentionPolicy.Rule], pulled: [Digest: Date?], now: Date) -> Set<String> {
        var kept: Set<String> = []
        for entry in rules.flatMap(\.keepTags) {
            let candidates = tags.filter { RetentionPolicy.matches(entry, $0.name) }
            let pulledAt = { (tag: TagState) -> Date? in pulled[tag.digest] ?? nil }
            guard
                entry.mostRecentlyPushedCount != nil || entry.mostRecentlyPulledCount != nil || entry.pushedWithinDays != nil
                    || entry.pulledWithinDays != nil
            else {
                kept.formUnion(candidates.map(\.name))
                continue
            }
            if let count = entry.mostRecentlyPushedCount {
                let newest = candidates.sorted { ($0.pushedAt, $0.name) > ($1.pushedAt, $1.name) }.prefix(count)
                kept.formUnion(newest.map(\.name))
            }
            if let count = entry.mostRecentlyPulledCount {
                let pulledOnes = candidates.compactMap { tag in pulledAt(tag).map { (tag, $0) } }
                kept.formUnion(pulledOnes.sorted { ($0.1, $0.0.name) > ($1.1, $1.0.name) }.prefix(count).map(\.0.name))
            }
            if let days = entry.pushedWithinDays {
                let since = now.addingTimeInterval(-Double(days) * 86_400)
                kept.formUnion(candidates.filter { $0.pushedAt >= since }.map(\.name))
            }
            if let days = entry.pulledWithinDays {
                let since = now.addingTimeInterval(-Double(days) * 86_400)
                kept.formUnion(candidates.filter { (pulledAt($0) ?? .distantPast) >= since }.map(\.name))
            }
        }
        return kept
    }

    /// The manifests reached from `roots`: through an index's entries and by being a referrer of
    /// a reached manifest. A referrer whose subject is not stored counts as reached (its subject may
    /// be pushed yet), as in the efficiency hints.
    static func reachable(from roots: [Digest], manifests: [ManifestState]) -> Set<Digest> {
        let stored = Set(manifests.map(\.digest))
        var referrers: [Digest: [Digest]] = [:]
        var pending = roots
        for manifest in manifests {
            guard let subject = manifest.subject else { continue }
            if stored.contains(subject) { referrers[subject, default: []].append(manifest.digest) } else { pending.append(manifest.digest) }
        }
        let byDigest = Dictionary(manifests.map { ($0.digest, $0) }, uniquingKeysWith: { first, _ in first })
        var reached: Set<Digest> = []
        while let digest = pending.popLast() {
            guard reached.insert(digest).inserted else { continue }
            if let manifest = byDigest[digest], let parsed = try? AegisCore.Manifest(parsing: manifest.content, contentType: nil) {
                pending += parsed.manifests.compactMap { try? Digest(parsing: $0.digest) }
            }
            pending += referrers[digest] ?? []
        }
        return reached
    }

    /// Every repository of the tenant, by name.
    func repositories(of tenant: TenantID) async throws -> [RepositoryName] {
        var names: [RepositoryName] = []
        var after = tenant.value + "/"
        while true {
            let page = try await metadata.repositoryNames(after: after, limit: 500, visible: nil)
            let mine = page.prefix { $0.hasPrefix(tenant.value + "/") }
            names += mine.compactMap { try? RepositoryName($0) }
            guard mine.count == page.count, let last = page.last, page.count == 500 else { return names }
            after = last
        }
    }
}
