import AegisAuth
import AegisConfig
import AegisCore
import AegisGas
import AegisServer
import Foundation
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsServeOnLoopback5000() throws {
        let configuration = try AegisConfiguration.load(file: nil, environment: [:])
        #expect(configuration.listen == "127.0.0.1:5000")
        #expect(configuration.dataDirectory == "./aegis-data")
        #expect(configuration.limits.maxManifestBytes == 4 * 1024 * 1024)
    }

    @Test func plainHTTPIsRefusedOffLoopbackUnlessAllowed() throws {
        var configuration = AegisConfiguration()
        for host in ["127.0.0.1", "127.0.0.2", "::1", "localhost"] {
            configuration.host = host
            try configuration.validateForServing()
        }
        configuration.host = "0.0.0.0"
        #expect { try configuration.validateForServing() } throws: {
            "\($0)".contains("refusing to serve plain HTTP on 0.0.0.0") && "\($0)".contains("tls.allow_plaintext")
        }
        configuration = try AegisConfiguration.load(file: nil, environment: ["AEGIS_LISTEN": "0.0.0.0:5000", "AEGIS_TLS_ALLOW_PLAINTEXT": "true"])
        try configuration.validateForServing()
        configuration.tls.allowPlaintext = false
        configuration.tls.certificateFile = "/etc/aegis/cert.pem"
        #expect { try configuration.validateForServing() } throws: { "\($0)".contains("must be given together") }
        configuration.tls.keyFile = "/etc/aegis/key.pem"
        try configuration.validateForServing()
        #expect(configuration.scheme == "https")
        configuration.tls.requireClientCertificate = true
        #expect { try configuration.validateForServing() } throws: { "\($0)".contains("needs tls.client_ca_file") }
    }

    @Test func tlsAndLoginLimitsLoadFromTheFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        [tls]
        cert_file = "/etc/aegis/cert.pem"
        key_file = "/etc/aegis/key.pem"
        client_ca_file = "/etc/aegis/clients.pem"
        require_client_cert = true
        http2 = false
        reload_check_seconds = 30

        [auth]
        login_failures_per_user = 3
        login_failures_per_address = 50
        login_lockout_seconds = 2
        login_max_lockout_seconds = 600
        login_refill_seconds = 120
        """.write(to: file, atomically: true, encoding: .utf8)
        let configuration = try AegisConfiguration.load(file: file.path, environment: [:])
        #expect(configuration.tls.clientCAFile == "/etc/aegis/clients.pem" && configuration.tls.requireClientCertificate)
        #expect(configuration.tls.http2 == false && configuration.tls.reloadCheckSeconds == 30)
        let limits = configuration.auth.loginThrottle
        #expect(limits.failuresPerUser == 3 && limits.failuresPerAddress == 50 && limits.lockoutSeconds == 2)
        #expect(limits.maxLockoutSeconds == 600 && limits.refillSeconds == 120)
        #expect(throws: ConfigurationError.self) { try AegisConfiguration.load(file: nil, environment: ["AEGIS_TLS_HTTP2": "maybe"]) }
    }

    @Test func fileThenEnvironmentOverride() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        listen = "0.0.0.0:6000"
        data_dir = "/var/lib/aegis"

        [limits]
        max_manifest_bytes = 8388608
        upload_timeout_seconds = 3600
        """.write(to: file, atomically: true, encoding: .utf8)
        let configuration = try AegisConfiguration.load(
            file: file.path, environment: ["AEGIS_DATA_DIR": "/srv/aegis", "AEGIS_MAX_TAGS_PER_PUSH": "10"])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 6000)
        #expect(configuration.dataDirectory == "/srv/aegis")
        #expect(configuration.limits.maxManifestBytes == 8_388_608)
        #expect(configuration.limits.uploadTimeoutSeconds == 3600)
        #expect(configuration.limits.maxTagsPerPush == 10)
    }

    @Test func blobsGoToS3WhenAURLIsGiven() throws {
        #expect(try AegisConfiguration.load(file: nil, environment: [:]).blobsURL == nil)
        let configuration = try AegisConfiguration.load(
            file: nil,
            environment: ["AEGIS_BLOBS_URL": "s3://bucket/ci?endpoint=http://127.0.0.1:8333", "AEGIS_BLOBS_PART_SIZE_BYTES": "16777216"])
        #expect(configuration.blobsURL == "s3://bucket/ci?endpoint=http://127.0.0.1:8333")
        #expect(configuration.blobsPartSizeBytes == 16 << 20)
        for (name, value) in [("AEGIS_BLOBS_URL", "https://bucket.example"), ("AEGIS_BLOBS_PART_SIZE_BYTES", "1048576")] {
            #expect(throws: ConfigurationError.self) { try AegisConfiguration.load(file: nil, environment: [name: value]) }
        }
    }

    @Test func meteringIsABooleanSetting() throws {
        #expect(try AegisConfiguration.load(file: nil, environment: [:]).gas.metering)
        #expect(try !AegisConfiguration.load(file: nil, environment: ["AEGIS_GAS_METERING": "false"]).gas.metering)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "[gas]\nmetering = false\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try !AegisConfiguration.load(file: file.path, environment: [:]).gas.metering)
        #expect(throws: ConfigurationError.self) { try AegisConfiguration.load(file: nil, environment: ["AEGIS_GAS_METERING": "yes"]) }
    }

    @Test(arguments: [
        "lisen = \"127.0.0.1:1\"", "listen = \"nope\"", "[limits]\nmax_manifest_bytes = 1", "listen = 5", "= broken",
    ])
    func badFilesAreRejectedWithAReason(text: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: file) }
        try text.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try AegisConfiguration.load(file: file.path, environment: [:]) }
    }

    @Test func oidcIssuersComeFromArrayTables() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        [[oidc]]
        name = "keycloak"
        issuer = "https://sso.example.com/realms/aegis/"
        audience = "aegisguard"
        roles_claim = "resource_access.aegisguard.roles"
        admin_values = ["aegis-admin"]
        [oidc.role_map]
        "acme-devs" = "acme:developer"
        """.write(to: file, atomically: true, encoding: .utf8)
        let issuer = try #require(try AegisConfiguration.load(file: file.path, environment: [:]).auth.oidcIssuers.first)
        #expect(issuer.issuer == "https://sso.example.com/realms/aegis")
        #expect(issuer.rolesClaim == "resource_access.aegisguard.roles")
        #expect(issuer.roleMap == ["acme-devs": "acme:developer"])
        #expect(issuer.adminValues == ["aegis-admin"])
        try "[[oidc]]\nname = \"x\"\nissuer = \"http://sso.example.com\"\naudience = \"a\"\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try AegisConfiguration.load(file: file.path, environment: [:]) }
    }

    @Test func listenAcceptsIPv6() throws {
        var configuration = AegisConfiguration()
        try configuration.setListen("[::1]:5001")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5001)
    }
}
