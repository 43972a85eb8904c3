import AegisAuth
import AegisCore
import AegisGas
import AegisOperations
import AegisSpin
import HTTPTypes
import Hummingbird
import NIOCore

/// Deployed applications over HTTP, `/apps/<tenant>/<app>/<route…>`: an adapter over
/// `AppOperations.serve` (the request as WAGI describes it in, the module's CGI answer out).
struct WAGIController: Sendable {
    let operations: Operations
    let gate: AccessGate

    func addRoutes(to router: Router<AegisRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .head, .options] {
            router.on("/apps/:tenant/:app", method: method) { request, context in try await handle(request, context) }
            router.on("/apps/:tenant/:app/**", method: method) { request, context in try await handle(request, context) }
        }
    }

    private func handle(_ request: Request, _ context: AegisRequestContext) async throws -> Response {
        let principal = try await gate.apiPrincipal(request, context: context)
        context.gas?.attribute(to: principal.description)
        let caller = Caller(principal: principal, requestID: context.id, meter: context.gas)
        var request = request
        let body = try await request.collectSmallBody(upTo: AppOperations.maxBodyBytes)
        let wagiRequest = WAGIRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            headers: request.headers.map { ($0.name.canonicalName, $0.value) }, bodyLength: body.readableBytes,
            clientAddress: context.remoteAddress?.ipAddress ?? "", clientPort: context.remoteAddress?.port ?? 0,
            serverName: request.head.authority ?? "localhost", serverPort: context.localAddress?.port ?? 0)
        let cgi: CGIResponse
        do {
            cgi = try await operations.apps.serve(
                tenant: context.parameters.get("tenant") ?? "", app: context.parameters.get("app") ?? "", request: wagiRequest,
                body: Array(body.readableBytesView), gasLimit: request.headers[.aegisGasLimit], caller)
        } catch let error as OperationError where error.code == .unauthenticated {
            throw gate.authenticationRequired(request)
        } catch let error as OperationError {
            // A busy sandbox is the server's condition here, not the client's request rate.
            throw APIError(error, busyStatus: .serviceUnavailable)
        }
        var headers = HTTPFields()
        for header in cgi.headers {
            guard let name = HTTPField.Name(header.name), !Self.reservedHeaders.contains(name) else { continue }
            headers.append(HTTPField(name: name, value: header.value))
        }
        return Response(status: HTTPResponse.Status(code: cgi.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: cgi.body)))
    }

    /// Headers the server owns: a module cannot set framing or the gas headers.
    private static let reservedHeaders: Set<HTTPField.Name> = [
        .contentLength, .transferEncoding, .connection, .aegisGasUsed, .aegisGasLimit, .aegisGasPrice,
    ]
}
