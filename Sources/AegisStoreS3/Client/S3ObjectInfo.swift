import Foundation
import NIOHTTP1

/// What `HEAD` (or the headers of a `GET`) tells of an object.
public struct S3ObjectInfo: Sendable, Hashable {
    /// The size of the whole object (not of the range a `GET` returned).
    public var size: Int64
    /// The entity tag, quotes included as S3 sends it.
    public var etag: String
    /// When the object was last written, when the answer said.
    public var lastModified: Date?

    /// Creates an object description.
    public init(size: Int64, etag: String, lastModified: Date? = nil) {
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }

    /// Reads `Content-Length` (or the total of `Content-Range` in a 206), `ETag` and `Last-Modified`.
    /// - Throws: `malformedResponse` without a size.
    init(headers: HTTPHeaders) throws {
        let total = headers.first(name: "content-range").flatMap { $0.split(separator: "/").last }.flatMap { Int64($0) }
        guard let size = total ?? headers.first(name: "content-length").flatMap({ Int64($0) }) else {
            throw S3Error(.malformedResponse, "S3 answered an object without Content-Length")
        }
        self.init(
            size: size, etag: headers.first(name: "etag") ?? "",
            lastModified: headers.first(name: "last-modified").flatMap(HTTPDate.parse))
    }
}
