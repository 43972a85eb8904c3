import Crypto
import Foundation

/// The value of `x-amz-content-sha256` and the last line of the canonical request.
public struct SigV4PayloadHash: Sendable, Hashable, CustomStringConvertible {
    /// The hex SHA-256 of the body, or the literal `UNSIGNED-PAYLOAD`.
    public let rawValue: String

    /// A payload hash as it is written in the request.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The hash of an empty body.
    public static let empty = SigV4PayloadHash(rawValue: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

    /// A body that is not hashed before sending (a stream): TLS, the `Content-Length` and the content
    /// digest that the caller checks protect it instead.
    public static let unsigned = SigV4PayloadHash(rawValue: "UNSIGNED-PAYLOAD")

    /// The SHA-256 of `bytes`.
    public static func sha256(of bytes: some DataProtocol) -> SigV4PayloadHash {
        SigV4PayloadHash(rawValue: Hex.encode(SHA256.hash(data: bytes)))
    }

    public var description: String { rawValue }
}
