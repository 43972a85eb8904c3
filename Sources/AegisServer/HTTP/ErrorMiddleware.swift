import AegisCore
import AegisOperations
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
/// HTTP/2 has no such header (RFC 9113 §8.2.2 makes it a protocol error): there the stream ends
/// with the response, and the unread rest of its body is refused by flow control and a reset, while
/// the connection serves on.
struct ErrorMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.render(error, request: request, context: context)
        }
        // swift-nio encodes every answer to CONNECT without a body or length (RFC 9112 frames only
        // 2xx so), so the client reads such an answer to the end of the connection: end it.
        if response.status.code >= 400, !context.isHTTP2, request.bodyIsCostlyToDrain() || request.method == .connect {
            response.headers[.connection] = "close"
        }
        // A HEAD answer has the GET answer's headers and no body. HTTP/1's encoder drops a body
        // written anyway; HTTP/2 sends it, and a client then sees a broken stream.
        if request.method == .head, let length = response.body.contentLength, length > 0 {
            response.body = ResponseBody(contentLength: length) { writer in try await writer.finish(nil) }
        }
        response.headers[.requestID] = context.id
        return response
    }

    /// The response for an error, in the shape of the request's surface.
    static func render(_ error: any Error, request: Request, context: AegisRequestContext) throws -> Response {
        switch error {
        case let error as RegistryError:
            if error.code.httpStatus.code >= 500 {
                context.logger.error("registry failure", metadata: ["error": "\(error)"])
            }
            return try error.response(from: request, context: context)
        case let error as OperationError:
            return try (Surface(request) == .registry ? RegistryError(error) as any HTTPResponseError : APIError(error))
                .response(from: request, context: context)
        case let error as HTTPError:
            // The framework's own answers (no route for a path): in the surface's shape too.
            var failure = APIError(status: error.status, title: error.status.reasonPhrase, detail: error.body ?? "no such endpoint")
            guard Surface(request) == .management else {
                return try RegistryError(.endpointUnknown, failure.detail).response(from: request, context: context)
            }
            failure.allow = error.headers[.allow]
            return try failure.response(from: request, context: context)
        case let error as any HTTPResponseError:
            return try error.response(from: request, context: context)
        case let error as HTTPParserError:
            // A body whose framing broke where no handler turned it into its own error.
            return try Surface(request).failure(.sizeInvalid, "the request body is malformed: \(error)").response(from: request, context: context)
        default:
            context.logger.error("unexpected failure", metadata: ["error": "\(String(reflecting: error))"])
            let failure = Surface(request).failure(.unknown, "internal error; quote request id \(context.id)")
            return try failure.response(from: request, context: context)
        }
    }
}
