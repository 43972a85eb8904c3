import AegisAuth
import AegisCarbon
import AegisCore
import AegisGas
import AegisWasm
import Foundation

/// Everything `aegisguard serve` can be told. Every setting has a default that works with no
/// file at all; a TOML file, then `AEGIS_*` environment variables, then command-line flags override.
public struct AegisConfiguration: Sendable, Hashable {
    /// Host to bind.
    public var host: String = "127.0.0.1"
    /// Port to bind (0 picks a free port).
    public var port: Int = 5000
    /// The data directory: `meta.sqlite`, `blobs/`, `uploads/`.
    public var dataDirectory: String = "./aegis-data"
    /// The shared metadata database, `postgres://user:password@host:port/database` (several nodes
    /// use one); nil keeps the embedded SQLite file in the data directory.
    public var metadataURL: String?
    /// The shared blob bucket, `s3://bucket/prefix?endpoint=…&region=…`; nil keeps blobs as files
    /// in the data directory.
    public var blobsURL: String?
    /// The S3 access key (else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`).
    public var blobsAccessKeyID: String?
    public var blobsSecretAccessKey: String?
    /// The size of the parts a chunked upload is sent to S3 in, and the most one request buffers.
    public var blobsPartSizeBytes: Int = 8 * 1024 * 1024
    /// Answer blob GETs with a 307 to a presigned S3 URL (valid 20 minutes) instead of the bytes.
    public var blobsRedirect = false
    /// Log level name (`trace` … `critical`).
    public var logLevel: String = "info"
    /// `text` (swift-log's lines) or `json` (one object per line, `JSONLogHandler`).
    public var logFormat: String = "text"
    /// Registry limits.
    public var limits: RegistryLimits = .default
    /// Seconds an idle keep-alive connection stays open.
    public var idleTimeoutSeconds: Int = 60
    /// Seconds a graceful stop may take to drain before the rest is cancelled.
    public var shutdownGraceSeconds: Int = 30
    /// Largest request header block in bytes.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Seconds between upload-expiry sweeps.
    public var uploadSweepIntervalSeconds: Int = 600
    /// Age in seconds after which blob bytes that no metadata refers to are removed (what a crash
    /// while finishing an upload leaves when its client never returns); swept this often too.
    public var orphanBlobGraceSeconds: Int = 3600
    /// Seconds between garbage collections on the leader (0: only `aegisguard gc`).
    public var gcIntervalSeconds: Int = 3600
    /// Seconds a blob link nothing references outlives its last use (upload, mount, HEAD) before
    /// garbage collection removes it: longer than any push takes from its HEADs to its manifest.
    public var gcGraceSeconds: Int = 3600
    /// Identity and tokens.
    public var auth = AuthSettings()
    /// TLS and mutual TLS.
    public var tls = TLSSettings()
    /// Where events go besides the outbox.
    public var events = EventSettings()

    /// The CloudEvents `source` of this registry's events: its public URL, else `/aegisguard`.
    public var eventSource: String { auth.publicURL ?? "/aegisguard" }

    /// The event publisher's settings.
    public struct EventSettings: Sendable, Hashable {
        /// `nats://[user:password@]host:port` or `tls://…`: publish the outbox to NATS JetStream;
        /// nil keeps events in the outbox (and the API) only.
        public var natsURL: String?
        /// The JetStream stream, created (subjects `aegis.>`) when missing.
        public var stream = "AEGIS"
        /// PEM CAs that verify a `tls://` NATS server (else the system's trust roots).
        public var natsCAFile: String?
        /// Days an event stays in the outbox (and the event-log API) once the webhooks are done
        /// with it; 0 keeps every event.
        public var retentionDays = 30
        /// Attempts of one webhook delivery before it is given up.
        public var webhookMaxAttempts = 8
        /// The wait after a delivery's first failure, doubling after each (milliseconds).
        public var webhookRetryMilliseconds = 5000
        /// The longest wait between two attempts.
        public var webhookRetryMaxSeconds = 600
        /// Failed attempts in a row that disable a webhook.
        public var webhookDisableAfter = 20
        /// How long one attempt may take.
        public var webhookTimeoutSeconds = 10
        /// Lets webhooks target loopback, private and link-local addresses (off: SSRF).
        public var webhookAllowPrivateTargets = false

        public init() {}
    }
    /// Gas metering.
    public var gas = GasSettings()
    /// Energy and emissions accounting.
    public var carbon = CarbonSettings()

    /// Where the registry runs and how its energy is estimated (see `CarbonSettings`).
    public typealias CarbonSettings = AegisCarbon.CarbonSettings
    /// The WASM sandbox.
    public var wasm = WasmSettings()

    /// Bounds of WASM runs (see `WasmSettings`).
    public typealias WasmSettings = AegisWasm.WasmSettings

    /// Gas limits, budgets and price (see `GasSettings`).
    public typealias GasSettings = AegisGas.GasSettings

    /// Settings of the token service and password hashing.
    public struct AuthSettings: Sendable, Hashable {
        /// The `service` (token audience) clients name at `/token`.
        public var service = "aegisguard"
        /// Base URL clients reach the server at, for the token realm; nil uses the request's `Host`.
        public var publicURL: String?
        /// Access-token lifetime in seconds.
        public var tokenLifetimeSeconds = 300
        /// Days after which a new signing key is made; old keys verify for 30 more days.
        public var keyRotationDays = 90
        /// scrypt cost (N) of new password hashes.
        public var scryptRounds = 1 << 15
        /// Seconds a successful password check is remembered.
        public var credentialCacheSeconds = 30
        /// Days audit records are kept.
        public var auditRetentionDays = 90
        /// Trusted OpenID Connect issuers (`[[oidc]]` tables in the configuration file).
        public var oidcIssuers: [OIDCIssuer] = []
        /// Least seconds between two JWKS fetches of one issuer when tokens name unknown keys.
        public var oidcKeyRefreshSeconds = 10
        /// Limits on failed password checks (`auth.login_*`).
        public var loginThrottle = LoginThrottle.Settings()

        public init() {}
    }

    /// How the server speaks TLS. With no certificate it speaks plain HTTP, which `serve` allows
    /// only on a loopback address unless `allowPlaintext` says otherwise.
    public struct TLSSettings: Sendable, Hashable {
        /// PEM certificate chain (the server's certificate first) and its PEM private key.
        public var certificateFile: String?
        public var keyFile: String?
        /// PEM CA certificates that client certificates are verified against; nil: none asked for.
        public var clientCAFile: String?
        /// Refuse the handshake of a client without a valid certificate (else one is optional).
        public var requireClientCertificate = false
        /// Listen without TLS on a non-loopback address (behind a TLS-terminating proxy).
        public var allowPlaintext = false
        /// Offer HTTP/2 by ALPN (`h2`, then `http/1.1`).
        public var http2 = true
        /// Seconds between checks of the certificate files for a change (SIGHUP checks at once).
        public var reloadCheckSeconds = 10

        public init() {}

        /// Whether the server speaks TLS.
        public var isEnabled: Bool { certificateFile != nil }
    }

    /// The defaults.
    public init() {}

    /// Whether `host` is a loopback address (or `localhost`), where plain HTTP cannot cross a network.
    public var listensOnLoopbackOnly: Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The URL scheme clients use.
    public var scheme: String { tls.isEnabled ? "https" : "http" }

    /// `host:port`.
    public var listen: String { "\(host):\(port)" }

    /// Sets host and port from `HOST:PORT` (IPv6 as `[::1]:5000`).
    /// - Throws: `ConfigurationError` when malformed.
    public mutating func setListen(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else {
            throw ConfigurationError("listen address must be HOST:PORT, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigurationError("listen address must name a host, got '\(text)'") }
        self.host = host
        self.port = port
    }

    /// Where token-signing keys live.
    public var keysDirectory: String { (dataDirectory as NSString).appendingPathComponent("keys") }

    /// Where the first start writes the generated administrator password.
    public var initialPasswordPath: String { (dataDirectory as NSString).appendingPathComponent("initial-admin-password") }

    /// Where the SQLite metadata lives.
    public var metadataPath: String { (dataDirectory as NSString).appendingPathComponent("meta.sqlite") }
}

extension AegisConfiguration {
    /// Checks the combination of settings `serve` is asked to run with.
    /// - Throws: `ConfigurationError` naming what is missing or unsafe.
    public func validateForServing() throws {
        if carbon.enabled {
            do {
                _ = try EnergyModel(carbon, objectStorage: blobsURL != nil, cores: 1)
                _ = try GridIntensity.tableReading(carbon)
            } catch let error as CarbonSettingsError {
                throw ConfigurationError(error.description)
            }
        }
        if tls.isEnabled != (tls.keyFile != nil) {
            throw ConfigurationError("tls.cert_file and tls.key_file must be given together")
        }
        if tls.clientCAFile != nil && !tls.isEnabled {
            throw ConfigurationError("tls.client_ca_file needs tls.cert_file and tls.key_file: client certificates come with TLS")
        }
        if tls.requireClientCertificate && tls.clientCAFile == nil {
            throw ConfigurationError("tls.require_client_cert needs tls.client_ca_file to verify the certificates against")
        }
        if !tls.isEnabled && !tls.allowPlaintext && !listensOnLoopbackOnly {
            throw ConfigurationError(
                """
                refusing to serve plain HTTP on \(host): passwords and tokens would cross the network in the clear. \
                Set tls.cert_file and tls.key_file, or listen on 127.0.0.1, or set tls.allow_plaintext = true \
                when a TLS-terminating proxy is in front
                """)
        }
    }
}

/// A configuration that cannot be used, with the reason.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
