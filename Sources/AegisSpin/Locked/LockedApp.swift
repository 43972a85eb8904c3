/// Spin's locked application (`spin.lock`, `spin_lock_version` 0 or 1): the resolved form of an
/// app that `spin registry push` stores as the `application/vnd.fermyon.spin.application.v1+config`
/// layer, with every Wasm module and file referred to by digest or inlined.
///
/// Decoding ignores members it does not know, as Spin does, but refuses `must_understand` entries
/// and host requirements that Spin itself would refuse.
public struct LockedApp: Sendable, Hashable {
    /// Features a host must implement to run the app (`host_requirements`, `component_host_requirements`).
    public var mustUnderstand: [String]
    /// Application metadata: `name`, `version`, `description`, `authors`, `triggers`, `trigger`, `origin`…
    public var metadata: [String: JSONValue]
    /// Required host features (`local_service_chaining`, `middleware`); optional ones are dropped on decoding.
    public var hostRequirements: [String: JSONValue]
    /// Application variables.
    public var variables: [String: Variable]
    /// Triggers of every type.
    public var triggers: [Trigger]
    /// Components.
    public var components: [Component]

    /// Creates a locked application.
    public init(
        mustUnderstand: [String] = [], metadata: [String: JSONValue] = [:], hostRequirements: [String: JSONValue] = [:],
        variables: [String: Variable] = [:], triggers: [Trigger], components: [Component]
    ) {
        self.mustUnderstand = mustUnderstand
        self.metadata = metadata
        self.hostRequirements = hostRequirements
        self.variables = variables
        self.triggers = triggers
        self.components = components
    }

    /// An application variable.
    public struct Variable: Sendable, Hashable {
        /// `description`.
        public var description: String?
        /// `default`; `nil` for a required variable.
        public var defaultValue: String?
        /// `secret`.
        public var isSecret: Bool

        /// Creates a variable.
        public init(description: String? = nil, defaultValue: String? = nil, isSecret: Bool = false) {
            self.description = description
            self.defaultValue = defaultValue
            self.isSecret = isSecret
        }
    }

    /// A trigger with its type-specific configuration.
    public struct Trigger: Sendable, Hashable {
        /// `id`.
        public var id: String
        /// `trigger_type`, e.g. `http`.
        public var triggerType: String
        /// `trigger_config`; for HTTP: `route`, `component`, `executor`.
        public var triggerConfig: JSONValue
        /// `trigger_dependencies` (middleware), kept verbatim.
        public var triggerDependencies: [String: JSONValue]

        /// Creates a trigger.
        public init(id: String, triggerType: String, triggerConfig: JSONValue, triggerDependencies: [String: JSONValue] = [:]) {
            self.id = id
            self.triggerType = triggerType
            self.triggerConfig = triggerConfig
            self.triggerDependencies = triggerDependencies
        }
    }

    /// A component.
    public struct Component: Sendable, Hashable {
        /// `id`.
        public var id: String
        /// `metadata`: `description`, `allowed_outbound_hosts`, `key_value_stores`, `databases`, `ai_models`, `build`…
        public var metadata: [String: JSONValue]
        /// `source`: the Wasm binary.
        public var source: Source
        /// `env`: environment variables.
        public var environment: [String: String]
        /// `files`: guest paths (relative, `/`-separated) with their content.
        public var files: [File]
        /// `config`: component variables as templates over the application variables.
        public var config: [String: String]
        /// `dependencies` (component composition), kept verbatim.
        public var dependencies: [String: JSONValue]
        /// `host_requirements`.
        public var hostRequirements: [String: JSONValue]

        /// Creates a component.
        public init(
            id: String, metadata: [String: JSONValue] = [:], source: Source, environment: [String: String] = [:], files: [File] = [],
            config: [String: String] = [:], dependencies: [String: JSONValue] = [:], hostRequirements: [String: JSONValue] = [:]
        ) {
            self.id = id
            self.metadata = metadata
            self.source = source
            self.environment = environment
            self.files = files
            self.config = config
            self.dependencies = dependencies
            self.hostRequirements = hostRequirements
        }
    }

    /// A Wasm source: its content type (`application/wasm`) and where the bytes are.
    public struct Source: Sendable, Hashable {
        /// `content_type`.
        public var contentType: String
        /// The content reference (flattened into the source object in JSON).
        public var content: ContentRef

        /// Creates a source.
        public init(contentType: String = "application/wasm", content: ContentRef) {
            self.contentType = contentType
            self.content = content
        }
    }

    /// A file of a component.
    public struct File: Sendable, Hashable {
        /// The content reference (flattened into the file object in JSON).
        public var content: ContentRef
        /// The guest path, relative to the component's root (`model/weights.txt`).
        public var path: String

        /// Creates a file entry.
        public init(content: ContentRef, path: String) {
            self.content = content
            self.path = path
        }
    }

    /// Where content lives: a URL (`source`), inline bytes, and/or a digest of a pushed layer.
    ///
    /// Spin sets both `inline` and `digest` for content of at most 128 bytes.
    public struct ContentRef: Sendable, Hashable {
        /// `source`: a URL such as `file:///…`.
        public var source: String?
        /// `inline`: the bytes themselves (base64 without padding in JSON).
        public var inline: [UInt8]?
        /// `digest`: `sha256:…` of the bytes.
        public var digest: String?

        /// Creates a content reference.
        public init(source: String? = nil, inline: [UInt8]? = nil, digest: String? = nil) {
            self.source = source
            self.inline = inline
            self.digest = digest
        }
    }
}
