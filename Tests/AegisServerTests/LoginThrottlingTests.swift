import AegisAuth
import AegisConfig
import AegisCore
import AegisOperations
import AegisServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Failed password checks are throttled before scrypt runs, on `/v2` (Basic), `/token` and `/api`.
@Suite struct LoginThrottlingTests {
    let alice = (user: "alice", password: "alice-password-1")
    let bob = (user: "bob", password: "bob-password-12")

    func hashes(_ client: some TestClientProtocol) async throws -> Int {
        try await client.execute(
            uri: "/metrics", method: .get, headers: [.authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password)]
        ) { response throws in
            let text = String(buffer: response.body)
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("aegis_login_password_hashes_total") })
            return try #require(Int(line.split(separator: " ").last ?? ""))
        }
    }

    @Test func aThousandWrongPasswordsCostABoundedNumberOfHashesAndAnotherUserLogsIn() async throws {
        var registry = try TestRegistry()
        // The administrator's own check (for /metrics) stays cached however long the loop takes
        // (over HTTP/2 on a busy machine it took more than the default 30 s, and the second
        // /metrics call hashed once more than the 401s counted).
        registry.configuration.auth.credentialCacheSeconds = 3600
        defer { registry.remove() }
        try await registry.run(.live, as: nil) { [alice, bob] _, operations in
            try await operations.createUser(name: alice.user, password: alice.password)
            try await operations.createUser(name: bob.user, password: bob.password)
        } _: { client in
            let before = try await hashes(client)
            var statuses: [HTTPResponse.Status: Int] = [:]
            var retryAfter: String?
            for attempt in 0..<1000 {
                try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic(alice.user, "guess-\(attempt)")]) {
                    statuses[$0.status, default: 0] += 1
                    if $0.status == .tooManyRequests {
                        retryAfter = $0.header("Retry-After")
                        #expect(String(buffer: $0.body).contains(#""code":"TOOMANYREQUESTS""#))
                    }
                }
            }
            let spent = try await hashes(client) - before
            // 5 before the first lock, then one per expired lock (1 s, 2 s, 4 s, …) while the loop runs.
            #expect(spent >= 5 && spent <= 12, "password hashes for 1,000 wrong passwords: \(spent)")
            #expect(statuses[.unauthorized] == spent)
            #expect(statuses[.tooManyRequests] == 1000 - spent)
            #expect(retryAfter.flatMap { Int($0) }.map { (1...900).contains($0) } == true)
            // Another user from the same address is not locked out, nor is the API.
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic(bob.user, bob.password)]) {
                #expect($0.status == .ok)
            }
            // The token endpoint and the API refuse alice the same way, with no hash.
            try await client.execute(uri: "/token?service=aegisguard", method: .get, headers: [.authorization: basic(alice.user, alice.password)]) {
                response in
                #expect(response.status == .tooManyRequests)
                #expect(response.header("Retry-After") != nil)
                #expect(String(buffer: response.body).contains(#""error":"slow_down""#))
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: basic(alice.user, "still-guessing")]) {
                #expect($0.status == .tooManyRequests)
                #expect(String(buffer: $0.body).contains(#""code":"too_many_requests""#))
            }
            #expect(try await hashes(client) - before <= spent + 1)
            // The lockout is an audit record and a metric.
            try await client.execute(
                uri: "/metrics", method: .get, headers: [.authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password)]
            ) { response in
                #expect(String(buffer: response.body).contains(#"aegis_login_lockouts_total{scope="user"}"#))
            }
            var audited = false
            for _ in 0..<30 where !audited {
                try await Task.sleep(for: .milliseconds(200))
                audited = try await client.execute(
                    uri: "/api/v1/audit?limit=1000", method: .get,
                    headers: [.authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password)]
                ) { String(buffer: $0.body).contains(#""action":"lockout""#) && String(buffer: $0.body).contains(#""principal":"alice""#) }
            }
            #expect(audited, "no lockout record in the audit log")
        }
    }

    @Test func aRightPasswordAfterTheLockEndsLogsInAndForgivesTheFailures() async throws {
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.auth.loginThrottle.failuresPerUser = 2
        // Long enough that a loaded machine still asks within the lock.
        registry.configuration.auth.loginThrottle.lockoutSeconds = 4
        registry.configuration.auth.credentialCacheSeconds = 0
        try await registry.run(.live, as: nil) { [alice] _, operations in
            try await operations.createUser(name: alice.user, password: alice.password)
        } _: { client in
            for status in [HTTPResponse.Status.unauthorized, .unauthorized, .tooManyRequests] {
                try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic(alice.user, "wrong")]) {
                    #expect($0.status == status)
                }
            }
            try await Task.sleep(for: .milliseconds(4100))
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic(alice.user, alice.password)]) {
                #expect($0.status == .ok)
            }
            // Forgiven: two more failures before the next lock.
            for status in [HTTPResponse.Status.unauthorized, .unauthorized, .tooManyRequests] {
                try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic(alice.user, "wrong")]) {
                    #expect($0.status == status)
                }
            }
        }
    }
}
