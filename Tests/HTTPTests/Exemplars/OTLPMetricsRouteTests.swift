import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// `POST /v1/metrics` through the router against a real PostgreSQL: a histogram exemplar is
/// stored under Prometheus's name, and exports over the label limits or holding NUL are
/// refused whole with INVALID_ARGUMENT, as remote write refuses them.
@Suite("OTLP metrics route")
struct OTLPMetricsRouteTests {
    static func body(attribute: String = "db.system", value: String = "postgresql") -> ByteBuffer {
        let now = UInt64(Date().timeIntervalSince1970) * 1_000_000_000
        let object: [String: Any] = ["resourceMetrics": [[
            "resource": ["attributes": [["key": "service.name", "value": ["stringValue": "svc"]]]],
            "scopeMetrics": [["metrics": [[
                "name": "db.query.time", "unit": "ms",
                "histogram": ["dataPoints": [[
                    "attributes": [["key": attribute, "value": ["stringValue": value]]],
                    "explicitBounds": [100, 1000],
                    "exemplars": [["timeUnixNano": "\(now)", "asDouble": 250, "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"]],
                ]]],
            ]]]],
        ]]]
        return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    @Test func exemplarsAreStoredAndOverLimitExportsRefused() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.limits.maxLabelValueLength = 64
        let frozen = configuration
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: frozen))
            try await app.test(.router) { http in
                let json: HTTPFields = [.contentType: "application/json"]
                let stored = try await http.execute(uri: "/v1/metrics", method: .post, headers: json, body: Self.body()) { ($0.status, String(buffer: $0.body)) }
                #expect(stored.0 == .ok && stored.1 == "{}", "\(stored)")
                let query = try await http.execute(uri: "/api/v1/query_exemplars?query=db_query_time_milliseconds_bucket", method: .get) { String(buffer: $0.body) }
                #expect(query.contains(#""le":"1000""#) && query.contains("5b8efff798038103d269b633813fc60c"), "\(query)")

                for (body, words) in [
                    (Self.body(value: String(repeating: "x", count: 65)), ["db_system", "max_label_value_length"]),
                    (Self.body(value: "a\u{0}b"), ["NUL"]),
                ] {
                    let (status, text) = try await http.execute(uri: "/v1/metrics", method: .post, headers: json, body: body) { ($0.status, String(buffer: $0.body)) }
                    #expect(status == .badRequest, "\(text)")
                    for word in words { #expect(text.contains(word), "'\(word)' in \(text)") }
                }
                var rows = 0
                for try await count in try await client.query("SELECT count(*)::int FROM exemplars").decode(Int.self) { rows = count }
                #expect(rows == 1, "the refused exports stored nothing")
            }
        }
    }
}
