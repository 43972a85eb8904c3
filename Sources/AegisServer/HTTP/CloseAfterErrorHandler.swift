import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Ends a connection after a response marked `Connection: close` (an error answered to a request
/// whose body may be unread or huge; see `ErrorMiddleware`), or after the response to a request
/// whose framing broke (a bad chunk size: the rest of the stream cannot be parsed), without
/// losing the response.
///
/// A request whose head cannot be parsed at all (an unknown method, `Content-Length: abc`, both a
/// length and a transfer coding) never reaches a route, and the framework answers it with a bare
/// 400. This handler gives that answer a body: a problem+json document that also carries the OCI
/// `errors` array, since which API the request meant cannot be known.
///
/// Closing at once while the client is still sending would make the kernel answer with a reset,
/// which can destroy the response before the client reads it. So this is a lingering close: once the
/// response is written the server sends FIN (half-close), then reads and discards what still
/// arrives until the client closes or `linger` passes, and only then closes the socket.
final class CloseAfterErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let linger: TimeAmount
    private var closeAfterResponse = false
    private var framingBroke: HTTPParserError?
    private var headReceived = false
    private var discarding = false

    init(linger: TimeAmount = .seconds(2)) {
        self.linger = linger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            closeAfterResponse = framingBroke != nil || head.headerFields[.connection]?.lowercased() == "close"
            guard let error = framingBroke else { return context.write(data, promise: promise) }
            head.headerFields[.connection] = "close"
            guard !headReceived, head.status == .badRequest else { return context.write(wrapOutboundOut(.head(head)), promise: promise) }
            let body = Self.malformedRequestDocument(error)
            head.headerFields[.contentType] = "application/problem+json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            headReceived = false
            guard closeAfterResponse else { return context.write(data, promise: promise) }
            closeAfterResponse = false
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.writeAndFlush(data, promise: written)
            let loop = context.eventLoop.assumeIsolated()
            written.futureResult.hop(to: loop.nonisolated()).assumeIsolated().whenComplete { _ in
                self.discarding = true
                context.close(mode: .output, promise: nil)
                loop.scheduleTask(in: self.linger) { context.close(promise: nil) }
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !discarding else { return }
        if case .head = unwrapInboundIn(data) { headReceived = true }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // After the response, a broken body is only bytes to throw away.
        guard !discarding else { return }
        if let error = error as? HTTPParserError { framingBroke = error }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if discarding, case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Both error shapes in one document: problem+json members and the OCI `errors` array.
    private static func malformedRequestDocument(_ error: HTTPParserError) -> ByteBuffer {
        struct Document: Encodable {
            struct Entry: Encodable {
                var code: String
                var message: String
            }
            var type = "about:blank"
            var title = "Bad Request"
            var status = 400
            var code = "malformed_request"
            var detail: String
            var errors: [Entry]
        }
        let message = "the request is not valid HTTP/1.1: \(error)"
        let document = Document(detail: message, errors: [.init(code: "UNSUPPORTED", message: message)])
        return ByteBuffer(bytes: (try? JSONEncoder.registry.encode(document)) ?? Data())
    }
}
