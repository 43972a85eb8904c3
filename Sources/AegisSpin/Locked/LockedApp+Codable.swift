import Foundation

extension LockedApp: Codable {
    /// What this host understands of `must_understand` and `host_requirements` (as Spin does).
    static let understoodFeatures: Set<String> = ["host_requirements", "component_host_requirements"]
    static let supportedHostRequirements: Set<String> = ["local_service_chaining", "middleware"]

    private enum CodingKeys: String, CodingKey {
        case spinLockVersion = "spin_lock_version"
        case mustUnderstand = "must_understand"
        case metadata, variables, triggers, components
        case hostRequirements = "host_requirements"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .spinLockVersion)
        guard (0...1).contains(version) else {
            throw SpinError(.lockedAppInvalid, "spin_lock_version \(version) is not supported (0 or 1)")
        }
        mustUnderstand = try container.decodeIfPresent([String].self, forKey: .mustUnderstand) ?? []
        for feature in mustUnderstand where !Self.understoodFeatures.contains(feature) {
            throw SpinError(.lockedAppInvalid, "the application requires '\(feature)', which this host does not understand")
        }
        metadata = try container.decodeIfPresent([String: JSONValue].self, forKey: .metadata) ?? [:]
        hostRequirements = try Self.hostRequirements(container.decodeIfPresent([String: JSONValue].self, forKey: .hostRequirements))
        variables = try container.decodeIfPresent([String: Variable].self, forKey: .variables) ?? [:]
        triggers = try container.decode([Trigger].self, forKey: .triggers)
        components = try container.decode([Component].self, forKey: .components)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Spin writes version 0 when nothing needs version 1, so that older hosts can still read it.
        let needsVersion1 = !mustUnderstand.isEmpty || !hostRequirements.isEmpty
        try container.encode(needsVersion1 ? 1 : 0, forKey: .spinLockVersion)
        try container.encodeUnlessEmpty(mustUnderstand, forKey: .mustUnderstand)
        try container.encodeUnlessEmpty(metadata, forKey: .metadata)
        try container.encodeUnlessEmpty(hostRequirements, forKey: .hostRequirements)
        try container.encodeUnlessEmpty(variables, forKey: .variables)
        try container.encode(triggers, forKey: .triggers)
        try container.encode(components, forKey: .components)
    }

    /// Drops `"optional"` requirements and refuses the ones Spin does not support.
    static func hostRequirements(_ requirements: [String: JSONValue]?) throws -> [String: JSONValue] {
        let required = (requirements ?? [:]).filter { $0.value != .string("optional") }
        for name in required.keys.sorted() where !supportedHostRequirements.contains(name) {
            throw SpinError(.lockedAppInvalid, "the application requires host feature '\(name)', which this host does not support")
        }
        return required
    }
}

extension LockedApp.Variable: Codable {
    private enum CodingKeys: String, CodingKey {
        case description
        case defaultValue = "default"
        case isSecret = "secret"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        defaultValue = try container.decodeIfPresent(String.self, forKey: .defaultValue)
        isSecret = try container.decodeIfPresent(Bool.self, forKey: .isSecret) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encodeIfPresent(defaultValue, forKey: .defaultValue)
        if isSecret { try container.encode(true, forKey: .isSecret) }
    }
}

extension LockedApp.Trigger: Codable {
    private enum CodingKeys: String, CodingKey {
        case id
        case triggerType = "trigger_type"
        case triggerConfig = "trigger_config"
        case triggerDependencies = "trigger_dependencies"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        triggerType = try container.decode(String.self, forKey: .triggerType)
        triggerConfig = try container.decode(JSONValue.self, forKey: .triggerConfig)
        triggerDependencies = try container.decodeIfPresent([String: JSONValue].self, forKey: .triggerDependencies) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(triggerType, forKey: .triggerType)
        try container.encode(triggerConfig, forKey: .triggerConfig)
        try container.encodeUnlessEmpty(triggerDependencies, forKey: .triggerDependencies)
    }
}

extension LockedApp.Component: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, metadata, source, env, files, config, dependencies
        case hostRequirements = "host_requirements"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        metadata = try container.decodeIfPresent([String: JSONValue].self, forKey: .metadata) ?? [:]
        source = try container.decode(LockedApp.Source.self, forKey: .source)
        environment = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        files = try container.decodeIfPresent([LockedApp.File].self, forKey: .files) ?? []
        config = try container.decodeIfPresent([String: String].self, forKey: .config) ?? [:]
        dependencies = try container.decodeIfPresent([String: JSONValue].self, forKey: .dependencies) ?? [:]
        hostRequirements = try LockedApp.hostRequirements(container.decodeIfPresent([String: JSONValue].self, forKey: .hostRequirements))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeUnlessEmpty(metadata, forKey: .metadata)
        try container.encode(source, forKey: .source)
        try container.encodeUnlessEmpty(environment, forKey: .env)
        try container.encodeUnlessEmpty(files, forKey: .files)
        try container.encodeUnlessEmpty(config, forKey: .config)
        try container.encodeUnlessEmpty(dependencies, forKey: .dependencies)
        try container.encodeUnlessEmpty(hostRequirements, forKey: .hostRequirements)
    }
}

extension LockedApp.Source: Codable {
    private enum CodingKeys: String, CodingKey {
        case contentType = "content_type"
    }

    public init(from decoder: any Decoder) throws {
        contentType = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .contentType)
        content = try LockedApp.ContentRef(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(contentType, forKey: .contentType)
        try content.encode(to: encoder)
    }
}

extension LockedApp.File: Codable {
    private enum CodingKeys: String, CodingKey {
        case path
    }

    public init(from decoder: any Decoder) throws {
        path = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .path)
        content = try LockedApp.ContentRef(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try content.encode(to: encoder)
    }
}

extension LockedApp.ContentRef: Codable {
    private enum CodingKeys: String, CodingKey {
        case source, inline, digest
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decodeIfPresent(String.self, forKey: .source)
        digest = try container.decodeIfPresent(String.self, forKey: .digest)
        inline = try container.decodeIfPresent(String.self, forKey: .inline).map { text in
            guard let bytes = Base64.decode(text) else {
                throw DecodingError.dataCorruptedError(forKey: .inline, in: container, debugDescription: "inline content is not base64")
            }
            return bytes
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(source, forKey: .source)
        try container.encodeIfPresent(inline.map(Base64.encodeUnpadded), forKey: .inline)
        try container.encodeIfPresent(digest, forKey: .digest)
    }
}

/// Spin's `inline` encoding: standard base64 without padding (padding is accepted when reading).
enum Base64 {
    static func encodeUnpadded(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func decode(_ text: String) -> [UInt8]? {
        let unpadded = text.hasSuffix("=") ? text : text + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        return Data(base64Encoded: unpadded).map { [UInt8]($0) }
    }
}

extension KeyedEncodingContainer {
    fileprivate mutating func encodeUnlessEmpty<T: Encodable & Collection>(_ value: T, forKey key: Key) throws {
        if !value.isEmpty { try encode(value, forKey: key) }
    }
}
