import Foundation

extension SigV4Signer {
    /// The longest validity a presigned URL may have (seven days, AWS's limit).
    public static let maximumPresignedExpiry = 604_800

    /// Presigns `request` in its query string: adds `X-Amz-Algorithm`, `X-Amz-Credential`,
    /// `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders` (and `X-Amz-Security-Token` with a
    /// session token, which S3 wants signed) and then `X-Amz-Signature`. The payload is unsigned.
    /// - Parameters:
    ///   - request: The request; its headers (at least `Host`) are the signed ones.
    ///   - expires: Seconds of validity, 1 to `maximumPresignedExpiry`.
    ///   - date: The signing time, from which the validity counts.
    /// - Returns: The canonical request, string to sign and signature.
    /// - Throws: `S3Error.Code.invalidArgument` for an expiry out of range.
    @discardableResult
    public func presign(_ request: inout SigV4Request, expires: Int, at date: Date) throws -> SigV4Signature {
        guard (1...Self.maximumPresignedExpiry).contains(expires) else {
            throw S3Error(.invalidArgument, "a presigned URL expires after 1 to \(Self.maximumPresignedExpiry) seconds, not \(expires)")
        }
        let time = SigV4Timestamp(date)
        let signedHeaders = Self.canonicalHeaders(request.headers).map(\.name).joined(separator: ";")
        request.query += [
            .init("X-Amz-Algorithm", Self.algorithm),
            .init("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(time))"),
            .init("X-Amz-Date", time.dateTime),
            .init("X-Amz-Expires", String(expires)),
            .init("X-Amz-SignedHeaders", signedHeaders),
        ]
        if let token = credentials.sessionToken { request.query.append(.init("X-Amz-Security-Token", token)) }
        let signature = signature(of: request, payload: .unsigned, time: time)
        request.query.append(.init("X-Amz-Signature", signature.signature))
        return signature
    }
}
