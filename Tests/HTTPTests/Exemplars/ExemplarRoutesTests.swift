import Correlator
import Exemplars
import Foundation
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import Testing
import TestSupport

/// Paths of the shared fixtures, from this file's location.
enum ExemplarFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var openMetrics: [UInt8] {
        get throws { Array(try Data(contentsOf: root.appendingPathComponent("Fixtures/pprof-go119/metrics.om.txt"))) }
    }

    /// What prometheus_client's parser finds in the fixture (Tests/ExemplarsTests/Fixtures).
    struct Expected: Decodable {
        struct Item: Decodable {
            let labels: [String: String]
            let metric: String
            let series: [String: String]
            let timestamp_ms: Int64
            let value: Double
        }
        let exemplars: [Item]
    }

    static var expected: Expected {
        get throws {
            try JSONDecoder().decode(Expected.self, from: Data(contentsOf: root.appendingPathComponent("ExemplarsTests/Fixtures/metrics.om.expected.json")))
        }
    }
}

func makeStore(_ client: PostgresClient) throws -> Store {
    let logger = Logger(label: "test")
    return Store(
        client: client, target: "test database",
        migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger
    )
}

func exemplarRows(_ client: PostgresClient, tenant: String = "default") async throws -> [(trace: String?, span: String?, ts: Int64, value: Double, metric: String)] {
    let rows = try await client.query("""
        SELECT encode(e.trace_id, 'hex'), encode(e.span_id, 'hex'), (extract(epoch FROM e.ts) * 1000)::bigint, e.value, s.metric
        FROM exemplars e JOIN exemplar_series s USING (tenant, series_fp) WHERE e.tenant = \(tenant) ORDER BY e.ts
        """)
    var result: [(String?, String?, Int64, Double, String)] = []
    for try await row in rows.decode((String?, String?, Int64, Double, String).self) { result.append(row) }
    return result
}

let openMetricsType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

@Suite("Exemplar routes against a real PostgreSQL")
struct ExemplarRoutesTests {
    static func idLabels(_ i: Int) -> LabelSet {
        let trace = String(repeating: String(i + 1), count: 32)
        let span = String(repeating: "a", count: 15) + String(i)
        return LabelSet(["trace_id": trace, "span_id": span])
    }

    @Test func remoteWriteRoundTripStoresExemplarsWithIdsOnceEvenWhenRetried() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let series = LabelSet(["__name__": "http_server_request_duration_seconds_bucket", "le": "0.1", "job": "api"])
            let exemplars = (0..<3).map { i in
                Exemplar(
                    series: series,
                    labels: Self.idLabels(i),
                    value: 0.05 + Double(i) / 100, timestamp: now - 1000 * Int64(3 - i)
                )
            }
            let request = RemoteWriteRequest(timeseries: [
                .init(labels: series, samples: [.init(value: 7, timestamp: now)], exemplars: exemplars)
            ])
            let body = RemoteWriteEncoder.encodeBody(request)
            let app = Application(router: buildRouter(store: try makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                for _ in 0..<2 {  // the second POST is a sender's retry
                    try await http.execute(
                        uri: "/api/v1/write", method: .post,
                        headers: [.contentType: "application/x-protobuf", .contentEncoding: "snappy", HTTPField.Name("X-Prometheus-Remote-Write-Version")!: "0.1.0"],
                        body: ByteBuffer(bytes: body)
                    ) { response in
                        #expect(response.status == .noContent)
                        #expect(response.body.readableBytes == 0)
                    }
                }
            }
            let rows = try await exemplarRows(client)
            #expect(rows.count == 3)
            #expect(rows.map(\.trace) == ["11111111111111111111111111111111", "22222222222222222222222222222222", "33333333333333333333333333333333"])
            #expect(rows.map(\.span) == ["aaaaaaaaaaaaaaa0", "aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa2"])
            #expect(rows.map(\.ts) == exemplars.map(\.timestamp))
            #expect(rows.allSatisfy { $0.metric == "http_server_request_duration_seconds_bucket" })
        }
    }

    @Test func pushedFixtureStoresExactlyWhatPrometheusClientFindsAndQueryReturnsIt() async throws {
        let expected = try ExemplarFixtures.expected.exemplars
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                for _ in 0..<2 {  // a second push of the same exposition stores nothing new
                    try await http.execute(
                        uri: "/api/v1/exemplars", method: .post, headers: [.contentType: openMetricsType],
                        body: ByteBuffer(bytes: try ExemplarFixtures.openMetrics)
                    ) { response in
                        #expect(response.status == .noContent, "\(String(buffer: response.body))")
                    }
                }
                let rows = try await exemplarRows(client)
                #expect(rows.count == expected.count)
                #expect(Set(rows.compactMap(\.trace)) == Set(expected.compactMap { $0.labels["trace_id"] }))
                #expect(Set(rows.map(\.ts)) == Set(expected.map(\.timestamp_ms)))

                let start = expected.map(\.timestamp_ms).min()! / 1000 - 1
                let end = expected.map(\.timestamp_ms).max()! / 1000 + 1
                try await http.execute(
                    uri: "/api/v1/query_exemplars?query=http_server_request_duration_seconds_bucket&start=\(start)&end=\(end)",
                    method: .get
                ) { response in
                    #expect(response.status == .ok)
                    let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                    #expect(json["status"] as? String == "success")
                    let data = json["data"] as! [[String: Any]]
                    var found: [(series: [String: String], labels: [String: String], value: String, timestamp: Double)] = []
                    for entry in data {
                        let series = entry["seriesLabels"] as! [String: String]
                        for exemplar in entry["exemplars"] as! [[String: Any]] {
                            found.append((series, exemplar["labels"] as! [String: String], exemplar["value"] as! String, (exemplar["timestamp"] as! NSNumber).doubleValue))
                        }
                    }
                    #expect(found.count == expected.count)
                    for item in expected {
                        let match = found.first { $0.labels == item.labels }
                        #expect(match != nil, "missing \(item.labels)")
                        guard let match else { continue }
                        var series = item.series
                        series["__name__"] = item.metric
                        #expect(match.series == series)
                        #expect(Double(match.value) == item.value)
                        #expect(Int64((match.timestamp * 1000).rounded()) == item.timestamp_ms)
                    }
                }
                // A selector narrows by label; regexes work.
                try await http.execute(
                    uri: "/api/v1/query_exemplars?query=" + "{route=~\"/inv.*\",le!=\"0.1\"}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&start=\(start)&end=\(end)",
                    method: .get
                ) { response in
                    let text = String(buffer: response.body)
                    #expect(response.status == .ok)
                    #expect(text.contains("ec3c71f89cbcf3dfa34803783d870f22"))
                    #expect(text.contains("3c40b2c9656f2d2c26cbbdbb32630a33"))
                    #expect(!text.contains("81a776436b600b8d4bd15b7e36ded147"), "le=0.1 is excluded")
                    #expect(!text.contains("/checkout"))
                }
                // Another tenant sees nothing.
                try await http.execute(
                    uri: "/api/v1/query_exemplars?query=http_server_request_duration_seconds_bucket&start=\(start)&end=\(end)",
                    method: .get, headers: [HTTPField.Name("X-Scope-OrgID")!: "other"]
                ) { response in
                    #expect(String(buffer: response.body) == #"{"status":"success","data":[]}"#)
                }
            }
        }
    }

    @Test func unchangedExemplarWithoutTimestampIsStoredOncePerChange() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try makeStore(client), configuration: CorrelatorConfiguration()))
            @Sendable func exposition(_ trace: String) -> ByteBuffer {
                ByteBuffer(string: """
                    # TYPE rpc_seconds histogram
                    rpc_seconds_bucket{le="1"} 3 # {trace_id="\(trace)"} 0.5
                    rpc_seconds_bucket{le="+Inf"} 3
                    rpc_seconds_count 3
                    rpc_seconds_sum 1.5
                    # EOF

                    """)
            }
            let a = String(repeating: "a", count: 32), b = String(repeating: "b", count: 32)
            try await app.test(.router) { http in
                // Each push is a scrape: A, A, A, B, B, A → stored A, B, A.
                for trace in [a, a, a, b, b, a] {
                    try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: [.contentType: openMetricsType], body: exposition(trace)) { response in
                        #expect(response.status == .noContent)
                    }
                    try await Task.sleep(for: .milliseconds(3))
                }
            }
            #expect(try await exemplarRows(client).map(\.trace) == [a, b, a])
        }
    }

    @Test(arguments: [
        // (body, content type, status, words the message must contain)
        ("# TYPE x counter\nx_total 1 # {trace_id=\"abc\"} 1 2\nx_total{ 1\n# EOF\n", openMetricsType, 400, ["line 3", "column"]),
        ("# TYPE x counter\nx_total 1 # {trace_id=\"abc\"} 1 2\n", openMetricsType, 400, ["line", "EOF"]),
        ("x_total 1\n", "application/json", 415, ["Content-Type"]),
    ])
    func malformedExpositionStoresNothing(body: String, contentType: String, status: Int, words: [String]) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body)) { response in
                    #expect(response.status.code == status)
                    let text = String(buffer: response.body)
                    for word in words { #expect(text.contains(word), "\(text)") }
                }
            }
            #expect(try await exemplarRows(client).isEmpty)
        }
    }

    @Test func badRemoteWriteBodiesAreRejectedAndStoreNothing() async throws {
        let series = LabelSet(["__name__": "m_bucket", "le": "1"])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let request = RemoteWriteRequest(timeseries: (0..<50).map { i in
            .init(labels: LabelSet(["__name__": "m_bucket", "le": "1", "i": "\(i)"]), exemplars: [
                Exemplar(series: series, labels: LabelSet(["trace_id": String(repeating: "c", count: 32)]), value: 1, timestamp: now)
            ])
        })
        let good = RemoteWriteEncoder.encodeBody(request)
        var corrupt = good
        corrupt[corrupt.count / 2] ^= 0xFF
        corrupt[corrupt.count / 2 + 1] ^= 0x5A
        let framed: [UInt8] = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59] + good
        let truncatedMessage = Snappy.compress(Array(RemoteWriteEncoder.encodeMessage(request).dropLast(3)))

        var small = CorrelatorConfiguration()
        small.limits.maxBodyBytes = 64
        var smallInflate = CorrelatorConfiguration()
        smallInflate.limits.maxDecompressedBytes = 128

        let cases: [(body: [UInt8], contentType: String, configuration: CorrelatorConfiguration, status: Int, words: [String])] = [
            (good, "application/x-protobuf;proto=io.prometheus.write.v2.Request", CorrelatorConfiguration(), 415, ["2.0"]),
            (good, "text/plain", CorrelatorConfiguration(), 415, ["Content-Type"]),
            (framed, "application/x-protobuf", CorrelatorConfiguration(), 400, ["framed"]),
            (corrupt, "application/x-protobuf", CorrelatorConfiguration(), 400, ["byte"]),
            (truncatedMessage, "application/x-protobuf", CorrelatorConfiguration(), 400, ["byte", "decompressed message"]),
            (good, "application/x-protobuf", small, 413, ["max_body_bytes"]),
            (good, "application/x-protobuf", smallInflate, 413, ["128"]),
        ]
        try await TestDatabase.withFreshDatabase { client, _ in
            for item in cases {
                let app = Application(router: buildRouter(store: try makeStore(client), configuration: item.configuration))
                try await app.test(.router) { http in
                    try await http.execute(
                        uri: "/api/v1/write", method: .post,
                        headers: [.contentType: item.contentType, .contentEncoding: "snappy"], body: ByteBuffer(bytes: item.body)
                    ) { response in
                        let text = String(buffer: response.body)
                        #expect(response.status.code == item.status, "\(item.contentType) \(text)")
                        for word in item.words { #expect(text.contains(word), "\(text)") }
                    }
                }
            }
            #expect(try await exemplarRows(client).isEmpty)
        }
    }

    @Test func queryErrorsUsePrometheusErrorShape() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                for uri in [
                    "/api/v1/query_exemplars",
                    "/api/v1/query_exemplars?query=%7Bfoo%3D",
                    "/api/v1/query_exemplars?query=up&start=yesterday",
                    "/api/v1/query_exemplars?query=up&start=20&end=10",
                ] {
                    try await http.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .badRequest)
                        let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: String]
                        #expect(json["status"] == "error")
                        #expect(json["errorType"] == "bad_data")
                        #expect(!(json["error"] ?? "").isEmpty)
                    }
                }
                // RFC 3339 times are accepted; empty times are absent, as in Prometheus.
                for uri in ["/api/v1/query_exemplars?query=up&start=2026-01-01T00:00:00Z&end=2026-01-01T01:00:00.5Z", "/api/v1/query_exemplars?query=up&start=&end="] {
                    try await http.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                    }
                }
            }
        }
    }

    /// Selectors arrive form-encoded: `+` for a space (HTML forms, Grafana's `URLSearchParams`,
    /// Python's `urlencode`), `%2B` for a plus. The encoded query strings below are what Python's
    /// `urllib.parse.urlencode` makes of these selectors.
    @Test func formEncodedSelectorsDecodePlusAsSpace() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try makeStore(client), configuration: CorrelatorConfiguration()))
            let spaced = String(repeating: "a", count: 32), plain = String(repeating: "b", count: 32), plus = String(repeating: "c", count: 32)
            let exposition = ByteBuffer(string: """
                # TYPE rpc_seconds histogram
                rpc_seconds_bucket{route="/checkout cart",le="1"} 3 # {trace_id="\(spaced)"} 0.5 1700000000.000
                rpc_seconds_bucket{route="/checkout cart",le="+Inf"} 3
                rpc_seconds_count{route="/checkout cart"} 3
                rpc_seconds_sum{route="/checkout cart"} 1.5
                rpc_seconds_bucket{route="/checkout",le="1"} 2 # {trace_id="\(plain)"} 0.4 1700000000.000
                rpc_seconds_bucket{route="/checkout",le="+Inf"} 2
                rpc_seconds_count{route="/checkout"} 2
                rpc_seconds_sum{route="/checkout"} 0.8
                rpc_seconds_bucket{route="/a+b",le="1"} 1 # {trace_id="\(plus)"} 0.3 1700000000.000
                rpc_seconds_bucket{route="/a+b",le="+Inf"} 1
                rpc_seconds_count{route="/a+b"} 1
                rpc_seconds_sum{route="/a+b"} 0.3
                # EOF

                """)
            // urlencode({'query': 'rpc_seconds_bucket{route="/checkout cart", le="1"}', 'start': 1699999999, 'end': 1700000001})
            let spacedQuery = "query=rpc_seconds_bucket%7Broute%3D%22%2Fcheckout+cart%22%2C+le%3D%221%22%7D&start=1699999999&end=1700000001"
            // urlencode({'query': '{route="/a+b"}', 'start': 1699999999, 'end': 1700000001})
            let plusQuery = "query=%7Broute%3D%22%2Fa%2Bb%22%7D&start=1699999999&end=1700000001"
            try await app.test(.router) { http in
                try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: [.contentType: openMetricsType], body: exposition) { response in
                    #expect(response.status == .noContent, "\(String(buffer: response.body))")
                }
                for (query, want) in [(spacedQuery, spaced), (plusQuery, plus)] {
                    let others = [spaced, plain, plus].filter { $0 != want }
                    try await http.execute(uri: "/api/v1/query_exemplars?" + query, method: .get) { response in
                        let text = String(buffer: response.body)
                        #expect(response.status == .ok, "GET \(query): \(text)")
                        #expect(text.contains(want), "GET \(query): \(text)")
                        for other in others { #expect(!text.contains(other), "GET \(query): \(text)") }
                    }
                    try await http.execute(
                        uri: "/api/v1/query_exemplars", method: .post,
                        headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: query)
                    ) { response in
                        let text = String(buffer: response.body)
                        #expect(response.status == .ok, "POST \(query): \(text)")
                        #expect(text.contains(want), "POST \(query): \(text)")
                        for other in others { #expect(!text.contains(other), "POST \(query): \(text)") }
                    }
                }
            }
        }
    }

    @Test func overLongExemplarLabelsAreKeptAndCounted() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try makeStore(client), configuration: CorrelatorConfiguration()))
            let trace = "0123456789abcdef0123456789abcdef"
            let long = String(repeating: "x", count: 120)
            let body = "# TYPE c counter\nc_total 1 # {trace_id=\"\(trace)\",note=\"\(long)\"} 1 1795442837.1\n# EOF\n"
            try await app.test(.router) { http in
                let before = try await counterValue(http, ExemplarMetricNames.labelsOverLimit)
                try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: [.contentType: openMetricsType], body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .noContent)
                }
                let after = try await counterValue(http, ExemplarMetricNames.labelsOverLimit)
                #expect(after - before == 1)
            }
            #expect(try await exemplarRows(client).map(\.trace) == [trace])
        }
    }
}

/// The value of a counter in `/metrics` (0 when absent).
func counterValue(_ http: some TestClientProtocol, _ name: String) async throws -> Double {
    try await http.execute(uri: "/metrics", method: .get) { response in
        for line in String(buffer: response.body).split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }
}
