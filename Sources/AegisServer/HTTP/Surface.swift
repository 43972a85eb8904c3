import AegisCore
import HTTPTypes
import Hummingbird

/// Which API a request addresses; an error takes that API's shape: the OCI error document on
/// `/v2`, problem+json everywhere else (`/api`, `/apps`, `/token`, `/metrics`).
enum Surface {
    case registry
    case management

    init(_ request: Request) {
        let path = request.uri.path
        self = path == "/v2" || path.hasPrefix("/v2/") ? .registry : .management
    }

    /// An error answered with `code`'s status, in this surface's shape.
    func failure(_ code: RegistryError.Code, _ message: String) -> any HTTPResponseError {
        switch self {
        case .registry:
            return RegistryError(code, message)
        case .management:
            let status = code.httpStatus
            return APIError(status: status, title: status.reasonPhrase, detail: message)
        }
    }
}
