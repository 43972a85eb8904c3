import Crypto
import Foundation
import NIOHTTP1

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`), for the `Authorization` header and for presigned URLs.
///
/// Small on purpose: it covers what an S3 client sends (every header it was given is signed, the
/// path and the query are encoded once) and no more: no path normalisation (S3 forbids it), no
/// chunked (`aws-chunked`) payload signing.
public struct SigV4Signer: Sendable {
    /// The algorithm name, first in the string to sign and in `Authorization`.
    public static let algorithm = "AWS4-HMAC-SHA256"

    /// The key that signs.
    public var credentials: SigV4Credentials
    /// The region in the credential scope (`us-east-1`).
    public var region: String
    /// The service in the credential scope (`s3`).
    public var service: String
    /// Whether `sign` adds `x-amz-content-sha256` (S3 requires it; the generic test suite has none).
    public var sendsContentHash: Bool

    /// Creates a signer.
    public init(credentials: SigV4Credentials, region: String, service: String = "s3", sendsContentHash: Bool = true) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.sendsContentHash = sendsContentHash
    }

    /// Signs `request` in place: adds `x-amz-date`, `x-amz-content-sha256` (when `sendsContentHash`),
    /// `x-amz-security-token` (with a session token) and `Authorization`.
    /// - Parameters:
    ///   - request: The request; every header already in it is signed.
    ///   - payload: The body's hash, `.empty` or `.unsigned`.
    ///   - date: The signing time (AWS accepts 15 minutes of clock skew).
    /// - Returns: The canonical request, string to sign and signature.
    @discardableResult
    public func sign(_ request: inout SigV4Request, payload: SigV4PayloadHash, at date: Date) -> SigV4Signature {
        let time = SigV4Timestamp(date)
        request.headers.remove(name: "authorization")
        request.headers.replaceOrAdd(name: "x-amz-date", value: time.dateTime)
        if sendsContentHash { request.headers.replaceOrAdd(name: "x-amz-content-sha256", value: payload.rawValue) }
        if let token = credentials.sessionToken { request.headers.replaceOrAdd(name: "x-amz-security-token", value: token) }
        var signature = signature(of: request, payload: payload, time: time)
        signature.authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(time)), "
            + "SignedHeaders=\(signature.signedHeaders), Signature=\(signature.signature)"
        request.headers.add(name: "authorization", value: signature.authorization)
        return signature
    }

    /// The credential scope: `20150830/us-east-1/service/aws4_request`.
    func scope(_ time: SigV4Timestamp) -> String { "\(time.date)/\(region)/\(service)/aws4_request" }

    /// Computes the canonical request, the string to sign and the signature of `request` as it is.
    func signature(of request: SigV4Request, payload: SigV4PayloadHash, time: SigV4Timestamp) -> SigV4Signature {
        let headers = Self.canonicalHeaders(request.headers)
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            request.method,
            request.encodedPath,
            request.canonicalQuery,
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            payload.rawValue,
        ].joined(separator: "\n")
        let stringToSign = [
            Self.algorithm, time.dateTime, scope(time), Hex.encode(SHA256.hash(data: Data(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let signature = Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(time)))
        return SigV4Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders, signature: signature,
            authorization: "")
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    func signingKey(_ time: SigV4Timestamp) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [time.date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// Lowercase names sorted, values trimmed with inner runs of spaces collapsed, repeated names
    /// joined with `,` in the order they appear.
    static func canonicalHeaders(_ headers: HTTPHeaders) -> [(name: String, value: String)] {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let name = name.lowercased()
            guard name != "authorization" else { continue }
            values[name, default: []].append(collapsingSpaces(value))
        }
        return values.keys.sorted().map { (name: $0, value: values[$0, default: []].joined(separator: ",")) }
    }

    private static func collapsingSpaces(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
