import AegisCore
import Foundation

/// How drivers keep a list of tag patterns: a JSON array of strings (NULL for none).
public enum TagPatterns {
    public static func encode(_ patterns: [TagPattern]) throws -> String? {
        patterns.isEmpty ? nil : String(decoding: try JSONEncoder().encode(patterns.map(\.value)), as: UTF8.self)
    }

    /// Patterns that no longer parse are dropped (never written: `TagPattern` validates).
    public static func decode(_ json: String?) -> [TagPattern] {
        guard let json, let values = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return [] }
        return values.compactMap { try? TagPattern($0) }
    }
}

/// How drivers keep a retention policy: its JSON (NULL for none).
public enum RetentionPolicies {
    public static func encode(_ policy: RetentionPolicy?) throws -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try policy.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    }

    /// A policy that no longer decodes counts as none (never written: the operations validate).
    public static func decode(_ json: String?) -> RetentionPolicy? {
        json.flatMap { try? JSONDecoder().decode(RetentionPolicy.self, from: Data($0.utf8)) }
    }
}
