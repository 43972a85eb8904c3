import AegisCore
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AegisRegistry

/// Retention rules through the API against a real server: the dry run is what the real run does,
/// immutable tags stay, untagged manifests go where a rule says, and bad rules are refused.
@Suite struct RetentionTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func theDryRunIsWhatTheRunDeletes() async throws {
        try await withRegistry { client in
            var digests: [String: String] = [:]
            for tag in ["v1", "v2", "v3", "v4", "v5", "latest", "dev-1", "dev-2"] {
                digests[tag] = try await client.pushImage(to: "acme/app", tag: tag).digest
                try await Task.sleep(for: .milliseconds(20))  // distinct push times, in this order
            }
            _ = try await client.pushImage(to: "acme/untouched", tag: "old")
            try await client.execute(
                uri: "/api/v1/tenants/acme/immutability", method: .put, headers: Self.json, body: ByteBuffer(string: #"{"tagPatterns":["v1"]}"#)
            ) { #expect($0.status == .ok) }
            let policy = """
                {"rules":[{"repositories":["app"],"keepTags":[{"patterns":["v*"],"mostRecentlyPushedCount":2},{"patterns":["latest"]}],\
                "deleteUntagged":true,"untaggedGraceDays":0}]}
                """
            try await client.execute(uri: "/api/v1/tenants/acme/retention", method: .put, headers: Self.json, body: ByteBuffer(string: policy)) {
                #expect($0.status == .ok)
            }
            let plan = try await client.execute(uri: "/api/v1/tenants/acme/retention/plan", method: .get) { response throws in
                #expect(response.status == .ok)
                return try response.json(RetentionPlan.self)
            }
            #expect(plan.tags.map(\.tag).sorted() == ["dev-1", "dev-2", "v2", "v3"])
            #expect(plan.immutable.map(\.tag) == ["v1"])
            #expect(Set(plan.manifests.map(\.digest)) == Set(["dev-1", "dev-2", "v2", "v3"].compactMap { digests[$0] }))
            // Planning wrote nothing.
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .get) { response throws in
                #expect(try response.json(TagList.self).tags.count == 8)
            }
            let done = try await client.execute(uri: "/api/v1/tenants/acme/retention/apply", method: .post) { response throws in
                #expect(response.status == .ok)
                return try response.json(RetentionPlan.self)
            }
            #expect(done == plan)
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .get) { response throws in
                #expect(try response.json(TagList.self).tags == ["latest", "v1", "v4", "v5"])
            }
            try await client.execute(uri: "/v2/acme/app/manifests/\(digests["v3"] ?? "")", method: .head) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v2/acme/untouched/manifests/old", method: .head) { #expect($0.status == .ok) }
            // A second run has nothing left to do.
            try await client.execute(uri: "/api/v1/tenants/acme/retention/plan", method: .get) { response throws in
                let again = try response.json(RetentionPlan.self)
                #expect(again.tags.isEmpty && again.manifests.isEmpty && again.immutable.map(\.tag) == ["v1"])
            }
        }
    }

    @Test func badRulesAreRefusedWithTheirCode() async throws {
        try await withRegistry { client in
            for (body, code) in [
                (#"{"rules":[{"repositories":["App!"],"keepTags":[]}]}"#, "invalid_request"),
                (#"{"rules":[{"repositories":["*"],"keepTags":[{"patterns":["v/1"]}]}]}"#, "invalid_request"),
                (#"{"rules":[{"repositories":["*"],"keepTags":[{"patterns":["v*"],"mostRecentlyPushedCount":-1}]}]}"#, "invalid_request"),
                (#"{"rules":[{"repositories":["*"],"keepTags":[],"keep":1}]}"#, "bad_request"),
                (#"{"rules":[{"repositories":["*"],"keepTags":[{"patterns":["v*"],"newest":3}]}]}"#, "bad_request"),
                (#"{"rules":"all"}"#, "bad_request"),
            ] {
                try await client.execute(uri: "/api/v1/tenants/acme/retention", method: .put, headers: Self.json, body: ByteBuffer(string: body)) {
                    response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(String(buffer: response.body).contains(#""code":"\#(code)""#), "\(body): \(String(buffer: response.body))")
                }
            }
            try await client.execute(uri: "/api/v1/tenants/acme/retention", method: .get) { response throws in
                #expect(String(buffer: response.body) == #"{"rules":[]}"#)
            }
        }
    }

    @Test func pullsCountAsTheyAreRecorded() {
        let now = Date()
        let (a, b, c) = (DigestHasher.digest(of: Array("a".utf8)), DigestHasher.digest(of: Array("b".utf8)), DigestHasher.digest(of: Array("c".utf8)))
        let tags = [
            TagState(name: "dev-a", digest: a, pushedAt: now.addingTimeInterval(-300)),
            TagState(name: "dev-b", digest: b, pushedAt: now.addingTimeInterval(-200)),
            TagState(name: "dev-c", digest: c, pushedAt: now.addingTimeInterval(-100)),
        ]
        let pulled: [Digest: Date?] = [a: now.addingTimeInterval(-10), b: nil, c: now.addingTimeInterval(-5 * 86_400)]
        func kept(_ entry: RetentionPolicy.KeepTags) -> Set<String> {
            Registry.keptTags(tags, rules: [RetentionPolicy.Rule(repositories: ["*"], keepTags: [entry])], pulled: pulled, now: now)
        }
        #expect(kept(.init(patterns: ["dev-*"], mostRecentlyPulledCount: 1)) == ["dev-a"])
        #expect(kept(.init(patterns: ["dev-*"], mostRecentlyPulledCount: 5)) == ["dev-a", "dev-c"])
        #expect(kept(.init(patterns: ["dev-*"], pulledWithinDays: 1)) == ["dev-a"])
        #expect(kept(.init(patterns: ["dev-*"], mostRecentlyPushedCount: 1)) == ["dev-c"])
        #expect(kept(.init(patterns: ["dev-*"], mostRecentlyPushedCount: 1, pulledWithinDays: 1)) == ["dev-a", "dev-c"])
        #expect(kept(.init(patterns: ["dev-?"])) == ["dev-a", "dev-b", "dev-c"])
        #expect(kept(.init(patterns: ["prod-*"])).isEmpty)
    }

    struct TagList: Decodable { var tags: [String] }
}
