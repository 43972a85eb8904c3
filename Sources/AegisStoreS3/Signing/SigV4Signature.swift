/// What signing a request produced, each intermediate step included so that tests can compare them
/// with AWS's published vectors and a `SignatureDoesNotMatch` can be debugged against the server's.
public struct SigV4Signature: Sendable, Hashable {
    /// The canonical request (method, path, query, headers, signed header names, payload hash).
    public var canonicalRequest: String
    /// `AWS4-HMAC-SHA256`, the time, the scope and the hash of the canonical request.
    public var stringToSign: String
    /// The lowercase header names that were signed, `;`-separated.
    public var signedHeaders: String
    /// The hex HMAC-SHA256 of the string to sign under the derived key.
    public var signature: String
    /// The `Authorization` header value (empty for a presigned URL, which carries the signature in its query).
    public var authorization: String
}
