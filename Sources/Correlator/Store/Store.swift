import Logging
import PostgresNIO

/// The PostgreSQL store: one client pool shared by the ingest writers and the queries.
public struct Store: Sendable {
    public let client: PostgresClient
    /// How the database is named in logs and errors (no password).
    public let target: String
    let migrator: Migrator
    let logger: Logger

    public init(client: PostgresClient, target: String, migrator: Migrator, logger: Logger) {
        self.client = client
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
