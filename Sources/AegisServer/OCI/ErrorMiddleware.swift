import AegisCore
import Hummingbird
import Logging

/// The outermost middleware: every response carries the request id, every error leaves as JSON,
/// and nothing unexpected leaves as a bare 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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
        } catch {
            context.logger.error("unexpected failure", metadata: ["error": "\(String(reflecting: error))"])
            let failure = RegistryError(.unknown, "internal error; quote request id \(context.id)")
            response = try failure.response(from: request, context: context)
        }
        response.headers[.requestID] = context.id
        return response
    }
}
