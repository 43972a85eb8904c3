/// A part of a multipart upload as `CompleteMultipartUpload` lists it.
public struct S3CompletedPart: Sendable, Hashable {
    /// The part number, 1 to 10,000.
    public var number: Int
    /// The ETag that `UploadPart` answered.
    public var etag: String

    /// Creates a part.
    public init(number: Int, etag: String) {
        self.number = number
        self.etag = etag
    }
}
