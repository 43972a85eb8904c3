import Crypto
import Foundation

/// The Standard Webhooks signature (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix
/// seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
/// bytes of the secret after `whsec_`. Receivers check it and refuse timestamps more than five
/// minutes away (the replay window), and dedupe on `webhook-id`, which a retry keeps.
public enum WebhookSignature {
    public static func headers(secret: String, id: String, timestamp: Int, body: [UInt8]) -> [(String, String)] {
        [
            ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", "v1," + sign(secret: secret, id: id, timestamp: timestamp, body: body)),
        ]
    }

    /// The base64 signature; empty for a malformed secret (which validation never lets in).
    public static func sign(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return "" }
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return Data(hmac.finalize()).base64EncodedString()
    }
}
