import Correlator
import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL for tests: `CORRELATOR_TEST_DATABASE_URL` when set, otherwise a throwaway
/// cluster (the same embedded manager `correlator serve` uses) started once per test run under
/// /tmp and stopped when the test process exits. Each test gets a fresh, migrated database.
public enum TestDatabase {
    /// Runs `body` against a new database with the schema applied (the migrations of
    /// `migrations`, by default the repository's); drops it afterwards.
    public static func withFreshDatabase<Result: Sendable>(
        migrations: String = migrationsDirectory,
        _ body: @Sendable (PostgresClient, PostgresClient.Configuration) async throws -> Result
    ) async throws -> Result {
        let admin = try await TestCluster.shared.adminConfiguration()
        // Each test and the application it builds open pools of up to 20 connections; with every
        // test of the package running at once that passes PostgreSQL's max_connections (100) and
        // PostgresClient waits for a connection forever. A few databases at a time is plenty.
        await TestCluster.shared.acquireSlot()
        defer { Task { await TestCluster.shared.releaseSlot() } }
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await withPostgresClient(admin, logger: logger) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        let configuration = {
            var configuration = admin
            configuration.database = name
            return configuration
        }()
        do {
            let result = try await withPostgresClient(configuration, logger: logger) { client in
                try await Migrator(directory: migrations, logger: logger).migrate(client)
                return try await body(client, configuration)
            }
            try await drop(name, admin: admin)
            return result
        } catch {
            try? await drop(name, admin: admin)
            throw error
        }
    }

    /// A `Store` over a test database's client (and its ingest writers' pool, when given), as
    /// the application builds it.
    public static func makeStore(_ client: PostgresClient, writer: PostgresClient? = nil) throws -> Store {
        Store(client: client, writer: writer, target: "test database", migrator: try Migrator(directory: migrationsDirectory, logger: logger), logger: logger)
    }

    /// Runs `body` with a store whose ingest writers have their own pool with
    /// `statement_timeout` = `writeTimeout`, as `correlator serve` builds it.
    public static func withIngestWriters<Result: Sendable>(
        _ client: PostgresClient, _ configuration: PostgresClient.Configuration, writeTimeout: Duration,
        _ body: @Sendable (Store) async throws -> Result
    ) async throws -> Result {
        let writers = configuration.forIngestWriters(writeTimeout: writeTimeout, maximumConnections: 4)
        return try await withPostgresClient(writers, logger: logger) { writer in
            try await body(try makeStore(client, writer: writer))
        }
    }

    /// The repository's migrations, found from this file's path.
    public static let migrationsDirectory: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations").path
    }()

    static let logger: Logger = {
        var logger = Logger(label: "correlator.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["CORRELATOR_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    private static func drop(_ name: String, admin: PostgresClient.Configuration) async throws {
        _ = try await withPostgresClient(admin, logger: logger) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }
}

/// Starts the throwaway cluster at most once per process.
actor TestCluster {
    static let shared = TestCluster()
    static let dataDirectory = "/tmp/correlator-test-\(getpid())"

    private var starting: Task<PostgresClient.Configuration, any Error>?
    private static let maximumDatabases = 4
    private var databasesInUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquireSlot() async {
        if databasesInUse < Self.maximumDatabases {
            databasesInUse += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot straight to the next waiter, or frees it.
    func releaseSlot() {
        if waiting.isEmpty {
            databasesInUse -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Concurrent tests share one start: the first caller's task, awaited by all.
    func adminConfiguration() async throws -> PostgresClient.Configuration {
        if let starting { return try await starting.value }
        let task = Task { try await Self.start() }
        starting = task
        return try await task.value
    }

    private static func start() async throws -> PostgresClient.Configuration {
        if let url = ProcessInfo.processInfo.environment["CORRELATOR_TEST_DATABASE_URL"], !url.isEmpty {
            return try DatabaseURL(url).clientConfiguration
        }
        let cluster = try EmbeddedPostgres(dataDirectory: dataDirectory, logger: TestDatabase.logger)
        try await cluster.start()
        atexit {
            if let cluster = try? EmbeddedPostgres(dataDirectory: TestCluster.dataDirectory, logger: Logger(label: "cleanup")) {
                try? cluster.stop()
            }
            try? FileManager.default.removeItem(atPath: TestCluster.dataDirectory)
        }
        var admin = cluster.clientConfiguration
        admin.database = "postgres"
        return admin
    }
}
