import AegisAuth
import NIOCore
import NIOSSL
import SwiftASN1
import X509

extension ClientCertificate {
    /// What the verified certificate of a connection's peer says, parsed with swift-certificates;
    /// nil without TLS, without a client certificate, or with one that cannot be parsed.
    ///
    /// HTTP/1 requests run on the connection's channel; HTTP/2 requests on a stream channel whose
    /// parent holds the TLS handler.
    static func ofPeer(on channel: any Channel) async -> ClientCertificate? {
        let connection = channel.parent ?? channel
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
