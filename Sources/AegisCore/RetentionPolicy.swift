/// A tenant's retention rules, on zot's and Harbor's model: in each repository a rule names, the
/// tags its `keepTags` entries keep stay and the others are deleted; untagged manifests go too where
/// a rule says so. Rules and entries combine with OR (a tag any entry keeps is kept), and an
/// artifact with one kept tag keeps its manifest. Immutable tags are always kept.
public struct RetentionPolicy: Codable, Sendable, Hashable {
    public struct Rule: Codable, Sendable, Hashable {
        /// Repository paths below the tenant (`*`, `team/*`, `app`): `*` matches any run, `/` included.
        public var repositories: [String]
        public var keepTags: [KeepTags]
        /// Delete the manifests no tag reaches (directly, through an index, or as a referrer),
        /// once they are `untaggedGraceDays` old (default 1).
        public var deleteUntagged: Bool?
        public var untaggedGraceDays: Int?

        public init(
            repositories: [String], keepTags: [KeepTags], deleteUntagged: Bool? = nil, untaggedGraceDays: Int? = nil
        ) {
            self.repositories = repositories
            self.keepTags = keepTags
            self.deleteUntagged = deleteUntagged
            self.untaggedGraceDays = untaggedGraceDays
        }
    }

    /// Keeps the tags matching `patterns` that meet any of the criteria given (all of them when none is).
    public struct KeepTags: Codable, Sendable, Hashable {
        public var patterns: [String]
        public var mostRecentlyPushedCount: Int?
        public var mostRecentlyPulledCount: Int?
        public var pushedWithinDays: Int?
        public var pulledWithinDays: Int?

        public init(
            patterns: [String], mostRecentlyPushedCount: Int? = nil, mostRecentlyPulledCount: Int? = nil, pushedWithinDays: Int? = nil,
            pulledWithinDays: Int? = nil
        ) {
            self.patterns = patterns
            self.mostRecentlyPushedCount = mostRecentlyPushedCount
            self.mostRecentlyPulledCount = mostRecentlyPulledCount
            self.pushedWithinDays = pushedWithinDays
            self.pulledWithinDays = pulledWithinDays
        }

        var hasCriteria: Bool {
            mostRecentlyPushedCount != nil || mostRecentlyPulledCount != nil || pushedWithinDays != nil || pulledWithinDays != nil
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    public static let maxRules = 32
    public static let maxEntries = 16
    public static let maxPatterns = 16

    /// - Throws: `TAG_INVALID` (a malformed tag pattern) or `NAME_INVALID` (a malformed repository
    ///   pattern, a count or a number of days out of range, too many rules or entries).
    public func validate() throws {
        func invalid(_ message: String) -> RegistryError { RegistryError(.nameInvalid, message) }
        guard rules.count <= Self.maxRules else { throw invalid("at most \(Self.maxRules) retention rules") }
        for rule in rules {
            guard !rule.repositories.isEmpty, rule.repositories.count <= Self.maxPatterns else {
                throw invalid("a rule names 1 to \(Self.maxPatterns) repository patterns")
            }
            for pattern in rule.repositories { try Self.validateRepositoryPattern(pattern) }
            guard rule.keepTags.count <= Self.maxEntries else { throw invalid("a rule has at most \(Self.maxEntries) keepTags entries") }
            for entry in rule.keepTags {
                guard !entry.patterns.isEmpty, entry.patterns.count <= Self.maxPatterns else {
                    throw invalid("a keepTags entry names 1 to \(Self.maxPatterns) tag patterns")
                }
                for pattern in entry.patterns { _ = try TagPattern(pattern) }
                for count in [entry.mostRecentlyPushedCount, entry.mostRecentlyPulledCount].compactMap({ $0 }) where !(0...100_000).contains(count) {
                    throw invalid("counts are 0 to 100000")
                }
                for days in [entry.pushedWithinDays, entry.pulledWithinDays].compactMap({ $0 }) where !(0...36_500).contains(days) {
                    throw invalid("days are 0 to 36500")
                }
            }
            if let days = rule.untaggedGraceDays, !(0...36_500).contains(days) { throw invalid("untaggedGraceDays is 0 to 36500") }
        }
    }

    /// The rules that apply to the repository `path` (below the tenant).
    public func rules(for path: String) -> [Rule] {
        rules.filter { rule in rule.repositories.contains { TagPattern.matches(Array($0.utf8)[...], Array(path.utf8)[...]) } }
    }

    /// Whether an entry's patterns match `tag`.
    public static func matches(_ entry: KeepTags, _ tag: String) -> Bool {
        entry.patterns.contains { TagPattern.matches(Array($0.utf8)[...], Array(tag.utf8)[...]) }
    }

    private static func validateRepositoryPattern(_ pattern: String) throws {
        let bytes = Array(pattern.utf8)
        let allowed = bytes.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || [0x2E, 0x5F, 0x2D, 0x2F, 0x2A, 0x3F].contains(byte)
        }
        guard !bytes.isEmpty, bytes.count <= 255, allowed else {
            throw RegistryError(
                .nameInvalid, "a repository pattern has the characters of repository paths [a-z0-9._/-] and the wildcards * and ?")
        }
    }
}
