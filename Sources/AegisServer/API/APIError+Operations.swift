import AegisOperations
import HTTPTypes

extension APIError {
    /// An operation's refusal as problem+json: its code and reason, with the status of its code.
    /// - Parameter busyStatus: 429 for the runs API (retry the call), 503 for apps (the server is busy).
    init(_ error: OperationError, busyStatus: HTTPResponse.Status = .tooManyRequests) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .invalidRequest: .badRequest
            case .unauthenticated: .unauthorized
            case .forbidden, .gas: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .notRunnable: .unprocessableContent
            case .tooLarge: .contentTooLarge
            case .busy: busyStatus
            case .notImplemented: .notImplemented
            case .appFailed: error.reason == "timeout" ? .serviceUnavailable : .internalServerError
            default: .badRequest
            }
        self.init(status: status, title: status.reasonPhrase, detail: error.message, code: error.code.rawValue, reason: error.reason)
        retryAfter = error.retryAfter
    }
}
