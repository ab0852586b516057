import Hummingbird
import PostgresNIO

/// Runs a query handler, turning an unreachable or overloaded database into 503 with
/// `Retry-After`, so clients retry instead of treating it as their error.
func withDatabaseErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as PSQLError {
        let state = error.serverInfo?[.sqlState] ?? ""
        // No server answer (connection refused, closed, pool timeout), too many connections,
        // insufficient resources (53xxx), server shutting down (57P0x), query cancelled (57014).
        if error.serverInfo == nil || state.hasPrefix("53") || state.hasPrefix("57P") || state == "57014" || state.hasPrefix("08") {
            throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "5"], message: "database unavailable, retry later")
        }
        throw HTTPError(.internalServerError, message: "database error \(state): \(error.serverInfo?[.message] ?? "")")
    }
}
