import AegisAuth
import AegisClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct LoginTests {
    @Test(.ownPlainClient) func loginStoresARefreshTokenPrivatelyAndRefusesBadPasswords() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-login-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let login = RegistryLogin(environment: ["AEGIS_CONFIG_DIR": directory])
        try await withRegistry(.live, as: nil) { client in
            let registry = "http://127.0.0.1:\(try #require(client.port))"
            let entry = try await login.login(registry: registry, username: TestRegistry.admin.user, password: TestRegistry.admin.password)
            #expect(entry.service == "aegisguard")
            #expect(try login.stored()[registry]?.refreshToken == entry.refreshToken)
            let attributes = try FileManager.default.attributesOfItem(atPath: login.credentialsPath)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            // The stored refresh token works at the token endpoint.
            try await client.execute(
                uri: "/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "grant_type=refresh_token&refresh_token=\(entry.refreshToken)&service=aegisguard")
            ) { #expect($0.status == .ok) }
            await #expect {
                try await login.login(registry: registry, username: TestRegistry.admin.user, password: "wrong")
            } throws: { ($0 as? AuthError)?.code == .invalidCredentials }
            #expect(try login.logout(registry: registry))
            #expect(try login.stored().isEmpty)
        }
    }
}
