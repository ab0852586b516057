import Correlator
import HTTP
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
