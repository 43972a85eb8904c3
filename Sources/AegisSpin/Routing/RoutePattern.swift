/// A parsed Spin route (`/users/:id`, `/static/...`), matched the way Spin's router
/// (routefinder 0.5) does: leading and trailing slashes of the path are ignored, a literal must
/// equal its path segment, `:name` takes one non-empty segment, and a trailing wildcard takes the
/// rest, possibly nothing.
struct RoutePattern: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case wildcard

        /// Specificity for precedence: a literal beats a parameter beats a wildcard.
        var rank: Int {
            switch self {
            case .literal: 2
            case .parameter: 1
            case .wildcard: 0
            }
        }
    }

    let segments: [Segment]

    /// Parses a route that already includes the base path.
    init(parsing route: String) throws {
        let suffix = ["/...", "/*"].first { route.hasSuffix($0) }
        let body = route.dropLast(suffix?.count ?? 0)
        var segments = try body.split(separator: "/").map { segment -> Segment in
            if segment == "*" || segment == "..." || segment.hasPrefix("*") {
                throw SpinError(.routeInvalid, "route '\(route)': a wildcard may only end the route, as /...")
            }
            guard segment.hasPrefix(":") else { return .literal(String(segment)) }
            let name = segment.dropFirst()
            guard !name.isEmpty, !name.contains("."), !name.contains(":") else {
                throw SpinError(.routeInvalid, "route '\(route)': parameters must be named and span a whole segment (:name)")
            }
            return .parameter(String(name))
        }
        if suffix != nil { segments.append(.wildcard) }
        self.segments = segments
    }

    /// The parameters and the wildcard capture (without leading slash) if `path` matches.
    func match(_ path: String) -> (parameters: [String: String], wildcard: String?)? {
        let trimmed = path.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed()
        let parts = trimmed.isEmpty ? [] : String(trimmed).split(separator: "/", omittingEmptySubsequences: false)
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .wildcard:
                return (parameters, parts.dropFirst(index).joined(separator: "/"))
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return nil }
            case .parameter(let name):
                guard index < parts.count, !parts[index].isEmpty else { return nil }
                parameters[name] = String(parts[index])
            }
        }
        return parts.count == segments.count ? (parameters, nil) : nil
    }

    /// Whether this route wins over `other` when both match: the first segment that differs in
    /// kind decides (literal > parameter > wildcard); failing that, the shorter route wins.
    func isMoreSpecific(than other: RoutePattern) -> Bool? {
        for (mine, theirs) in zip(segments, other.segments) where mine.rank != theirs.rank {
            return mine.rank > theirs.rank
        }
        return segments.count == other.segments.count ? nil : segments.count < other.segments.count
    }
}
