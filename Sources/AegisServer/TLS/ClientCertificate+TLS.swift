import AegisAuth
import NIOCore
import NIOSSL
import SwiftASN1
import X509

extension ClientCertificate {
    /// What the verified certificate of a connection's peer says, parsed with swift-certificates;
    /// nil without TLS, without a client certificate, or with one that cannot be parsed.
    /// - Parameter connection: the connection's channel (for HTTP/2, the parent of the stream's).
    static func ofPeer(on connection: any Channel) async -> ClientCertificate? {
        guard let certificate = try? await connection.nioSSL_peerCertificate().get(), let der = try? certificate.toDERBytes(),
            let parsed = try? Certificate(derEncoded: der)
        else { return nil }
        let uris = (try? parsed.extensions.subjectAlternativeNames)??.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
        return ClientCertificate(subject: parsed.subject.description, uris: uris ?? [])
    }
}
