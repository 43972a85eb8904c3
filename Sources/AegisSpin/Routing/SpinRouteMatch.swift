/// The result of routing a request path: the trigger that handles it and the pieces of the path
/// that the WAGI environment (and Spin's `spin-*` headers) report.
public struct SpinRouteMatch: Sendable, Hashable {
    /// The trigger whose route matched.
    public var trigger: SpinHTTPTrigger
    /// The base path the app is served under (`X_BASE_PATH`).
    public var basePath: String
    /// The route with the base, as written (`/apps/acme/iris/predict/...`): `X_MATCHED_ROUTE`.
    public var matchedRoute: String
    /// ``matchedRoute`` without a trailing `/...`: `SCRIPT_NAME`.
    public var scriptName: String
    /// The route as written in the manifest: `X_RAW_COMPONENT_ROUTE`.
    public var rawComponentRoute: String
    /// ``rawComponentRoute`` without a trailing `/...`: `X_COMPONENT_ROUTE`.
    public var componentRoute: String
    /// What the trailing wildcard matched, still percent-encoded, with a leading slash and the
    /// path's trailing slash, or empty: `PATH_INFO`.
    public var pathInfo: String
    /// `:name` captures by name (percent-encoded): `X_PATH_MATCH_<NAME>`.
    public var parameters: [String: String]

    /// Creates a match (``SpinRoutes`` does this; tests and synthetic routes may too).
    public init(
        trigger: SpinHTTPTrigger, basePath: String, matchedRoute: String, scriptName: String, rawComponentRoute: String,
        componentRoute: String, pathInfo: String, parameters: [String: String]
    ) {
        self.trigger = trigger
        self.basePath = basePath
        self.matchedRoute = matchedRoute
        self.scriptName = scriptName
        self.rawComponentRoute = rawComponentRoute
        self.componentRoute = componentRoute
        self.pathInfo = pathInfo
        self.parameters = parameters
    }
}
