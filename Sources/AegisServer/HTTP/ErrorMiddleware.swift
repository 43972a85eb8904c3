import AegisCore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The outermost middleware: every response carries the request id, every error leaves as JSON in
/// its surface's shape, and nothing unexpected leaves as a bare 500.
///
/// An error answered to a request whose body is costly to drain (a transfer coding, a length above
/// 64 KiB or a malformed one) or to `CONNECT` ends the connection (`Connection: close`;
/// `CloseAfterErrorHandler` closes it once the response is out): reading such a body to the end
/// only to reuse the connection would let a refused upload cost its full size, or a declared
/// length of 2^63 hold the connection forever. Small bodies are drained and the connection kept.
struct ErrorMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as RegistryError {
            if error.code.status >= 500 {
                context.logger.error("registry failure", metadata: ["error": "\(error)"])
            }
            response = try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPParserError {
            // A body whose framing broke where no handler turned it into its own error.
            let failure = Surface(request).failure(.sizeInvalid, "the request body is malformed: \(error)")
            response = try failure.response(from: request, context: context)
        } catch {
            context.logger.error("unexpected failure", metadata: ["error": "\(String(reflecting: error))"])
            let failure = Surface(request).failure(.unknown, "internal error; quote request id \(context.id)")
            response = try failure.response(from: request, context: context)
        }
        // swift-nio encodes every answer to CONNECT without a body or length (RFC 9112 frames only
        // 2xx so), so the client reads such an answer to the end of the connection: end it.
        if response.status.code >= 400, request.bodyIsCostlyToDrain() || request.method == .connect {
            response.headers[.connection] = "close"
        }
        response.headers[.requestID] = context.id
        return response
    }
}
