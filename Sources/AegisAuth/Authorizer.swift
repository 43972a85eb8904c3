import AegisCore

/// What a request wants to do to a repository, in the words of Docker token scopes.
public enum RepositoryAction: String, Sendable, Hashable, CaseIterable {
    case pull
    case push
    case delete

    /// The role permission the action needs.
    public var permission: Permission {
        switch self {
        case .pull: .pull
        case .push: .push
        case .delete: .delete
        }
    }
}

/// The outcome of an authorization check, with the reason written to the audit log.
public struct Decision: Sendable, Hashable {
    /// Whether the action is allowed.
    public var allowed: Bool
    /// Why, in a few words (`role developer in acme grants push`).
    public var reason: String

    /// Creates a decision.
    public init(allowed: Bool, reason: String) {
        self.allowed = allowed
        self.reason = reason
    }
}

/// The one place that decides what a principal may do. Every surface asks it; it never looks at
/// whether the repository exists, so a refusal cannot reveal that.
public struct Authorizer: Sendable {
    /// Creates the authorizer.
    public init() {}

    /// Decides one action on one repository.
    /// - Parameters:
    ///   - isPublic: whether the repository is marked public (anonymous pulls allowed).
    public func decide(_ principal: Principal, _ action: RepositoryAction, on repository: RepositoryName, isPublic: Bool)
        -> Decision
    {
        let tenant = repository.tenant
        if principal.isSystemAdmin {
            return Decision(allowed: true, reason: "system administrator")
        }
        if let role = principal.roles[tenant], role.permissions.contains(action.permission) {
            return Decision(allowed: true, reason: "role \(role.rawValue) in \(tenant) grants \(action.rawValue)")
        }
        if let grant = principal.grants.first(where: { $0.covers(repository) && $0.role.permissions.contains(action.permission) }) {
            return Decision(allowed: true, reason: "grant \(grant.role.rawValue) on \(grant.pattern) allows \(action.rawValue)")
        }
        if action == .pull, isPublic {
            return Decision(allowed: true, reason: "repository is public")
        }
        if let role = principal.roles[tenant] {
            return Decision(allowed: false, reason: "role \(role.rawValue) in \(tenant) does not grant \(action.rawValue)")
        }
        return Decision(allowed: false, reason: "\(principal) has no role in \(tenant)")
    }

    /// The part of the requested scopes the principal holds: the `access` claim of a token.
    /// Unknown resource types and actions are dropped, never an error (the token spec's intersection).
    public func grant(
        _ principal: Principal, requested: [ResourceScope], isPublic: (RepositoryName) async throws -> Bool
    ) async rethrows -> [ResourceScope] {
        var granted: [ResourceScope] = []
        for scope in requested {
            switch scope.type {
            case "repository":
                guard let name = try? RepositoryName(scope.name) else { continue }
                let wanted = scope.actions.contains("*") ? RepositoryAction.allCases : scope.actions.compactMap(RepositoryAction.init)
                var actions: [String] = []
                for action in wanted {
                    let isPublicRepository = action == .pull ? try await isPublic(name) : false
                    if decide(principal, action, on: name, isPublic: isPublicRepository).allowed { actions.append(action.rawValue) }
                }
                if !actions.isEmpty { granted.append(ResourceScope(type: scope.type, name: scope.name, actions: actions)) }
            case "registry" where scope.name == "catalog" && principal.kind != .anonymous:
                // The catalog answer itself is filtered to what the principal may see.
                granted.append(ResourceScope(type: "registry", name: "catalog", actions: ["*"]))
            default:
                continue
            }
        }
        return granted
    }
}
