import Logging
import PostgresNIO

/// Runs `body` with a `PostgresClient` that is running for exactly its duration. For one-shot
/// work (the `migrate` command, creating the database) outside the application's service group.
public func withPostgresClient<Result: Sendable>(
    _ configuration: PostgresClient.Configuration,
    logger: Logger,
    _ body: @Sendable (PostgresClient) async throws -> Result
) async throws -> Result {
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

extension PostgresClient {
    /// `SELECT 1` with a deadline: `PostgresClient.run()` never reports a server it cannot
    /// reach, so this is how startup finds out. Throws `DatabaseUnreachableError`.
    public func checkReachable(target: String, timeout: Duration = .seconds(8)) async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let rows = try await self.query("SELECT 1")
                    for try await _ in rows {}
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw DatabaseUnreachableError(target: target, reason: "no answer within \(timeout)")
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch let error as DatabaseUnreachableError {
            throw error
        } catch let error as PSQLError {
            throw DatabaseUnreachableError(target: target, reason: error.serverInfo?[.message] ?? "\(error.code)")
        } catch {
            throw DatabaseUnreachableError(target: target, reason: "\(error)")
        }
    }
}

/// The database did not answer `SELECT 1`. `target` never contains a password.
public struct DatabaseUnreachableError: Error, Sendable, CustomStringConvertible {
    public let target: String
    public let reason: String
    public var description: String {
        "cannot reach PostgreSQL at \(target): \(reason); check --database-url / CORRELATOR_DATABASE_URL and that the server is running"
    }
}
