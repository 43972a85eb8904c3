import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ChunkedUploadTests {
    @Test func chunksInOrderThenPutWithLastChunk() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(30_000)
            var location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { response throws in
                #expect(response.status == .accepted)
                #expect(response.header("Range") == "0-0")
                return try #require(response.header("Location"))
            }
            for start in stride(from: 0, to: 20_000, by: 10_000) {
                let end = start + 9_999
                location = try await client.execute(
                    uri: location, method: .patch,
                    headers: [.contentRange: "\(start)-\(end)", .contentType: "application/octet-stream"],
                    body: ByteBuffer(bytes: bytes[start...end])
                ) { response throws in
                    #expect(response.status == .accepted)
                    #expect(response.header("Range") == "0-\(end)")
                    return try #require(response.header("Location"))
                }
            }
            try await client.execute(uri: location, method: .get) { response throws in
                #expect(response.status == .noContent)
                #expect(response.header("Range") == "0-19999")
            }
            try await client.execute(
                uri: "\(location)?digest=\(sha256(bytes))", method: .put, headers: [.contentRange: "20000-29999"],
                body: ByteBuffer(bytes: bytes[20_000...])
            ) { response throws in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(bytes))", method: .get) { response throws in
                #expect(response.bodyBytes == bytes)
            }
        }
    }

    @Test func streamedPatchWithoutContentRangeAppends() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(50_000)
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(uri: location, method: .patch, body: ByteBuffer(bytes: bytes[..<25_000])) { response throws in
                #expect(response.status == .accepted)
                #expect(response.header("Range") == "0-24999")
            }
            try await client.execute(uri: location, method: .patch, body: ByteBuffer(bytes: bytes[25_000...])) { response throws in
                #expect(response.header("Range") == "0-49999")
            }
            try await client.execute(uri: "\(location)?digest=\(sha256(bytes))", method: .put) { response throws in
                #expect(response.status == .created)
            }
        }
    }

    @Test(arguments: ["5-9", "0-4", "100-199"])
    func outOfOrderOrOverlappingChunkIs416(range: String) async throws {
        try await withRegistry { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(
                uri: location, method: .patch, headers: [.contentRange: "0-9"], body: ByteBuffer(bytes: randomBytes(10))
            ) { #expect($0.status == .accepted) }
            let parts = range.split(separator: "-").compactMap { Int($0) }
            try await client.execute(
                uri: location, method: .patch, headers: [.contentRange: range],
                body: ByteBuffer(bytes: randomBytes(parts[1] - parts[0] + 1))
            ) { response throws in
                #expect(response.status == .rangeNotSatisfiable)
                #expect(response.errorCode == "RANGE_INVALID")
            }
            // The session is unchanged by the refused chunk.
            try await client.execute(uri: location, method: .get) { #expect($0.header("Range") == "0-9") }
        }
    }

    @Test func finalPutWithOutOfOrderChunkIs416() async throws {
        try await withRegistry { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(
                uri: "\(location)?digest=\(sha256([1]))", method: .put, headers: [.contentRange: "5-5"], body: ByteBuffer(bytes: [1])
            ) { response throws in
                #expect(response.status == .rangeNotSatisfiable)
            }
        }
    }

    @Test func malformedContentRangeIs416() async throws {
        try await withRegistry { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(
                uri: location, method: .patch, headers: [.contentRange: "bytes 0-9/10"], body: ByteBuffer(bytes: randomBytes(10))
            ) { response throws in
                #expect(response.status == .rangeNotSatisfiable)
            }
        }
    }

    @Test func chunkLengthDisagreeingWithContentRangeIsSizeInvalid() async throws {
        try await withRegistry { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(
                uri: location, method: .patch, headers: [.contentRange: "0-99"], body: ByteBuffer(bytes: randomBytes(10))
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "SIZE_INVALID")
            }
            try await client.execute(uri: location, method: .get) { #expect($0.header("Range") == "0-0") }
        }
    }

    @Test func cancelledUploadIsGone() async throws {
        try await withRegistry { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(uri: location, method: .delete) { #expect($0.status == .noContent) }
            try await client.execute(uri: location, method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "BLOB_UPLOAD_UNKNOWN")
            }
            try await client.execute(uri: location, method: .patch, body: ByteBuffer(bytes: [1])) { response throws in
                #expect(response.errorCode == "BLOB_UPLOAD_UNKNOWN")
            }
        }
    }

    @Test func uploadOfAnotherRepositoryIsUnknown() async throws {
        try await withRegistry { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            let id = try #require(location.split(separator: "/").last)
            try await client.execute(uri: "/v2/acme/other/blobs/uploads/\(id)", method: .get) { response throws in
                #expect(response.errorCode == "BLOB_UPLOAD_UNKNOWN")
            }
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/not-a-uuid", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "BLOB_UPLOAD_UNKNOWN")
            }
        }
    }

    @Test func putWithoutDigestIsDigestInvalid() async throws {
        try await withRegistry { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(uri: location, method: .put) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "DIGEST_INVALID")
            }
        }
    }
}
