// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "aegisguard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aegisguard", targets: ["aegisguard"]),
        .library(name: "AegisServer", targets: ["AegisServer"]),
    ],
    dependencies: [
        // One trait on Hummingbird keeps its -D flags stable between `swift build` and `swift test`.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        // Traces over OTLP/HTTP only: the gRPC trait would build grpc-swift for nothing.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // Threads are needed; FileSystem only because `swift build` also builds WasmKit's own CLI, which
        // needs it (guests never see the host's files: the sandbox gives them an in-memory tree).
        .package(url: "https://github.com/swiftwasm/WasmKit.git", .upToNextMinor(from: "0.4.2"), traits: ["FileSystem", "MultiThread"]),
    ],
    targets: [
        .target(
            name: "AegisCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The storage protocols and records; every driver is a target of its own beside it.
        .target(
            name: "AegisStore",
            dependencies: [
                "AegisCore", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisStoreSQLite",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "AegisCore",
                "AegisStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisStorePostgres",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "AegisCore",
                "AegisStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisStoreFileSystem",
            dependencies: [
                "AegisCore",
                "AegisStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisStoreS3",
            dependencies: [
                "AegisCore",
                "AegisStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisNATS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisAuth",
            dependencies: [
                "AegisCore",
                "AegisStore",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisGas",
            dependencies: ["AegisCore", "AegisStore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisCarbon",
            dependencies: [
                "AegisCore", "AegisStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisRegistry",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "AegisCore",
                "AegisStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisWasm",
            dependencies: [
                "AegisCore",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmKitWASI", package: "WasmKit"),
                .product(name: "WASI", package: "WasmKit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisSpin",
            dependencies: ["AegisCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        // The application core: every use case, over the domain modules; the surfaces adapt it.
        .target(
            name: "AegisConfig",
            dependencies: [
                "AegisCore", "AegisAuth", "AegisCarbon", "AegisGas", "AegisWasm", .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisClient",
            dependencies: [
                "AegisCore", "AegisAuth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisOperations",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "AegisAuth",
                "AegisCarbon",
                "AegisCore",
                "AegisGas",
                "AegisRegistry",
                "AegisSpin",
                "AegisStore",
                "AegisWasm",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AegisServer",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                "AegisConfig",
                "AegisOperations",
                "AegisAuth",
                "AegisCarbon",
                "AegisWasm",
                "AegisSpin",
                "AegisGas",
                "AegisCore",
                "AegisStore",
                "AegisStoreSQLite",
                "AegisStorePostgres",
                "AegisStoreFileSystem",
                "AegisStoreS3",
                "AegisRegistry",
                "AegisNATS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The /api/v1 contract, compiled into the binary (no resource bundle to ship).
            resources: [.embedInCode("API/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "aegisguard",
            dependencies: [
                "AegisCarbon",
                "AegisClient",
                "AegisConfig",
                "AegisOperations",
                "AegisAuth",
                "AegisSpin",
                "AegisWasm",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "AegisGas",
                "AegisServer",
                "AegisStore",
                "AegisCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisWasmTests",
            dependencies: ["AegisCore", "AegisWasm", .product(name: "WAT", package: "WasmKit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisSpinTests",
            dependencies: ["AegisCore", "AegisSpin"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisNATSTests",
            dependencies: ["AegisNATS", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisCoreTests",
            dependencies: ["AegisCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisCarbonTests",
            dependencies: [
                "AegisCarbon", "AegisStore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisGasTests",
            dependencies: ["AegisCore", "AegisStore", "AegisStoreSQLite", "AegisGas"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisAuthTests",
            dependencies: ["AegisCore", "AegisAuth", "AegisStore", "AegisStoreSQLite", .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisStoreTests",
            dependencies: [
                "AegisCore",
                "AegisStore",
                "AegisStoreSQLite",
                "AegisStorePostgres",
                "AegisStoreFileSystem",
                "AegisStoreS3",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisStoreS3Tests",
            dependencies: [
                "AegisStoreS3",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AegisServerTests",
            dependencies: [
                "AegisCarbon",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "AegisAuth",
                "AegisClient",
                "AegisConfig",
                "AegisOperations",
                "AegisWasm",
                "AegisGas",
                "AegisCore",
                "AegisStore",
                "AegisRegistry",
                "AegisServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "AegisNATS",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
