// swift-tools-version:6.1
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "correlator",
    platforms: [.macOS(.v14)],
    products: [
        // `correlator` runs `profile …` itself and hands the rest to `correlator-server` beside it:
        // a small binary starts fast (Sources/CorrelatorCLI).
        .executable(name: "correlator", targets: ["CorrelatorCLI"]),
        .executable(name: "correlator-server", targets: ["CorrelatorServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        // OTLP over gRPC (port 4317): the runtime and its HTTP/2 transport; messages go through our
        // own ProtobufWire codecs, so no swift-protobuf and no generated code.
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        // TLS on both ports: the certificate reloader both NIOSSL and the gRPC transport take.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Protobuf wire-format reader shared by the decoders (pprof, OTLP, remote write).
        .target(name: "ProtobufWire", swiftSettings: swiftSettings),
        // Google's libsnappy (Debian libsnappy-dev), through its C API.
        .systemLibrary(
            name: "CSnappy",
            pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"])]
        ),
        .target(
            name: "Exemplars",
            dependencies: ["ProtobufWire", "CSnappy"],
            swiftSettings: swiftSettings
        ),
        // libdeflate inflates pprof and request bodies; CompressNIO (zlib) compresses.
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .target(
            name: "ProfileIndex",
            dependencies: [
                "ProtobufWire",
                "CLibdeflate",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Rules",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Correlator",
            dependencies: [
                "Exemplars", "ProfileIndex", "Rules", "ProtobufWire",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTP",
            dependencies: [
                "Correlator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                // PostgresClient's pool throws its ConnectionPoolError (e.g. the circuit breaker
                // tripped while PostgreSQL is down); DatabaseFailure answers it with 503.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `correlator profile …`, shared by both executables.
        .target(
            name: "ProfileCommands",
            dependencies: [
                "ProfileIndex",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CorrelatorCLI",
            dependencies: ["ProfileCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CorrelatorServer",
            dependencies: [
                "HTTP", "ProfileCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Exemplar benchmarks: parser throughput and a remote-write load generator (Benchmarks/exemplars.sh).
        .executableTarget(
            name: "ExemplarsBench",
            dependencies: [
                "Exemplars",
                "ProtobufWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/exemplars/ExemplarsBench",
            swiftSettings: swiftSettings
        ),
        // A real PostgreSQL for the tests that touch storage (no mocks of the store).
        .target(
            name: "TestSupport",
            dependencies: ["Correlator", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ProtobufWireTests", dependencies: ["ProtobufWire"], swiftSettings: swiftSettings),
        .testTarget(name: "ExemplarsTests", dependencies: ["Exemplars"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "ProfileIndexTests", dependencies: ["ProfileIndex"], swiftSettings: swiftSettings),
        .testTarget(name: "RulesTests", dependencies: ["Rules"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CorrelatorTests",
            dependencies: ["Correlator", "TestSupport"],
            exclude: ["Traces/make_fixtures.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPTests",
            dependencies: [
                "HTTP", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets for every decoder (`make fuzz`): built only when CORRELATOR_FUZZ is set, with
// `--sanitize=fuzzer` (libFuzzer supplies `main`, so the target is a library-style executable).
if ProcessInfo.processInfo.environment["CORRELATOR_FUZZ"] != nil {
    package.products.append(.executable(name: "correlator-fuzz", targets: ["CorrelatorFuzz"]))
    package.targets.append(
        .executableTarget(
            name: "CorrelatorFuzz",
            dependencies: ["Exemplars", "ProfileIndex", "Rules", "ProtobufWire", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/CorrelatorFuzz",
            swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
        )
    )
}
