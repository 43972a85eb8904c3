import Foundation
import NIOHTTP1

extension S3Client {
    /// A URL that lets anyone holding it GET `key` (any `Range` included) until it expires, without
    /// credentials: for redirecting blob downloads to S3.
    /// - Parameters:
    ///   - key: The key, relative to the configuration's prefix.
    ///   - expiresIn: The validity, 1 second to 7 days (rounded up to whole seconds).
    ///   - date: The signing time, from which the validity counts.
    /// - Throws: `invalidArgument` for a validity out of range.
    public func presignedGetURL(for key: String, expiresIn: Duration, at date: Date = Date()) throws -> String {
        let (seconds, attoseconds) = expiresIn.components
        let expires = Int(clamping: seconds) + (attoseconds > 0 ? 1 : 0)
        let (host, path) = location(of: key)
        var request = SigV4Request(method: "GET", path: path, headers: ["host": host])
        try signer.presign(&request, expires: expires, at: date)
        return url(host: host, for: request)
    }
}
