import Foundation
import Testing

@testable import Correlator

@Suite struct ConfigurationTests {
    @Test func flagsBeatEnvironmentWhichBeatsTheFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("correlator-\(UUID().uuidString).yaml")
        try "listen: 0.0.0.0:9000\ndata_dir: /var/lib/correlator\nlog_level: debug\nretention: 3d\n"
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var configuration = try CorrelatorConfiguration.load(
            configFile: file.path,
            environment: ["CORRELATOR_DATA_DIR": "/srv/correlator", "CORRELATOR_LISTEN": "127.0.0.1:9100"]
        )
        try configuration.apply("listen", value: "127.0.0.1:9200", source: "--listen")
        #expect(configuration.listenHost == "127.0.0.1" && configuration.listenPort == 9200)
        #expect(configuration.dataDirectory == "/srv/correlator")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.retention == .seconds(3 * 86_400))
    }

    @Test func defaultsServeOTLPsPortOnLoopback() throws {
        let configuration = try CorrelatorConfiguration.load(configFile: nil, environment: [:])
        #expect(configuration.listenHost == "127.0.0.1" && configuration.listenPort == 4318)
        #expect(configuration.grpcListen == ListenAddress(host: "127.0.0.1", port: 4317))
        #expect(configuration.dataDirectory == ".correlator")
        #expect(configuration.databaseURL == nil)
    }

    @Test func theGRPCAddressComesFromTheFileTheEnvironmentOrAFlagAndOffTurnsItOff() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("correlator-\(UUID().uuidString).yaml")
        try "grpc_listen: 0.0.0.0:14317\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var configuration = try CorrelatorConfiguration.load(configFile: file.path, environment: [:])
        #expect(configuration.grpcListen == ListenAddress(host: "0.0.0.0", port: 14317))
        configuration = try CorrelatorConfiguration.load(configFile: file.path, environment: ["CORRELATOR_GRPC_LISTEN": "[::1]:4319"])
        #expect(configuration.grpcListen == ListenAddress(host: "::1", port: 4319))
        #expect(configuration.grpcListen?.description == "[::1]:4319")
        try configuration.apply("grpc_listen", value: "off", source: "--grpc-listen")
        #expect(configuration.grpcListen == nil)
        #expect(throws: ConfigurationError.self) { try configuration.apply("grpc_listen", value: "4317", source: "--grpc-listen") }
    }

    @Test func poolSizesComeFromTheFileOrTheEnvironmentAndReachTheClient() throws {
        let configuration = try CorrelatorConfiguration.load(
            configFile: nil,
            environment: ["CORRELATOR_DATABASE_MIN_CONNECTIONS": "2", "CORRELATOR_DATABASE_MAX_CONNECTIONS": "8"]
        )
        #expect(configuration.databaseMinConnections == 2 && configuration.databaseMaxConnections == 8)
        let client = DatabaseTarget.withSessionSettings(try DatabaseURL("postgres://u@localhost/db").clientConfiguration, configuration)
        // Opened at start by `serve`, never a pool minimum: PostgresNIO 1.33.2's pool stops the
        // process on a precondition with one when PostgreSQL restarts (DatabaseTarget).
        #expect(client.options.minimumConnections == 0)
        #expect(client.options.maximumConnections == 8)
        #expect(client.options.additionalStartupParameters.contains { $0.0 == "jit" && $0.1 == "off" })
        // Keep-alive queries only where something between the ends may drop an idle connection.
        #expect(client.options.keepAliveBehavior != nil)
        let local = DatabaseTarget.withSessionSettings(try DatabaseURL("postgres://u@/db?host=/run/postgresql").clientConfiguration, configuration)
        #expect(local.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
        #expect(local.options.keepAliveBehavior == nil)
    }

    @Test func embeddedSharedBuffersIsASizeOrAuto() throws {
        let sized = try CorrelatorConfiguration.load(configFile: nil, environment: ["CORRELATOR_EMBEDDED_SHARED_BUFFERS": "1GB"])
        #expect(sized.embeddedSharedBuffers == "1GB")
        let automatic = try CorrelatorConfiguration.load(configFile: nil, environment: ["CORRELATOR_EMBEDDED_SHARED_BUFFERS": "auto"])
        #expect(automatic.embeddedSharedBuffers == nil)
    }

    /// A quarter of the memory, from PostgreSQL's default of 128 MB up to 2 GB.
    @Test(arguments: [
        (UInt64(24) << 30, "2048MB"),
        (UInt64(2) << 30, "512MB"),
        (UInt64(3) << 30, "768MB"),
        (UInt64(256) << 20, "128MB"),
    ])
    func automaticSharedBuffersIsAQuarterOfTheMemoryWithinBounds(memory: UInt64, expected: String) {
        #expect(EmbeddedPostgres.defaultSharedBuffers(memoryBytes: memory) == expected)
    }

    @Test(arguments: [
        ("listen: [1, 2]\n", "must be a single value"),
        ("colour: blue\n", "unknown setting 'colour'"),
        ("retention: 5x\n", "invalid duration '5x'"),
        ("log_level: loud\n", "unknown log level 'loud'"),
        ("listen: nowhere\n", "expected HOST:PORT"),
        ("database_max_connections: 0\n", "database_max_connections must be a whole number from 1 to 1000, got '0'"),
        ("database_min_connections: many\n", "database_min_connections must be a whole number from 0 to 1000, got 'many'"),
        ("embedded_shared_buffers: 512\n", "embedded_shared_buffers must be 'auto' or a size such as 512MB"),
        ("embedded_shared_buffers: 2gb\n", "got '2gb'"),
    ])
    func badFileSettingsNameTheLineAndTheProblem(yaml: String, message: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("correlator-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect {
            try CorrelatorConfiguration.load(configFile: file.path, environment: [:])
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains(file.path + ":1")
        }
    }

    @Test func unreadableConfigFileSaysSo() {
        #expect {
            try CorrelatorConfiguration.load(configFile: "/nonexistent/correlator.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains("cannot read the file")
        }
    }

    @Test func databaseURLNeverShowsItsPassword() throws {
        let url = try DatabaseURL("postgres://alice:s3cret@db.example:6543/telemetry?sslmode=disable")
        #expect(url.description == "postgres://alice@db.example:6543/telemetry")
        #expect(!url.description.contains("s3cret"))
        #expect(url.password == "s3cret" && url.port == 6543 && url.database == "telemetry")
        #expect(throws: ConfigurationError.self) { try DatabaseURL("mysql://x@y/z") }
    }

    @Test(arguments: [("30s", 30.0), ("1h30m", 5400.0), ("7d", 604_800.0), ("250ms", 0.25)])
    func prometheusDurations(text: String, seconds: Double) {
        let duration = PrometheusDuration.parse(text)
        #expect(duration.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } == seconds)
    }

    @Test(arguments: ["", "5", "1m1h", "d", "-3s"])
    func invalidPrometheusDurations(text: String) {
        #expect(PrometheusDuration.parse(text) == nil)
    }
}
