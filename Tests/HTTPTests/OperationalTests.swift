import Correlator
import Foundation
import NIOCore
import NIOFoundationCompat
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Operational endpoints against a real PostgreSQL")
struct OperationalTests {
    @Test func healthReadinessAndMetrics() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                try await http.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                }
                try await http.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "ready\n")
                }
                try await http.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    let text = String(buffer: response.body)
                    // The two requests above were counted, by route and status.
                    #expect(text.contains("http_server_request_duration"), "\(text.prefix(400))")
                    #expect(text.contains("/readyz"))
                    // The readiness check's database time is recorded too.
                    #expect(text.contains("correlator_db_operation_duration_seconds_count{operation=\"readiness\"}"), "\(text.prefix(2000))")
                }
            }
        }
    }

    /// A wrong method is 405 with the methods the path takes (as Prometheus answers a GET of its
    /// remote-write receiver); an unknown path is a 404 that says so. Both as JSON errors.
    @Test func wrongMethodsAre405WithAllowAndUnknownPaths404() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                for (method, uri, allow) in [
                    (HTTPRequest.Method.get, "/api/v1/write", "POST"),
                    (.put, "/v1/traces", "POST"),
                    (.delete, "/api/v1/traces/0123456789abcdef0123456789abcdef", "GET, HEAD"),
                    (.patch, "/api/v1/query_exemplars", "GET, HEAD, POST"),
                ] {
                    try await http.execute(uri: uri, method: method) { response in
                        let message = Self.errorMessage(response.body)
                        #expect(response.status == .methodNotAllowed, "\(method) \(uri): \(message)")
                        #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                        #expect(message == "\(method) is not allowed on \(uri); it takes \(allow)")
                    }
                }
                try await http.execute(uri: "/api/v1/nothing-here", method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(Self.errorMessage(response.body).hasPrefix("no route for GET /api/v1/nothing-here;"))
                }
                // HEAD of a GET route: its status and headers, no body.
                try await http.execute(uri: "/readyz", method: .head) { response in
                    #expect(response.status == .ok)
                    #expect(response.body.readableBytes == 0)
                }
                // A route's own 404 keeps its message.
                try await http.execute(uri: "/api/v1/traces/0123456789abcdef0123456789abcdef", method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(Self.errorMessage(response.body) == "trace 0123456789abcdef0123456789abcdef not found")
                }
            }
        }
    }

    static func errorMessage(_ body: ByteBuffer) -> String {
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: [String: String]]
        return json?["error"]?["message"] ?? String(buffer: body)
    }

    @Test func readinessFailsWhileMigrationsArePending() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await client.query("DELETE FROM schema_migrations")
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                try await http.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body).contains("migrations pending: 1"))
                }
            }
        }
    }

    @Test func tenantHeaderIsValidated() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                try await http.execute(uri: "/healthz", method: .get, headers: [.init("X-Scope-OrgID")!: "bad tenant/x"]) { response in
                    #expect(response.status == .badRequest)
                }
            }
        }
    }
}
