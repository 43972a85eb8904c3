import NIOCore
import NIOHTTP1

extension S3Client {
    /// CreateBucket (for tests and setup). A bucket that this account already owns is not an error.
    public func createBucket() async throws {
        var body = S3Operation.Body.empty
        // us-east-1 is the one region where a location constraint is refused.
        if configuration.region != "us-east-1" {
            body = .bytes(
                ByteBuffer(
                    string: "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        + "<LocationConstraint>\(S3XMLText.escape(configuration.region))</LocationConstraint></CreateBucketConfiguration>"))
        }
        do {
            try await send(S3Operation(name: "CreateBucket", method: .PUT, key: nil, body: body)) { _ in }
        } catch let error as S3Error where error.code == .bucketAlreadyOwnedByYou {
            return
        }
    }
}
