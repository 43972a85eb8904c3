import AegisAuth
import AegisGas
import Hummingbird
import Logging
import NIOCore

/// The per-request context of every AegisGuard surface. Identity, gas meter and audit state
/// join it as those layers land, so that one request carries one record of what it did.
public struct AegisRequestContext: RequestContext {
    /// Hummingbird's core storage (logger with request id, parameters, endpoint path).
    public var coreContext: CoreRequestContextStorage
    /// The request's gas meter (set by `GasMiddleware` on metered surfaces).
    public var gas: GasMeter?
    /// The client's address (CGI's `REMOTE_ADDR` for apps).
    public let remoteAddress: SocketAddress?
    /// The address the request arrived at (CGI's `SERVER_PORT`).
    public let localAddress: SocketAddress?
    /// The channel the request came on, to ask its TLS handler for a client certificate.
    private let channel: any Channel
    /// Whether the request is an HTTP/2 stream. An accepted connection's parent is the listening
    /// channel; a stream's parent is the connection, whose parent is the listening channel.
    public let isHTTP2: Bool

    /// Creates the context for a new request.
    public init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
        isHTTP2 = source.channel.parent?.parent != nil
        remoteAddress = source.channel.remoteAddress
        localAddress = source.channel.localAddress
    }

    /// The client's IP address as text, the key of the per-address login limit.
    public var clientAddress: String? { remoteAddress?.ipAddress }

    /// The client certificate the TLS handshake verified, if any. It asks the connection's event
    /// loop, so the gate calls it only where a certificate could stand in for credentials.
    func clientCertificate() async -> ClientCertificate? {
        await ClientCertificate.ofPeer(on: isHTTP2 ? channel.parent ?? channel : channel)
    }

    /// Bodies are streamed and limited by the registry itself, never collected by the framework
    /// beyond this size (used only for small JSON bodies).
    public var maxUploadSize: Int { 1024 * 1024 }
}
