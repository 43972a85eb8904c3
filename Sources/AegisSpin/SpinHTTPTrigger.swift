/// An HTTP trigger: which component answers requests on which route, and how it is invoked.
///
/// The same shape comes from a `[[trigger.http]]` table of `spin.toml` and from the
/// `trigger_config` of a locked application.
public struct SpinHTTPTrigger: Sendable, Hashable {
    /// The trigger id (given in the manifest, or generated the way Spin does).
    public var id: String
    /// Where the trigger listens.
    public var route: Route
    /// The id of the component that handles requests.
    public var component: String
    /// How the component is invoked.
    public var executor: Executor

    /// Creates a trigger.
    public init(id: String, route: Route, component: String, executor: Executor = .http) {
        self.id = id
        self.route = route
        self.component = component
        self.executor = executor
    }

    /// A route pattern, or `{ private = true }` for a component only reachable by service chaining.
    public enum Route: Sendable, Hashable {
        /// A pattern such as `/hello`, `/users/:id` or `/static/...`.
        case path(String)
        /// Not routable from outside.
        case `private`
    }

    /// The calling convention of the component.
    public enum Executor: Sendable, Hashable {
        /// `wasi:http` (Spin's default, also spelled `spin`); AegisGuard does not run these yet.
        case http
        /// A WASI command module speaking CGI on stdin/stdout.
        case wagi(WAGIExecutor)
    }
}

/// The settings of the WAGI executor.
public struct WAGIExecutor: Sendable, Hashable {
    /// The argv template; `${SCRIPT_NAME}` and `${ARGS}` are substituted per request.
    public var argv: String
    /// The exported function to call (deprecated in Spin; only `_start` works there).
    public var entrypoint: String

    /// Spin's default argv template.
    public static let defaultArgv = "${SCRIPT_NAME} ${ARGS}"
    /// Spin's default entrypoint.
    public static let defaultEntrypoint = "_start"

    /// Creates WAGI settings, defaulting to Spin's values.
    public init(argv: String = WAGIExecutor.defaultArgv, entrypoint: String = WAGIExecutor.defaultEntrypoint) {
        self.argv = argv
        self.entrypoint = entrypoint
    }
}
