import AegisStoreS3
import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

/// The signature examples of the Amazon S3 API reference ("Signature Calculations for the
/// Authorization Header" and "Query String Authentication"): bucket `examplebucket`, key
/// `AKIAIOSFODNN7EXAMPLE`, 2013-05-24T00:00:00Z, us-east-1.
@Suite struct SigV4S3ExamplesTests {
    static let date = Date(timeIntervalSince1970: 1_369_353_600)
    static let credentials = SigV4Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
    static let host = "examplebucket.s3.amazonaws.com"
    static let scope = "20130524/us-east-1/s3/aws4_request"

    func sign(_ method: String, _ path: String, query: [SigV4Request.QueryItem] = [], headers: [(String, String)] = [], payload: SigV4PayloadHash)
        -> SigV4Signature
    {
        var request = SigV4Request(method: method, path: path, query: query, headers: HTTPHeaders([("Host", Self.host)] + headers))
        return Self.signer.sign(&request, payload: payload, at: Self.date)
    }

    @Test func getObjectWithRange() {
        let signature = sign("GET", "/test.txt", headers: [("Range", "bytes=0-9")], payload: .empty)
        #expect(
            signature.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n\(Self.scope)\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signature.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
    }

    @Test func putObjectWithStorageClass() {
        let payload = SigV4PayloadHash.sha256(of: Data("Welcome to Amazon S3.".utf8))
        #expect(payload.rawValue == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signature = sign(
            "PUT", "/test$file.text", headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payload: payload)
        #expect(
            signature.canonicalRequest == """
                PUT
                /test%24file.text

                date:Fri, 24 May 2013 00:00:00 GMT
                host:examplebucket.s3.amazonaws.com
                x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
                x-amz-date:20130524T000000Z
                x-amz-storage-class:REDUCED_REDUNDANCY

                date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class
                44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
                """)
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n\(Self.scope)\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
        #expect(signature.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycleSignsAnEmptyQueryValue() {
        let signature = sign("GET", "/", query: [.init("lifecycle")], payload: .empty)
        #expect(signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "lifecycle=")
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n\(Self.scope)\n9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca")
        #expect(signature.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjectsSortsTheQuery() {
        let signature = sign("GET", "/", query: [.init("prefix", "J"), .init("max-keys", "2")], payload: .empty)
        #expect(signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "max-keys=2&prefix=J")
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n\(Self.scope)\ndf57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7")
        #expect(signature.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func presignedGetURL() throws {
        var request = SigV4Request(method: "GET", path: "/test.txt", headers: ["Host": Self.host])
        let signature = try Self.signer.presign(&request, expires: 86_400, at: Self.date)
        #expect(
            signature.canonicalRequest == """
                GET
                /test.txt
                X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
                &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host
                host:examplebucket.s3.amazonaws.com

                host
                UNSIGNED-PAYLOAD
                """)
        #expect(
            signature.stringToSign
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n\(Self.scope)\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04")
        #expect(signature.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(request.query.last == .init("X-Amz-Signature", "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
    }

    @Test func clientPresignsTheSameURLVirtualHosted() throws {
        let configuration = S3Configuration(
            bucket: "examplebucket", endpoint: S3Endpoint(scheme: "https", host: "s3.amazonaws.com"), region: "us-east-1",
            style: .virtualHosted, credentials: Self.credentials)
        let client = S3Client(configuration: configuration, httpClient: .shared)
        let url = try client.presignedGetURL(for: "test.txt", expiresIn: .seconds(86_400), at: Self.date)
        let components = try #require(URLComponents(string: url))
        #expect(components.host == "examplebucket.s3.amazonaws.com")
        #expect(components.path == "/test.txt")
        let query = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(query["X-Amz-Credential"] == "AKIAIOSFODNN7EXAMPLE/\(Self.scope)")
        #expect(query["X-Amz-Expires"] == "86400")
        #expect(query["X-Amz-Signature"] == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test(arguments: [0, -1, 604_801])
    func presignedExpiryOutOfRangeIsInvalidArgument(expires: Int) {
        var request = SigV4Request(method: "GET", path: "/test.txt", headers: ["Host": Self.host])
        #expect {
            try Self.signer.presign(&request, expires: expires, at: Self.date)
        } throws: { ($0 as? S3Error)?.code == .invalidArgument }
    }

    @Test func sessionTokenIsSentAndSigned() {
        var credentials = Self.credentials
        credentials.sessionToken = "token/with+specials"
        var request = SigV4Request(method: "GET", path: "/a b/c", headers: ["Host": Self.host])
        let signature = SigV4Signer(credentials: credentials, region: "us-east-1").sign(&request, payload: .unsigned, at: Self.date)
        #expect(signature.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(request.headers["x-amz-content-sha256"] == ["UNSIGNED-PAYLOAD"])
        #expect(request.encodedPath == "/a%20b/c")
    }
}
