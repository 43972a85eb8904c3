import Foundation

/// One page of `ListObjectsV2`.
public struct S3ObjectPage: Sendable, Hashable {
    /// An object as a listing shows it.
    public struct Object: Sendable, Hashable {
        /// The key, relative to the configuration's prefix.
        public var key: String
        /// The size in bytes.
        public var size: Int64
        /// The entity tag, quotes included.
        public var etag: String
        /// When it was last written.
        public var lastModified: Date?

        /// Creates a listed object.
        public init(key: String, size: Int64, etag: String, lastModified: Date?) {
            self.key = key
            self.size = size
            self.etag = etag
            self.lastModified = lastModified
        }
    }

    /// The objects of this page, in key order.
    public var objects: [Object]
    /// The token for the next page, or `nil` on the last one.
    public var nextContinuationToken: String?

    /// Creates a page.
    public init(objects: [Object], nextContinuationToken: String?) {
        self.objects = objects
        self.nextContinuationToken = nextContinuationToken
    }
}
