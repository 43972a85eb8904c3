import AegisAuth
import AegisCarbon
import AegisCore
import AegisGas
import AegisWasm
import Foundation
import TOMLKit

extension AegisConfiguration {
    /// Loads defaults, then the TOML file (if any), then `AEGIS_*` variables from `environment`.
    /// - Throws: `ConfigurationError` for an unreadable file, an unknown key or a bad value.
    public static func load(file: String?, environment: [String: String]) throws -> AegisConfiguration {
        var configuration = AegisConfiguration()
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read configuration file '\(file)': \(error.localizedDescription)")
            }
            try configuration.apply(toml: text)
        }
        try configuration.apply(environment: environment)
        return configuration
    }

    /// The settings, each with its TOML key, environment variable and how to apply a value.
    private static let settings: [Setting] = [
        Setting("listen", "AEGIS_LISTEN") { try $0.setListen($1.string()) },
        Setting("data_dir", "AEGIS_DATA_DIR") { $0.dataDirectory = try $1.string() },
        Setting("log_level", "AEGIS_LOG_LEVEL") { $0.logLevel = try $1.string() },
        Setting("log_format", "AEGIS_LOG_FORMAT") {
            let format = try $1.string()
            guard ["text", "json"].contains(format) else { throw ConfigurationError("log_format must be text or json") }
            $0.logFormat = format
        },
        Setting("metadata.url", "AEGIS_METADATA_URL") {
            let url = try $1.string()
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigurationError("metadata.url must be postgres://user:password@host:port/database")
            }
            $0.metadataURL = url
        },
        Setting("blobs.url", "AEGIS_BLOBS_URL") {
            let url = try $1.string()
            guard url.hasPrefix("s3://") else {
                throw ConfigurationError("blobs.url must be s3://bucket/prefix?endpoint=…&region=…")
            }
            $0.blobsURL = url
        },
        Setting("blobs.access_key_id", "AEGIS_BLOBS_ACCESS_KEY_ID") { $0.blobsAccessKeyID = try $1.string() },
        Setting("blobs.secret_access_key", "AEGIS_BLOBS_SECRET_ACCESS_KEY") { $0.blobsSecretAccessKey = try $1.string() },
        Setting("blobs.redirect", "AEGIS_BLOBS_REDIRECT") { $0.blobsRedirect = try $1.bool() },
        Setting("blobs.part_size_bytes", "AEGIS_BLOBS_PART_SIZE_BYTES") {
            $0.blobsPartSizeBytes = try $1.int(in: (5 << 20)...(512 << 20))
        },
        Setting("limits.max_manifest_bytes", "AEGIS_MAX_MANIFEST_BYTES") {
            $0.limits.maxManifestBytes = try $1.int(in: 1024...(64 << 20))
        },
        Setting("limits.max_blob_bytes", "AEGIS_MAX_BLOB_BYTES") { $0.limits.maxBlobBytes = Int64(try $1.int(in: 1...Int.max)) },
        Setting("limits.max_tags_per_push", "AEGIS_MAX_TAGS_PER_PUSH") { $0.limits.maxTagsPerPush = try $1.int(in: 1...1000) },
        Setting("limits.default_page_size", "AEGIS_DEFAULT_PAGE_SIZE") { $0.limits.defaultPageSize = try $1.int(in: 1...100_000) },
        Setting("limits.max_page_size", "AEGIS_MAX_PAGE_SIZE") { $0.limits.maxPageSize = try $1.int(in: 1...100_000) },
        Setting("limits.upload_timeout_seconds", "AEGIS_UPLOAD_TIMEOUT_SECONDS") {
            $0.limits.uploadTimeoutSeconds = try $1.int(in: 1...Int(Int32.max))
        },
        Setting("http.idle_timeout_seconds", "AEGIS_IDLE_TIMEOUT_SECONDS") { $0.idleTimeoutSeconds = try $1.int(in: 1...86400) },
        Setting("http.shutdown_grace_seconds", "AEGIS_SHUTDOWN_GRACE_SECONDS") { $0.shutdownGraceSeconds = try $1.int(in: 1...3600) },
        Setting("http.max_header_bytes", "AEGIS_MAX_HEADER_BYTES") { $0.maxHeaderBytes = try $1.int(in: 1024...(1 << 20)) },
        Setting("auth.service", "AEGIS_AUTH_SERVICE") { $0.auth.service = try $1.string() },
        Setting("auth.public_url", "AEGIS_PUBLIC_URL") { $0.auth.publicURL = try $1.string().trimmingSuffix("/") },
        Setting("auth.token_lifetime_seconds", "AEGIS_TOKEN_LIFETIME_SECONDS") {
            $0.auth.tokenLifetimeSeconds = try $1.int(in: 60...86400)
        },
        Setting("auth.key_rotation_days", "AEGIS_KEY_ROTATION_DAYS") { $0.auth.keyRotationDays = try $1.int(in: 1...3650) },
        Setting("auth.scrypt_rounds", "AEGIS_SCRYPT_ROUNDS") {
            let rounds = try $1.int(in: 1024...(1 << 20))
            guard rounds & (rounds - 1) == 0 else { throw ConfigurationError("'auth.scrypt_rounds' must be a power of two") }
            $0.auth.scryptRounds = rounds
        },
        Setting("auth.credential_cache_seconds", "AEGIS_CREDENTIAL_CACHE_SECONDS") {
            $0.auth.credentialCacheSeconds = try $1.int(in: 0...3600)
        },
        Setting("auth.audit_retention_days", "AEGIS_AUDIT_RETENTION_DAYS") { $0.auth.auditRetentionDays = try $1.int(in: 1...3650) },
        Setting("auth.oidc_key_refresh_seconds", "AEGIS_OIDC_KEY_REFRESH_SECONDS") {
            $0.auth.oidcKeyRefreshSeconds = try $1.int(in: 0...86400)
        },
        Setting("auth.login_failures_per_user", "AEGIS_LOGIN_FAILURES_PER_USER") {
            $0.auth.loginThrottle.failuresPerUser = try $1.int(in: 0...1000)
        },
        Setting("auth.login_failures_per_address", "AEGIS_LOGIN_FAILURES_PER_ADDRESS") {
            $0.auth.loginThrottle.failuresPerAddress = try $1.int(in: 1...100_000)
        },
        Setting("auth.login_refill_seconds", "AEGIS_LOGIN_REFILL_SECONDS") {
            $0.auth.loginThrottle.refillSeconds = Double(try $1.int(in: 1...86400))
        },
        Setting("auth.login_lockout_seconds", "AEGIS_LOGIN_LOCKOUT_SECONDS") {
            $0.auth.loginThrottle.lockoutSeconds = Double(try $1.int(in: 1...86400))
        },
        Setting("auth.login_max_lockout_seconds", "AEGIS_LOGIN_MAX_LOCKOUT_SECONDS") {
            $0.auth.loginThrottle.maxLockoutSeconds = Double(try $1.int(in: 1...(30 * 86400)))
        },
        Setting("tls.cert_file", "AEGIS_TLS_CERT_FILE") { $0.tls.certificateFile = try $1.string() },
        Setting("tls.key_file", "AEGIS_TLS_KEY_FILE") { $0.tls.keyFile = try $1.string() },
        Setting("tls.client_ca_file", "AEGIS_TLS_CLIENT_CA_FILE") { $0.tls.clientCAFile = try $1.string() },
        Setting("tls.require_client_cert", "AEGIS_TLS_REQUIRE_CLIENT_CERT") { $0.tls.requireClientCertificate = try $1.bool() },
        Setting("tls.allow_plaintext", "AEGIS_TLS_ALLOW_PLAINTEXT") { $0.tls.allowPlaintext = try $1.bool() },
        Setting("tls.http2", "AEGIS_TLS_HTTP2") { $0.tls.http2 = try $1.bool() },
        Setting("tls.reload_check_seconds", "AEGIS_TLS_RELOAD_CHECK_SECONDS") { $0.tls.reloadCheckSeconds = try $1.int(in: 1...86400) },
        Setting("events.nats_url", "AEGIS_EVENTS_NATS_URL") {
            let url = try $1.string()
            guard url.hasPrefix("nats://") || url.hasPrefix("tls://") else {
                throw ConfigurationError("events.nats_url must be nats://[user:password@]host:port or tls://…")
            }
            $0.events.natsURL = url
        },
        Setting("events.stream", "AEGIS_EVENTS_STREAM") {
            let name = try $1.string()
            guard !name.isEmpty, name.utf8.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ConfigurationError("events.stream must be 1-64 letters, digits, '_' or '-'")
            }
            $0.events.stream = name
        },
        Setting("events.nats_ca_file", "AEGIS_EVENTS_NATS_CA_FILE") { $0.events.natsCAFile = try $1.string() },
        Setting("events.retention_days", "AEGIS_EVENTS_RETENTION_DAYS") { $0.events.retentionDays = try $1.int(in: 0...36500) },
        Setting("events.webhook_max_attempts", "AEGIS_EVENTS_WEBHOOK_MAX_ATTEMPTS") { $0.events.webhookMaxAttempts = try $1.int(in: 1...100) },
        Setting("events.webhook_retry_ms", "AEGIS_EVENTS_WEBHOOK_RETRY_MS") {
            $0.events.webhookRetryMilliseconds = try $1.int(in: 10...3_600_000)
        },
        Setting("events.webhook_retry_max_seconds", "AEGIS_EVENTS_WEBHOOK_RETRY_MAX_SECONDS") {
            $0.events.webhookRetryMaxSeconds = try $1.int(in: 1...86400)
        },
        Setting("events.webhook_disable_after", "AEGIS_EVENTS_WEBHOOK_DISABLE_AFTER") { $0.events.webhookDisableAfter = try $1.int(in: 1...10000) },
        Setting("events.webhook_timeout_seconds", "AEGIS_EVENTS_WEBHOOK_TIMEOUT_SECONDS") {
            $0.events.webhookTimeoutSeconds = try $1.int(in: 1...300)
        },
        Setting("events.webhook_allow_private_targets", "AEGIS_EVENTS_WEBHOOK_ALLOW_PRIVATE_TARGETS") {
            $0.events.webhookAllowPrivateTargets = try $1.bool()
        },
        Setting("wasm.memory_bytes", "AEGIS_WASM_MEMORY_BYTES") { $0.wasm.memoryBytes = try $1.int(in: 65536...(4 << 30)) },
        Setting("wasm.timeout_seconds", "AEGIS_WASM_TIMEOUT_SECONDS") { $0.wasm.timeoutSeconds = try $1.int(in: 1...3600) },
        Setting("wasm.max_output_bytes", "AEGIS_WASM_MAX_OUTPUT_BYTES") { $0.wasm.maxOutputBytes = try $1.int(in: 0...(64 << 20)) },
        Setting("wasm.max_module_bytes", "AEGIS_WASM_MAX_MODULE_BYTES") { $0.wasm.maxModuleBytes = try $1.int(in: 1024...(1 << 30)) },
        Setting("wasm.max_mounted_bytes", "AEGIS_WASM_MAX_MOUNTED_BYTES") { $0.wasm.maxMountedBytes = try $1.int(in: 0...(1 << 30)) },
        Setting("wasm.threads", "AEGIS_WASM_THREADS") { $0.wasm.threads = try $1.int(in: 0...256) },
        Setting("wasm.max_queued_runs", "AEGIS_WASM_MAX_QUEUED_RUNS") { $0.wasm.maxQueuedRuns = try $1.int(in: 0...100_000) },
        Setting("gas.metering", "AEGIS_GAS_METERING") { $0.gas.metering = try $1.bool() },
        Setting("gas.default_limit", "AEGIS_GAS_DEFAULT_LIMIT") { $0.gas.defaultLimit = UInt64(try $1.int(in: 1000...Int.max)) },
        Setting("gas.max_limit", "AEGIS_GAS_MAX_LIMIT") { $0.gas.maxLimit = UInt64(try $1.int(in: 1000...Int.max)) },
        Setting("gas.default_budget", "AEGIS_GAS_DEFAULT_BUDGET") {
            let budget = try $1.int(in: 0...Int.max)
            $0.gas.defaultBudget = budget == 0 ? nil : UInt64(budget)
        },
        Setting("gas.price", "AEGIS_GAS_PRICE") { $0.gas.price = UInt64(try $1.int(in: 0...1_000_000_000)) },
        Setting("gas.capacity_per_interval", "AEGIS_GAS_CAPACITY_PER_INTERVAL") {
            $0.gas.capacityPerInterval = UInt64(try $1.int(in: 2...Int.max))
        },
        Setting("gas.fee_interval_seconds", "AEGIS_GAS_FEE_INTERVAL_SECONDS") { $0.gas.feeIntervalSeconds = try $1.int(in: 1...3600) },
        Setting("gas.storage_accrual_seconds", "AEGIS_GAS_STORAGE_ACCRUAL_SECONDS") {
            $0.gas.storageAccrualSeconds = try $1.int(in: 1...86400)
        },
        Setting("uploads.orphan_blob_grace_seconds", "AEGIS_ORPHAN_BLOB_GRACE_SECONDS") {
            $0.orphanBlobGraceSeconds = try $1.int(in: 60...(30 * 86400))
        },
        Setting("uploads.sweep_interval_seconds", "AEGIS_UPLOAD_SWEEP_INTERVAL_SECONDS") {
            $0.uploadSweepIntervalSeconds = try $1.int(in: 1...86400)
        },
        Setting("gc.interval_seconds", "AEGIS_GC_INTERVAL_SECONDS") { $0.gcIntervalSeconds = try $1.int(in: 0...(7 * 86400)) },
        Setting("gc.grace_seconds", "AEGIS_GC_GRACE_SECONDS") { $0.gcGraceSeconds = try $1.int(in: 1...(30 * 86400)) },
        Setting("carbon.enabled", "AEGIS_CARBON_ENABLED") { $0.carbon.enabled = try $1.bool() },
        Setting("carbon.cloud", "AEGIS_CARBON_CLOUD") { $0.carbon.cloud = try $1.string() },
        Setting("carbon.region", "AEGIS_CARBON_REGION") { $0.carbon.region = try $1.string() },
        Setting("carbon.processor", "AEGIS_CARBON_PROCESSOR") { $0.carbon.processor = try $1.string() },
        Setting("carbon.vcpus", "AEGIS_CARBON_VCPUS") { $0.carbon.vcpus = try $1.int(in: 1...4096) },
        Setting("carbon.host_vcpus", "AEGIS_CARBON_HOST_VCPUS") { $0.carbon.hostVCPUs = try $1.int(in: 1...4096) },
        Setting("carbon.pue", "AEGIS_CARBON_PUE") { $0.carbon.pue = try $1.double(in: 1...3) },
        Setting("carbon.replication_factor", "AEGIS_CARBON_REPLICATION_FACTOR") {
            $0.carbon.replicationFactor = try $1.double(in: 1...100)
        },
        Setting("carbon.storage_class", "AEGIS_CARBON_STORAGE_CLASS") { $0.carbon.storageClass = try $1.string() },
        Setting("carbon.embodied_kg_per_server", "AEGIS_CARBON_EMBODIED_KG_PER_SERVER") {
            $0.carbon.embodiedKgPerServer = try $1.double(in: 0...1_000_000)
        },
        Setting("carbon.cross_region_fraction", "AEGIS_CARBON_CROSS_REGION_FRACTION") {
            $0.carbon.crossRegionFraction = try $1.double(in: 0...1)
        },
        Setting("carbon.interval_seconds", "AEGIS_CARBON_INTERVAL_SECONDS") { $0.carbon.intervalSeconds = try $1.int(in: 1...3600) },
        Setting("carbon.intensity_url", "AEGIS_CARBON_INTENSITY_URL") {
            let url = try $1.string()
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigurationError("carbon.intensity_url must be an http:// or https:// URL")
            }
            $0.carbon.intensityURL = url
        },
        Setting("carbon.forecast_file", "AEGIS_CARBON_FORECAST_FILE") { $0.carbon.forecastFile = try $1.string() },
        Setting("carbon.location", "AEGIS_CARBON_LOCATION") { $0.carbon.location = try $1.string() },
        Setting("carbon.intensity_refresh_seconds", "AEGIS_CARBON_INTENSITY_REFRESH_SECONDS") {
            $0.carbon.intensityRefreshSeconds = try $1.int(in: 10...86400)
        },
        Setting("carbon.energy_source", "AEGIS_CARBON_ENERGY_SOURCE") {
            let source = try $1.string()
            guard source == "ccf" || source == "rapl" else { throw ConfigurationError("carbon.energy_source must be ccf or rapl") }
            $0.carbon.energySource = source
        },
        Setting("carbon.rapl_path", "AEGIS_CARBON_RAPL_PATH") { $0.carbon.raplPath = try $1.string() },
        Setting("carbon.scheduler_regions", "AEGIS_CARBON_SCHEDULER_REGIONS") {
            let regions = try $1.string().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard regions.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }), regions.count <= 16 else {
                throw ConfigurationError("carbon.scheduler_regions must be 1 to 16 comma-separated locations")
            }
            $0.carbon.schedulerRegions = regions
        },
        Setting("carbon.scheduler_interval_seconds", "AEGIS_CARBON_SCHEDULER_INTERVAL_SECONDS") {
            $0.carbon.schedulerIntervalSeconds = try $1.int(in: 1...3600)
        },
    ]

    mutating func apply(toml text: String) throws {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError("configuration file is not valid TOML: \(error.debugDescription)")
        }
        if let issuers = table["oidc"] {
            auth.oidcIssuers = try Self.oidcIssuers(issuers)
        }
        var values: [String: SettingValue] = [:]
        Self.flatten(table, prefix: "", into: &values, skipping: ["oidc"])
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let setting = Self.settings.first(where: { $0.key == key }) else {
                throw ConfigurationError("unknown configuration key '\(key)'")
            }
            try setting.apply(&self, value)
        }
    }

    mutating func apply(environment: [String: String]) throws {
        for setting in Self.settings {
            if let text = environment[setting.environment] {
                try setting.apply(&self, SettingValue(name: setting.environment, text: text, number: nil))
            }
        }
    }

    private static func flatten(
        _ table: TOMLTable, prefix: String, into values: inout [String: SettingValue], skipping: Set<String> = []
    ) {
        for key in table.keys where !skipping.contains(key) {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            guard let value = table[key] else { continue }
            if let nested = value.table {
                flatten(nested, prefix: name, into: &values)
            } else {
                values[name] = SettingValue(
                    name: name, text: value.string ?? value.bool.map { String($0) } ?? value.double.map { String($0) }, number: value.int)
            }
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

extension AegisConfiguration {
    /// `[[oidc]]` tables: `name`, `issuer`, `audience` (required), `username_claim`, `roles_claim`,
    /// `admin_values`, and a `[oidc.role_map]` of claim value → `"tenant:role"`.
    static func oidcIssuers(_ value: any TOMLValueConvertible) throws -> [OIDCIssuer] {
        guard let array = value.array else { throw ConfigurationError("'oidc' must be an array of tables ([[oidc]])") }
        let known: Set<String> = ["name", "issuer", "audience", "username_claim", "roles_claim", "admin_values", "role_map"]
        return try array.enumerated().map { index, element in
            guard let table = element.table else { throw ConfigurationError("oidc[\(index)] must be a table") }
            if let unknown = table.keys.first(where: { !known.contains($0) }) {
                throw ConfigurationError("unknown key 'oidc[\(index)].\(unknown)'")
            }
            func string(_ key: String) throws -> String {
                guard let text = table[key]?.string, !text.isEmpty else { throw ConfigurationError("oidc[\(index)].\(key) is required") }
                return text
            }
            var issuer = OIDCIssuer(name: try string("name"), issuer: try string("issuer").trimmingSuffix("/"), audience: try string("audience"))
            guard issuer.issuer.hasPrefix("https://") || issuer.issuer.hasPrefix("http://127.0.0.1") || issuer.issuer.hasPrefix("http://localhost")
            else { throw ConfigurationError("oidc[\(index)].issuer must be https (plain http only on loopback)") }
            if let claim = table["username_claim"]?.string { issuer.usernameClaim = claim }
            if let claim = table["roles_claim"]?.string { issuer.rolesClaim = claim }
            if let values = table["admin_values"]?.array { issuer.adminValues = values.compactMap { $0.string } }
            if let map = table["role_map"]?.table {
                for key in map.keys {
                    guard let target = map[key]?.string, target.contains(":") else {
                        throw ConfigurationError("oidc[\(index)].role_map values are \"tenant:role\"")
                    }
                    issuer.roleMap[key] = target
                }
            }
            return issuer
        }
    }
}

/// One configurable setting.
private struct Setting: Sendable {
    let key: String
    let environment: String
    let apply: @Sendable (inout AegisConfiguration, SettingValue) throws -> Void

    init(_ key: String, _ environment: String, apply: @escaping @Sendable (inout AegisConfiguration, SettingValue) throws -> Void) {
        self.key = key
        self.environment = environment
        self.apply = apply
    }
}

/// A raw value from TOML (string or integer) or the environment (string).
private struct SettingValue {
    let name: String
    let text: String?
    let number: Int?

    func string() throws -> String {
        guard let text else { throw ConfigurationError("'\(name)' must be a string") }
        return text
    }

    func bool() throws -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw ConfigurationError("'\(name)' must be true or false")
        }
    }

    func double(in range: ClosedRange<Double>) throws -> Double {
        guard let value = number.map(Double.init) ?? text.flatMap({ Double($0) }), value.isFinite else {
            throw ConfigurationError("'\(name)' must be a number")
        }
        guard range.contains(value) else {
            throw ConfigurationError("'\(name)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func int(in range: ClosedRange<Int>) throws -> Int {
        guard let value = number ?? text.flatMap({ Int($0) }) else {
            throw ConfigurationError("'\(name)' must be an integer")
        }
        guard range.contains(value) else {
            throw ConfigurationError("'\(name)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }
}
