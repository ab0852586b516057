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
///
/// When the database of `CORRELATOR_TEST_DATABASE_URL` has the `citus` extension and workers
/// (`make test-citus` points it at a coordinator), each fresh database is a Citus database on
/// the same nodes: created on every worker with the extension, the workers added, and the
/// migrations distribute its tables as `correlator migrate` does.
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
        let citus = try await TestCluster.shared.citusTopology()
        let configuration = {
            var configuration = admin
            configuration.database = name
            return configuration
        }()
        do {
            _ = try await withPostgresClient(admin, logger: logger) { client in
                try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            }
            try await citus?.prepare(database: name, coordinator: configuration)
            let result = try await withPostgresClient(configuration, logger: logger) { client in
                try await Migrator(directory: migrations, logger: logger).migrate(client)
                return try await body(client, configuration)
            }
            try await drop(name, admin: admin, citus: citus)
            return result
        } catch {
            try? await drop(name, admin: admin, citus: citus)
            throw error
        }
    }

    /// Whether the tests run on a Citus cluster (see above).
    public static var isCitus: Bool {
        get async throws {
            _ = try await TestCluster.shared.adminConfiguration()
            return try await TestCluster.shared.citusTopology() != nil
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

    private static func drop(_ name: String, admin: PostgresClient.Configuration, citus: CitusTopology?) async throws {
        _ = try await withPostgresClient(admin, logger: logger) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
        try await citus?.drop(database: name)
    }
}

/// The nodes of the Citus cluster the admin database belongs to: where the coordinator
/// listens, as the workers reach it, and the workers' admin configurations.
struct CitusTopology: Sendable {
    var coordinatorHost: String
    var coordinatorPort: Int
    var workers: [PostgresClient.Configuration]

    /// Reads the topology from the admin database: nil when it has no `citus` extension or no
    /// workers (a plain PostgreSQL, or a single-node Citus).
    static func read(admin: PostgresClient.Configuration, logger: Logger) async throws -> CitusTopology? {
        try await withPostgresClient(admin, logger: logger) { client in
            var installed = 0
            for try await count in try await client.query("SELECT count(*) FROM pg_extension WHERE extname = 'citus'").decode(Int.self) {
                installed = count
            }
            guard installed > 0 else { return nil }
            var coordinator: (String, Int)?
            var workers: [PostgresClient.Configuration] = []
            let nodes = try await client.query("""
                SELECT nodename::text, nodeport, groupid = 0 FROM pg_dist_node
                WHERE noderole = 'primary' AND isactive ORDER BY groupid
                """)
            for try await (host, port, isCoordinator) in nodes.decode((String, Int, Bool).self) {
                if isCoordinator {
                    coordinator = (host, port)
                } else {
                    workers.append(PostgresClient.Configuration(
                        host: host, port: port, username: admin.username, password: admin.password, database: "postgres", tls: admin.tls
                    ))
                }
            }
            guard !workers.isEmpty else { return nil }
            guard let (host, port) = coordinator ?? admin.host.flatMap({ host in admin.port.map { (host, $0) } }) else {
                throw TestDatabaseError(description: "the Citus coordinator has no TCP address: run citus_set_coordinator_host() in its admin database")
            }
            return CitusTopology(coordinatorHost: host, coordinatorPort: port, workers: workers)
        }
    }

    /// Makes the new database `database` (created on the coordinator) a Citus database over
    /// the same workers.
    func prepare(database: String, coordinator: PostgresClient.Configuration) async throws {
        let logger = TestDatabase.logger
        for worker in workers {
            _ = try await withPostgresClient(worker, logger: logger) { client in
                try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"))
            }
            var configuration = worker
            configuration.database = database
            _ = try await withPostgresClient(configuration, logger: logger) { client in
                try await client.query("CREATE EXTENSION citus")
            }
        }
        _ = try await withPostgresClient(coordinator, logger: logger) { client in
            try await client.query("CREATE EXTENSION citus")
            try await client.query("SELECT citus_set_coordinator_host(\(coordinatorHost), \(coordinatorPort)::integer)")
            for worker in workers {
                guard let host = worker.host, let port = worker.port else { continue }
                try await client.query("SELECT citus_add_node(\(host), \(port)::integer)")
            }
        }
    }

    func drop(database: String) async throws {
        for worker in workers {
            _ = try await withPostgresClient(worker, logger: TestDatabase.logger) { client in
                try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"))
            }
        }
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    var description: String
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

    private var citus: Task<CitusTopology?, any Error>?

    /// The Citus cluster of the admin database (nil: plain PostgreSQL), read once.
    func citusTopology() async throws -> CitusTopology? {
        if let citus { return try await citus.value }
        let admin = try await adminConfiguration()
        let task = Task { try await CitusTopology.read(admin: admin, logger: TestDatabase.logger) }
        citus = task
        return try await task.value
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
