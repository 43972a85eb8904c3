import AegisCore
import AegisOperations

extension RegistryError {
    /// An operation's refusal in OCI terms (`/v2`): gas and quota refusals are `DENIED` with their
    /// reason in the detail, waiting is `TOOMANYREQUESTS` with `retryAfter`.
    init(_ error: OperationError) {
        var detail = error.detail
        if let reason = error.reason { detail["reason"] = reason }
        if let seconds = error.retryAfter { detail["retryAfter"] = String(seconds) }
        let code: RegistryError.Code =
            switch error.code {
            case .gas where error.reason == "base_fee_above_max", .busy: .tooManyRequests
            case .gas, .forbidden: .denied
            case .unauthenticated: .unauthorized
            case .notFound: .nameUnknown
            default: .unsupportedParameter
            }
        self.init(code, error.message, detail: detail.isEmpty ? nil : detail)
    }
}
