import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct BlobPushTests {
    @Test(arguments: [TestingSetup.live, .router])
    func postThenPutStoresBlobAndServesItBack(setup: TestingSetup) async throws {
        try await withRegistry(setup) { client in
            let bytes = randomBytes(300_000)
            let digest = try await client.pushBlob(bytes, to: "acme/app")
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Docker-Content-Digest") == digest)
                #expect(response.header("Content-Length") == "300000")
                #expect(response.header("Content-Type") == "application/octet-stream")
                #expect(response.bodyBytes == bytes)
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .head) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Content-Length") == "300000")
                #expect(response.header("Docker-Content-Digest") == digest)
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test func singlePostWithDigestCreatesBlob() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(1000)
            let digest = sha256(bytes)
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/?digest=\(digest)", method: .post, body: ByteBuffer(bytes: bytes)
            ) { response throws in
                #expect(response.status == .created)
                #expect(response.header("Location") == "/v2/acme/app/blobs/\(digest)")
                #expect(response.header("Docker-Content-Digest") == digest)
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { response throws in
                #expect(response.bodyBytes == bytes)
            }
        }
    }

    @Test func wrongDigestIsDigestInvalidAndBlobStaysAbsent() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(100)
            let wrong = sha256([1, 2, 3])
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/?digest=\(wrong)", method: .post, body: ByteBuffer(bytes: bytes)
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "DIGEST_INVALID")
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(wrong)", method: .head) { response throws in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func sha512BlobsAreVerifiedAndServed() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(5000)
            let digest = sha512(bytes)
            let location = try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/?digest-algorithm=sha512", method: .post
            ) { response throws in
                #expect(response.status == .accepted)
                return try #require(response.header("Location"))
            }
            try await client.execute(
                uri: "\(location)?digest=\(digest)", method: .put, body: ByteBuffer(bytes: bytes)
            ) { response throws in
                #expect(response.status == .created)
                #expect(response.header("Docker-Content-Digest") == digest)
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.bodyBytes == bytes)
            }
            // A sha512 digest also verifies a session that hashed sha256 while streaming.
            let other = randomBytes(777)
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/?digest=\(sha512(other))", method: .post, body: ByteBuffer(bytes: other)
            ) { response throws in
                #expect(response.status == .created)
            }
        }
    }

    @Test func unsupportedDigestAlgorithmIsRejected() async throws {
        try await withRegistry { client in
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/?digest-algorithm=md5", method: .post) { response throws in
                // 400, not 405: the method is fine, the parameter is not (a 405 would need an Allow).
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "UNSUPPORTED")
            }
            try await client.execute(uri: "/v2/acme/app/blobs/md5:abcd", method: .get) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "UNSUPPORTED")
            }
            try await client.execute(uri: "/v2/acme/app/blobs/sha256:XYZ", method: .get) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "DIGEST_INVALID")
            }
        }
    }

    @Test func rangeRequestsAreServedAndUnsatisfiableIs416() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(1000)
            let digest = try await client.pushBlob(bytes, to: "acme/app")
            let cases: [(String, ClosedRange<Int>)] = [
                ("bytes=0-9", 0...9), ("bytes=990-", 990...999), ("bytes=-5", 995...999),
                ("bytes=500-5000", 500...999),
            ]
            for (header, expected) in cases {
                try await client.execute(
                    uri: "/v2/acme/app/blobs/\(digest)", method: .get, headers: [.range: header]
                ) { response throws in
                    #expect(response.status == .partialContent, "\(header)")
                    #expect(response.header("Content-Range") == "bytes \(expected.lowerBound)-\(expected.upperBound)/1000")
                    #expect(response.bodyBytes == Array(bytes[expected]))
                }
            }
            for header in ["bytes=1000-", "bytes=5-2", "bytes=-0"] {
                try await client.execute(
                    uri: "/v2/acme/app/blobs/\(digest)", method: .get, headers: [.range: header]
                ) { response throws in
                    #expect(response.status == .rangeNotSatisfiable, "\(header)")
                    #expect(response.header("Content-Range") == "bytes */1000")
                    #expect(response.errorCode == "RANGE_INVALID")
                }
            }
        }
    }

    @Test func emptyBlobCanBePushedAndPulled() async throws {
        try await withRegistry { client in
            let digest = try await client.pushBlob([], to: "acme/app")
            #expect(digest == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Content-Length") == "0")
            }
        }
    }

    @Test func blobLargerThanLimitIs413AndLeavesNothing() async throws {
        var limits = RegistryLimits.default
        limits.maxBlobBytes = 1000
        try await withRegistry(limits: limits) { client in
            let bytes = randomBytes(1001)
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/?digest=\(sha256(bytes))", method: .post, body: ByteBuffer(bytes: bytes)
            ) { response throws in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == "SIZE_INVALID")
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(bytes))", method: .head) { response throws in
                #expect(response.status == .notFound)
            }
        }
    }
}
