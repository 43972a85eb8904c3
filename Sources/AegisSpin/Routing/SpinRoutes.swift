/// Spin's HTTP router for one application: which trigger handles a request path.
///
/// Precedence follows Spin: an exact route beats a wildcard, a longer literal prefix beats a
/// shorter one, a literal segment beats a `:parameter`. Private routes never match; when two
/// triggers declare the same route, the later one wins.
public struct SpinRoutes: Sendable {
    private struct Entry: Sendable {
        var trigger: SpinHTTPTrigger
        var rawRoute: String
        var matchedRoute: String
        var pattern: RoutePattern
    }

    /// The path the application is mounted under, as given.
    public let basePath: String
    private let entries: [Entry]

    /// Builds the router.
    /// - Parameters:
    ///   - triggers: The application's HTTP triggers, in manifest order.
    ///   - basePath: Where the application is mounted, e.g. `/apps/acme/iris`; routes are relative to it.
    /// - Throws: ``SpinError`` `ROUTE_INVALID` for a route that cannot be parsed.
    public init(triggers: [SpinHTTPTrigger], basePath: String = "/") throws {
        self.basePath = basePath
        var entries: [Entry] = []
        for trigger in triggers {
            guard case .path(let rawRoute) = trigger.route else { continue }
            let matchedRoute = Self.sanitize(basePath) + Self.sanitize(rawRoute.hasPrefix("/") ? rawRoute : "/" + rawRoute)
            let entry = Entry(trigger: trigger, rawRoute: rawRoute, matchedRoute: matchedRoute, pattern: try RoutePattern(parsing: matchedRoute))
            if let duplicate = entries.firstIndex(where: { $0.rawRoute == rawRoute }) {
                entries[duplicate] = entry
            } else {
                entries.append(entry)
            }
        }
        self.entries = entries
    }

    /// The best match for a request path (percent-encoded, without the query), if any.
    public func match(_ path: String) -> SpinRouteMatch? {
        var best: (entry: Entry, parameters: [String: String], wildcard: String?)?
        for entry in entries {
            guard let (parameters, wildcard) = entry.pattern.match(path) else { continue }
            if let current = best, entry.pattern.isMoreSpecific(than: current.entry.pattern) != true { continue }
            best = (entry, parameters, wildcard)
        }
        guard let (entry, parameters, wildcard) = best else { return nil }
        return SpinRouteMatch(
            trigger: entry.trigger,
            basePath: basePath,
            matchedRoute: entry.matchedRoute,
            scriptName: Self.withoutWildcard(entry.matchedRoute),
            rawComponentRoute: entry.rawRoute,
            componentRoute: Self.withoutWildcard(entry.rawRoute),
            pathInfo: wildcard.map { Self.pathInfo(wildcard: $0, path: path) } ?? "",
            parameters: parameters
        )
    }

    /// Spin keeps the trailing slash of the request path in `PATH_INFO`.
    private static func pathInfo(wildcard: String, path: String) -> String {
        let trailingSlash = path.hasSuffix("/") ? "/" : ""
        return wildcard.isEmpty ? trailingSlash : "/\(wildcard)\(trailingSlash)"
    }

    /// Spin strips one trailing slash from the base and from each route.
    private static func sanitize(_ path: String) -> String {
        path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    private static func withoutWildcard(_ route: String) -> String {
        route.hasSuffix("/...") ? String(route.dropLast(4)) : route
    }
}
