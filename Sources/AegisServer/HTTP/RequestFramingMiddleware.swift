import AegisCore
import HTTPTypes
import Hummingbird

/// Refuses, before any handler runs, a request whose declared length cannot be honoured: a
/// `Content-Length` that is not one decimal integer (or several that disagree) is 400, and one above
/// `maxBodyBytes` (the largest body any endpoint takes; 2^63 and beyond included) is 413. Without
/// this a length too large for `Int64` would read as no length at all, and the server would wait for
/// a body that never ends.
///
/// The handlers check their own, smaller limits against the declared length as well.
struct RequestFramingMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The largest body any endpoint accepts (the blob limit).
    let maxBodyBytes: Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let values = request.headers[values: .contentLength]
        guard let first = values.first else { return try await next(request, context) }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            throw Surface(request).failure(.sizeInvalid, "Content-Length must be one non-negative decimal integer")
        }
        guard let length = Int64(first), length <= maxBodyBytes else {
            throw Surface(request).failure(.payloadTooLarge, "Content-Length is above the largest body accepted (\(maxBodyBytes) bytes)")
        }
        return try await next(request, context)
    }
}
