import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension S3Client {
    /// HeadObject: the object's size and ETag, or `nil` when there is none (404).
    public func headObject(_ key: String) async throws -> S3ObjectInfo? {
        do {
            return try await send(S3Operation(name: "HeadObject", method: .HEAD, key: key)) { try S3ObjectInfo(headers: $0.headers) }
        } catch let error as S3Error where error.status == 404 {
            return nil
        }
    }

    /// GetObject: streams the object, or the inclusive byte `range` of it, to `consume` chunk by
    /// chunk as it arrives (one chunk in memory at a time).
    /// - Returns: The object's description (its whole size, even for a range).
    /// - Throws: `S3Error` `NoSuchKey` (404) for a missing object, `InvalidRange` (416) for a range
    ///   that starts past its end; `IncompleteBody` when the connection ends early.
    @discardableResult
    public func getObject(
        _ key: String, range: ClosedRange<Int64>? = nil, into consume: (ByteBuffer) async throws -> Void
    ) async throws -> S3ObjectInfo {
        var headers = HTTPHeaders()
        if let range {
            guard range.lowerBound >= 0 else { throw S3Error(.invalidArgument, "a byte range cannot start before 0") }
            headers.add(name: "range", value: "bytes=\(range.lowerBound)-\(range.upperBound)")
        }
        // Retries end when the answer's head arrives: bytes handed to `consume` cannot be taken back.
        let response = try await send(S3Operation(name: "GetObject", method: .GET, key: key, headers: headers)) { $0 }
        let info = try S3ObjectInfo(headers: response.headers)
        let expected = response.headers.first(name: "content-length").flatMap { Int64($0) }
        var received: Int64 = 0
        for try await chunk in response.body {
            received += Int64(chunk.readableBytes)
            try await consume(chunk)
        }
        if let expected, received != expected {
            throw S3Error(.incompleteBody, "GetObject of '\(key)' ended after \(received) of \(expected) bytes")
        }
        return info
    }

    /// PutObject with a small body held in memory (signed with its SHA-256, retried when transient).
    /// - Returns: The new object's ETag.
    @discardableResult
    public func putObject(_ key: String, bytes: ByteBuffer, contentType: String? = nil) async throws -> String {
        try await put(S3Operation(name: "PutObject", method: .PUT, key: key, headers: Self.headers(contentType), body: .bytes(bytes)))
    }

    /// PutObject streaming `body`, which must yield exactly `length` bytes (sent `UNSIGNED-PAYLOAD`,
    /// never retried: the stream cannot be replayed).
    /// - Returns: The new object's ETag.
    @discardableResult
    public func putObject(
        _ key: String, body: some AsyncSequence<ByteBuffer, any Error> & Sendable, length: Int64, contentType: String? = nil
    ) async throws -> String {
        try await put(
            S3Operation(
                name: "PutObject", method: .PUT, key: key, headers: Self.headers(contentType),
                body: .stream(.stream(body, length: .known(length)))))
    }

    /// DeleteObject. A missing object is not an error (S3 answers 204 for it too).
    public func deleteObject(_ key: String) async throws {
        do {
            try await send(S3Operation(name: "DeleteObject", method: .DELETE, key: key)) { _ in }
        } catch let error as S3Error where error.code == .noSuchKey {
            return
        }
    }

    func put(_ operation: S3Operation) async throws -> String {
        try await send(operation) { response in
            guard let etag = response.headers.first(name: "etag") else {
                throw S3Error(.malformedResponse, "\(operation.name) of '\(operation.key ?? "")' answered without an ETag")
            }
            return etag
        }
    }

    static func headers(_ contentType: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "content-type", value: contentType) }
        return headers
    }
}
