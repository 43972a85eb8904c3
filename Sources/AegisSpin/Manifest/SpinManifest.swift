/// A Spin application manifest (`spin.toml`, `spin_manifest_version = 2`).
///
/// Only what AegisGuard can serve is modelled: HTTP triggers, components with local or URL
/// sources, files, environment and variables. Features that would change what the app does
/// (other trigger types, registry sources, component dependencies, middleware) are rejected with
/// ``SpinError/Code/unsupported`` rather than ignored.
public struct SpinManifest: Sendable, Hashable {
    /// `[application]`.
    public var application: Application
    /// `[variables]`: application variables by name.
    public var variables: [String: Variable]
    /// `[[trigger.http]]`, in manifest order.
    public var httpTriggers: [SpinHTTPTrigger]
    /// `[component.<id>]`, sorted by id.
    public var components: [Component]
    /// `[application.trigger.<type>]` tables, kept for the locked application's metadata.
    public var triggerSettings: [String: JSONValue]

    /// The component with the given id.
    public func component(_ id: String) -> Component? {
        components.first { $0.id == id }
    }

    /// `[application]`.
    public struct Application: Sendable, Hashable {
        /// `name`.
        public var name: String
        /// `version`, if not empty.
        public var version: String?
        /// `description`, if not empty.
        public var description: String?
        /// `authors`.
        public var authors: [String]
    }

    /// An application variable: either required or with a default, never both.
    public struct Variable: Sendable, Hashable {
        /// `description`.
        public var description: String?
        /// `default`; `nil` for a required variable.
        public var defaultValue: String?
        /// `secret = true`: the value should not be logged.
        public var isSecret: Bool

        /// Whether a value must be supplied at run time.
        public var isRequired: Bool { defaultValue == nil }
    }

    /// `[component.<id>]`.
    public struct Component: Sendable, Hashable {
        /// The kebab-case id.
        public var id: String
        /// `description`.
        public var description: String?
        /// `source`.
        public var source: Source
        /// `files`, in manifest order.
        public var files: [FileMount]
        /// `exclude_files` glob patterns, matched against paths relative to the manifest directory.
        public var excludeFiles: [String]
        /// `environment`.
        public var environment: [String: String]
        /// `variables`: component configuration, values may use `{{ app_variable }}` templates.
        public var variables: [String: String]
        /// `allowed_outbound_hosts`.
        public var allowedOutboundHosts: [String]
        /// `key_value_stores`.
        public var keyValueStores: [String]
        /// `sqlite_databases`.
        public var sqliteDatabases: [String]
        /// `ai_models`.
        public var aiModels: [String]
        /// `[component.<id>.build]`, kept verbatim for the locked application's metadata.
        public var build: JSONValue?
    }

    /// Where a component's Wasm comes from.
    public enum Source: Sendable, Hashable {
        /// A path relative to the manifest directory.
        case local(String)
        /// A URL whose content must have the given `sha256:` digest.
        case remote(url: String, digest: String)
    }

    /// One `files` entry.
    public enum FileMount: Sendable, Hashable {
        /// A path or glob pattern relative to the manifest directory; files keep their relative path in the guest.
        case pattern(String)
        /// A file or directory placed at `destination` in the guest.
        case placement(source: String, destination: String)
    }
}
