import Hummingbird
import Logging
import PostgresNIO
import _ConnectionPoolModule

/// What a client should hear when the database fails a request: 503 with `Retry-After` when
/// PostgreSQL is unreachable, shutting down, overloaded or asks for a retry (the client retries),
/// 500 with the server's message otherwise. Every route classifies database errors here.
enum DatabaseFailure {
    static let retryAfterSeconds = 5

    /// The answer to `error` when it is the database's (nil for any other error).
    /// `what` names the work that failed ("trace query", "storing spans").
    static func httpError(for error: any Error, what: String) -> HTTPError? {
        switch error {
        case let error as PSQLError:
            let state = error.serverInfo?[.sqlState] ?? ""
            // No server answer (connection refused, closed, timed out); classes 08 connection
            // exception, 40 transaction rollback (serialization failure, deadlock), 53
            // insufficient resources, 57 operator intervention (shutdown, query cancelled).
            if error.serverInfo == nil || ["08", "40", "53", "57"].contains(String(state.prefix(2))) {
                return unavailable(what)
            }
            return HTTPError(.internalServerError, message: "\(what) failed: database error \(state): \(error.serverInfo?[.message] ?? "")")
        case let error as PostgresTransactionError:
            if let inner = error.closureError { return httpError(for: inner, what: what) }
            if let inner = error.beginError ?? error.commitError ?? error.rollbackError { return httpError(for: inner, what: what) }
            return unavailable(what)
        case is ConnectionPoolError:
            // The pool gave up connecting (PostgreSQL down) or is shutting down.
            return unavailable(what)
        default:
            return nil
        }
    }

    static func unavailable(_ what: String) -> HTTPError {
        HTTPError(.serviceUnavailable, headers: [.retryAfter: "\(retryAfterSeconds)"], message: "database unavailable during \(what); retry later")
    }
}

/// Runs a query handler, turning a database failure into the answer of `DatabaseFailure`.
func withDatabaseErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
    try await withDatabaseErrors(during: "the query", body)
}

/// `withDatabaseErrors` naming the work in the message.
func withDatabaseErrors<Result>(during what: String, _ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch {
        throw DatabaseFailure.httpError(for: error, what: what) ?? error
    }
}

/// The last line for a database error a route did not classify itself: the answer of
/// `DatabaseFailure` instead of a bare 500.
struct DatabaseFailureMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            guard let answer = DatabaseFailure.httpError(for: error, what: "\(request.method) \(request.uri.path)") else { throw error }
            context.logger.error("database failure", metadata: ["error": "\(String(reflecting: error))"])
            throw answer
        }
    }
}
