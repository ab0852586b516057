import Correlator
import Foundation
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing
import TestSupport

/// Ingest limits through the router against a real PostgreSQL: rates → 429 with `Retry-After`,
/// sizes → 413 naming the setting, a saturated or stalled writer → 503 with `Retry-After`, a
/// database that is down → 503 on every write route; every refusal stores nothing and is
/// counted in `/metrics`.
@Suite("Ingest limits and backpressure")
struct IngestLimitTests {
    static let tenantHeader = HTTPField.Name("X-Scope-OrgID")!
    static let openMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    static let exposition: HTTPFields = [.contentType: openMetrics]

    /// One histogram exemplar with `trace`, stamped `at` (Unix seconds, default now).
    static func exemplarBody(_ trace: String, labels: Int = 1, at seconds: Int = Int(Date().timeIntervalSince1970)) -> ByteBuffer {
        let extra = (0..<labels).map { "l\($0)=\"v\"" }.joined(separator: ",")
        return ByteBuffer(string: """
            # TYPE limit_seconds histogram
            limit_seconds_bucket{\(extra),le="1"} 3 # {trace_id="\(trace)"} 0.5 \(seconds)
            limit_seconds_bucket{\(extra),le="+Inf"} 3
            limit_seconds_count{\(extra)} 3
            limit_seconds_sum{\(extra)} 1.5
            # EOF

            """)
    }

    static func withApp(
        _ configure: (inout CorrelatorConfiguration) -> Void,
        _ body: @escaping @Sendable (any TestClientProtocol, PostgresClient) async throws -> Void
    ) async throws {
        var configuration = CorrelatorConfiguration()
        configure(&configuration)
        let frozen = configuration
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: frozen))
            try await app.test(.router) { http in try await body(http, client) }
        }
    }

    static func count(_ client: PostgresClient, _ table: String) async throws -> Int {
        let query: PostgresQuery = table == "spans" ? "SELECT count(*) FROM spans" : table == "profiles" ? "SELECT count(*) FROM profiles" : "SELECT count(*) FROM exemplars"
        for try await count in try await client.query(query).decode(Int.self) { return count }
        return 0
    }

    /// Returns once a backend of this test's database waits for a lock (at most 60 s).
    static func waitForAStatementBlockedOnALock(_ client: PostgresClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let rows = try await client.query(
                "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            for try await waiting in rows.decode(Int.self) where waiting > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no statement waited for a lock within 60 s")
    }

    static func metrics(_ http: any TestClientProtocol) async throws -> String {
        try await http.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
    }

    static func fixture(_ path: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try Data(contentsOf: TenantIsolationTests.fixtures.appendingPathComponent(path)))
    }

    @Test func requestRateIsPerTenantAndAnswers429WithRetryAfter() async throws {
        try await Self.withApp({ configuration in
            configuration.limits.defaultRate = IngestRate(requestsPerSecond: 0.01, burstRequests: 2)
            configuration.limits.tenantRates["unlimited"] = IngestRate()
        }) { http, client in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            // One clock reading: each exemplar a second apart on the same series. Read per
            // request, a second boundary between two of them gave both the same timestamp, and
            // the store keeps one exemplar per series and timestamp, as Prometheus does.
            let now = Int(Date().timeIntervalSince1970)
            for i in 0..<3 {
                try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: Self.exposition, body: Self.exemplarBody(String(repeating: "\(i + 1)", count: 32), at: now - i)) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests {
                        retryAfter = response.headers[.retryAfter]
                        #expect(String(buffer: response.body).contains("ingest_requests_per_second"))
                    }
                }
            }
            #expect(statuses == [.noContent, .noContent, .tooManyRequests])
            #expect(Int(retryAfter ?? "") ?? 0 >= 1, "Retry-After: \(retryAfter ?? "none")")
            let stored = try await Self.count(client, "exemplars")
            #expect(stored == 2, "the refused request stored nothing: \(stored) rows")
            // Another tenant has its own bucket; a tenant configured without limits has none.
            for tenant in ["other", "unlimited", "unlimited", "unlimited"] {
                let status = try await http.execute(
                    uri: "/api/v1/exemplars", method: .post, headers: [.contentType: Self.openMetrics, Self.tenantHeader: tenant],
                    body: Self.exemplarBody("ab" + String(repeating: "0", count: 30))
                ) { $0.status }
                #expect(status == .noContent, "tenant \(tenant)")
            }
            // Queries are not rate limited.
            let query = try await http.execute(uri: "/api/v1/query_exemplars?query=limit_seconds_bucket", method: .get) { $0.status }
            #expect(query == .ok)
            let metrics = try await Self.metrics(http)
            #expect(metrics.contains(#"correlator_limit_hits_total{limit="ingest_requests_per_second",route="/api/v1/exemplars"} "#), "\(metrics.split(separator: "\n").filter { $0.contains("limit_hits") })")
        }
    }

    @Test func byteRateAnswers429UntilTheDebtIsPaid() async throws {
        try await Self.withApp({ $0.limits.defaultRate = IngestRate(bytesPerSecond: 10, burstBytes: 100) }) { http, _ in
            let spans = try Self.fixture("otlp/spans.pb")
            #expect(spans.readableBytes > 200)
            let first = try await http.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/x-protobuf"], body: spans) { $0.status }
            #expect(first == .ok, "a body larger than the burst passes once")
            try await http.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/x-protobuf"], body: spans) { response in
                #expect(response.status == .tooManyRequests)
                let seconds = Int(response.headers[.retryAfter] ?? "") ?? 0
                #expect(seconds >= (spans.readableBytes - 100) / 10 - 5, "Retry-After \(seconds) s covers the debt")
            }
        }
    }

    @Test func bodySizeIsPerRoute() async throws {
        try await Self.withApp({ configuration in
            configuration.limits.maxBodyBytes = 1 << 20
            configuration.limits.routeMaxBodyBytes["/v1/traces"] = 100
            configuration.limits.routeMaxBodyBytes["/api/v1/profiles"] = 2 << 20
        }) { http, client in
            let spans = try Self.fixture("otlp/spans.pb")
            try await http.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/x-protobuf"], body: spans) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("max_body_bytes"))
            }
            // Without Content-Length the limit holds while the body streams in.
            let streamed = try await http.execute(
                uri: "/v1/traces", method: .post, headers: [.contentType: "application/x-protobuf", .transferEncoding: "chunked"], body: spans
            ) { $0.status }
            #expect(streamed == .contentTooLarge)
            #expect(try await Self.count(client, "spans") == 0)
            // The route raised above the global limit takes a body the global limit would refuse.
            var big = try Self.fixture("pprof-go119/cpu.pb.gz")
            #expect(big.readableBytes < 1 << 20)
            let status = try await http.execute(uri: "/api/v1/profiles?service=s&type=cpu", method: .post, body: big) { $0.status }
            #expect(status == .ok)
            big.writeBytes([UInt8](repeating: 0, count: 1 << 20))
            let tooBigForGlobal = try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: Self.exposition, body: big) { $0.status }
            #expect(tooBigForGlobal == .contentTooLarge)
            let metrics = try await Self.metrics(http)
            #expect(metrics.contains(#"correlator_limit_hits_total{limit="max_body_bytes",route="/v1/traces"} "#))
        }
    }

    @Test func contentLimitsNameTheirSettingAndStoreNothing() async throws {
        try await Self.withApp({ configuration in
            configuration.limits.maxSpansPerRequest = 2
            configuration.limits.maxSamplesPerProfile = 1
            configuration.limits.maxLabelsPerSeries = 3
        }) { http, client in
            let spans = try await http.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/x-protobuf"], body: try Self.fixture("otlp/spans.pb")) { $0.status }
            #expect(spans == .contentTooLarge)
            let profile = try await http.execute(uri: "/api/v1/profiles?service=s&type=cpu", method: .post, body: try Self.fixture("pprof-go119/cpu.pb.gz")) { $0.status }
            #expect(profile == .contentTooLarge)
            try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: Self.exposition, body: Self.exemplarBody(String(repeating: "c", count: 32), labels: 5)) { response in
                #expect(response.status == .badRequest)
            }
            #expect(try await Self.count(client, "spans") == 0)
            #expect(try await Self.count(client, "profiles") == 0)
            #expect(try await Self.count(client, "exemplars") == 0)
            let metrics = try await Self.metrics(http)
            #expect(metrics.contains(#"correlator_limit_hits_total{limit="decoded_payload",route="/v1/traces"}"#))
        }
    }

    /// PostgreSQL stalls (a lock held on the exemplars table): the write answers 503 with
    /// `Retry-After` once PostgreSQL has cancelled its statement at `write_timeout` (the writers'
    /// `statement_timeout`), while the lock is still held; a second request finds the queue full
    /// at once. Released afterwards, the lock lets nothing through: the write was rolled back.
    // The limit guards against a hang only: it counts the wait for a test database too (a few
    // at a time; slow to make on a Citus coordinator: 186 s in make test-citus).
    @Test(.timeLimit(.minutes(10))) func stalledWriterIsCancelledAndAnswers503WithRetryAfter() async throws {
        var configuration = CorrelatorConfiguration()
        // Long enough for the second request to reach the gate while the first still waits.
        configuration.limits.writeTimeout = .seconds(2)
        configuration.limits.maxConcurrentWrites = 1
        configuration.limits.maxQueuedWrites = 0
        let frozen = configuration
        try await TestDatabase.withFreshDatabase { client, database in
            try await TestDatabase.withIngestWriters(client, database, writeTimeout: frozen.limits.writeTimeout) { store in
                let app = Application(router: buildRouter(store: store, configuration: frozen))
                try await app.test(.router) { http in
                    try await client.withConnection { locker in
                        try await locker.query("BEGIN")
                        try await locker.query("LOCK TABLE exemplars IN ACCESS EXCLUSIVE MODE")
                        try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, String).self) { group in
                            group.addTask {
                                try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: Self.exposition, body: Self.exemplarBody(String(repeating: "d", count: 32))) {
                                    ($0.status, $0.headers[.retryAfter], String(buffer: $0.body))
                                }
                            }
                            // The first write holds the only writer once PostgreSQL shows its
                            // statement waiting for the lock (seen, not assumed after a sleep).
                            try await Self.waitForAStatementBlockedOnALock(client)
                            let (queued, queuedRetry) = try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: Self.exposition, body: Self.exemplarBody(String(repeating: "e", count: 32))) {
                                ($0.status, $0.headers[.retryAfter])
                            }
                            #expect(queued == .serviceUnavailable, "the writer's queue is full")
                            #expect(queuedRetry != nil)
                            // Answered while the lock is still held: PostgreSQL cancelled the statement.
                            let (status, retry, message) = try await group.next()!
                            #expect(status == .serviceUnavailable)
                            #expect(retry == "5")
                            #expect(message.contains("write_timeout") && message.contains("nothing was stored"), "\(message)")
                        }
                        try await locker.query("ROLLBACK")
                    }
                    #expect(try await Self.count(client, "exemplars") == 0, "the cancelled write stored nothing")
                    let metrics = try await Self.metrics(http)
                    #expect(metrics.contains(#"correlator_limit_hits_total{limit="write_timeout",route="/api/v1/exemplars"} "#))
                    #expect(metrics.contains(#"correlator_limit_hits_total{limit="max_queued_writes",route="/api/v1/exemplars"} "#))
                }
            }
        }
    }

    /// PostgreSQL is down: every write route answers 503 with `Retry-After` (exporters retry).
    @Test func databaseDownAnswers503OnEveryWriteRoute() async throws {
        var down = PostgresClient.Configuration(host: "127.0.0.1", port: 1, username: "nobody", password: nil, database: "none", tls: .disable)
        down.options.connectTimeout = .seconds(1)
        let client = PostgresClient(configuration: down, backgroundLogger: Logger(label: "down"))
        var configuration = CorrelatorConfiguration()
        configuration.limits.writeTimeout = .seconds(2)
        let frozen = configuration
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: frozen))
            let payloads = try TenantIsolationTests.ingestPayloads(profileID: "down")
            try await app.test(.router) { http in
                for (route, payload) in payloads.sorted(by: { $0.key < $1.key }) {
                    try await http.execute(uri: route + payload.query, method: .post, headers: payload.headers, body: ByteBuffer(bytes: payload.body)) { response in
                        #expect(response.status == .serviceUnavailable, "\(route): \(response.status) \(String(buffer: response.body).prefix(200))")
                        #expect(response.headers[.retryAfter] != nil, "\(route) has Retry-After")
                    }
                }
            }
        }
    }
}
