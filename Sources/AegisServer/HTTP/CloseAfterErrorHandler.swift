import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Ends a connection after a response marked `Connection: close` (an error answered to a request
/// whose body may be unread or huge; see `ErrorMiddleware`), or after the response to a request
/// whose framing broke (a bad chunk size: the rest of the stream cannot be parsed), without
/// losing the response.
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
    private var framingBroke = false
    private var discarding = false

    init(linger: TimeAmount = .seconds(2)) {
        self.linger = linger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            closeAfterResponse = framingBroke || head.headerFields[.connection]?.lowercased() == "close"
            if framingBroke {
                head.headerFields[.connection] = "close"
                return context.write(wrapOutboundOut(.head(head)), promise: promise)
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
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
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // After the response, a broken body is only bytes to throw away.
        guard !discarding else { return }
        if error is HTTPParserError { framingBroke = true }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if discarding, case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
