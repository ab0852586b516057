import Logging
import PostgresNIO

/// The PostgreSQL store: a client pool for the queries and one for the ingest writers.
///
/// The writers' pool is opened with `statement_timeout` set to the ingest `write_timeout`
/// (``PostgresClient/Configuration/forIngestWriters(writeTimeout:maximumConnections:)``): a
/// write that PostgreSQL stalls (a lock, a checkpoint, a dying server) is cancelled and rolled
/// back by the server itself at the deadline, so the client's 503 never leaves a statement
/// behind that could still commit and double a retry. Queries, migrations and maintenance use
/// `client`, without that limit.
public struct Store: Sendable {
    public let client: PostgresClient
    /// The pool the ingest writers (spans, exemplars, profiles) store through; `client` when
    /// the store was made without one (tests, one-shot commands).
    public let writer: PostgresClient
    /// How the database is named in logs and errors (no password).
    public let target: String
    let migrator: Migrator
    let logger: Logger

    public init(client: PostgresClient, writer: PostgresClient? = nil, target: String, migrator: Migrator, logger: Logger) {
        self.client = client
        self.writer = writer ?? client
        self.target = target
        self.migrator = migrator
        self.logger = logger
    }

    /// Fails fast with a clear message when the database is unreachable.
    public func checkReachable() async throws {
        try await client.checkReachable(target: target)
    }

    public func migrate() async throws {
        try await migrator.migrate(client)
    }

    /// Opens `connections` connections in each pool (readers and ingest writers) with as many
    /// concurrent `SELECT 1`, so the first requests find them open. The pools keep no minimum
    /// (``DatabaseTarget/withSessionSettings(_:_:)``) and close a connection after an hour idle.
    /// A failure only means fewer warm connections: it is logged, not thrown.
    public func warmConnections(_ connections: Int) async {
        guard connections > 0 else { return }
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            for pool in [client, writer] {
                for _ in 0..<connections {
                    group.addTask {
                        do {
                            _ = try await pool.query("SELECT 1", logger: logger).collect()
                        } catch {
                            logger.debug("warming a database connection failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
    }

    /// Ready = reachable and no migration pending. Returns the reason when not ready.
    public func readiness() async -> String? {
        do {
            let pending = try await measure("readiness") { try await migrator.pending(client) }
            return pending.isEmpty ? nil : "migrations pending: \(pending.map(String.init).joined(separator: ", "))"
        } catch let error as MigrationError {
            return error.description
        } catch let error as PSQLError {
            return "database unreachable: \(error.serverInfo?[.message] ?? "\(error.code)")"
        } catch {
            return "database unreachable: \(error)"
        }
    }
}
