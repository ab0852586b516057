import _ConnectionPoolModule
import Foundation
import Hummingbird
import Logging
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport

@testable import HTTP

/// A route whose database fails answers what a client can act on: 503 with `Retry-After` when
/// PostgreSQL is away or asks for a retry, 500 saying which statement failed and why otherwise;
/// never a bare 500 (what every query route and page answered while PostgreSQL was stopped:
/// PostgresClient's pool fails them with its own ConnectionPoolError, which no route knew).
@Suite("Database failures")
struct DatabaseFailureTests {
    /// A router with the middleware of `buildRouter` and routes that fail as the store does.
    static func router(_ client: PostgresClient) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: DatabaseFailureMiddleware())
        router.get("/pool-gave-up") { _, _ -> String in
            // What PostgresClient throws once its connection attempts have failed for a minute.
            throw ConnectionPoolError.connectionCreationCircuitBreakerTripped
        }
        router.get("/missing-table") { _, _ -> String in
            try await client.query("SELECT * FROM no_such_table").collect()
            return "unreachable"
        }
        router.get("/cancelled") { _, _ -> String in
            // 57014 query_canceled, as a statement_timeout or a server shutting down answers.
            let logger = Logger(label: "test")
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET LOCAL statement_timeout = 10", logger: logger)
                try await connection.query("SELECT pg_sleep(5)", logger: logger).collect()
            }
            return "unreachable"
        }
        router.get("/not-the-database") { _, _ -> String in
            throw HTTPError(.badRequest, message: "not a database error")
        }
        return router
    }

    static func message(_ body: ByteBuffer) -> String {
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: [String: String]]
        return json?["error"]?["message"] ?? ""
    }

    @Test func unreachableOrRetryableIs503WithRetryAfterAndOtherFailuresSayWhat() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: Self.router(client))
            try await app.test(.router) { http in
                for path in ["/pool-gave-up", "/cancelled"] {
                    try await http.execute(uri: path, method: .get) { response in
                        #expect(response.status == .serviceUnavailable, "\(path)")
                        #expect(response.headers[.retryAfter] == "5", "\(path)")
                        #expect(Self.message(response.body).hasPrefix("database unavailable during GET \(path)"), "\(path)")
                    }
                }
                try await http.execute(uri: "/missing-table", method: .get) { response in
                    #expect(response.status == .internalServerError)
                    #expect(response.headers[.retryAfter] == nil)
                    // PostgreSQL's own words: undefined_table.
                    #expect(Self.message(response.body) == #"GET /missing-table failed: database error 42P01: relation "no_such_table" does not exist"#)
                }
                try await http.execute(uri: "/not-the-database", method: .get) { response in
                    #expect(response.status == .badRequest)
                }
            }
        }
    }
}
