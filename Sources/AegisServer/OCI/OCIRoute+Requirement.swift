import AegisAuth
import AegisOperations
import HTTPTypes

extension OCIRoute {
    /// What the route needs from the caller for `method`.
    func requirement(for method: HTTPRequest.Method) -> AccessRequirement {
        switch self {
        case .base: .authenticated
        case .catalog: .catalog
        case .blob(let name, _), .manifest(let name, _):
            switch method {
            case .delete: .repository(name, .delete)
            case .put, .post, .patch: .repository(name, .push)
            default: .repository(name, .pull)
            }
        case .uploads(let name), .upload(let name, _): .repository(name, .push)
        case .tags(let name), .referrers(let name, _): .repository(name, .pull)
        }
    }
}
