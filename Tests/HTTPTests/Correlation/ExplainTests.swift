import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import NIOCore
import ProfileIndex
import Testing
import TestSupport

/// "Why was this request slow?" over a workload whose causes are known: the Go program of
/// Tests/Fixtures/explain injected them (a CPU hotspot, lock contention, an I/O wait, a
/// regression after a deploy) and recorded each request's cause; the real Go runtime wrote
/// the profiles. Everything is posted as users post it, and every request asked about.
@Suite("Explain slow requests")
struct ExplainTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/explain/data")

    struct FixtureSpan: Decodable, Sendable {
        struct Cause: Decodable, Sendable {
            var kind: String
            var function: String
        }

        var trace_id: String
        var span_id: String
        var service: String
        var version: String
        var name: String
        var start_unix_nano: Int64
        var end_unix_nano: Int64
        var cause: Cause?
    }

    static func spans() throws -> [FixtureSpan] {
        let compressed = try Data(contentsOf: fixtures.appendingPathComponent("spans.json.gz"))
        let plain = try GzipInflater.inflate(ByteBuffer(bytes: compressed), limit: 64 << 20)
        return try JSONDecoder().decode([FixtureSpan].self, from: Data(plain.readableBytesView))
    }

    /// The spans as an OTLP/JSON export: one resource per service version.
    static func export(_ spans: [FixtureSpan]) throws -> ByteBuffer {
        let byVersion = Dictionary(grouping: spans, by: \.version)
        let body: [String: Any] = [
            "resourceSpans": byVersion.sorted { $0.key < $1.key }.map { version, spans in
                [
                    "resource": ["attributes": [
                        ["key": "service.name", "value": ["stringValue": "shop-api"]],
                        ["key": "service.version", "value": ["stringValue": version]],
                    ]],
                    "scopeSpans": [["spans": spans.map { span in
                        [
                            "traceId": span.trace_id, "spanId": span.span_id, "name": span.name, "kind": 2,
                            "startTimeUnixNano": String(span.start_unix_nano), "endTimeUnixNano": String(span.end_unix_nano),
                        ] as [String: Any]
                    }]],
                ] as [String: Any]
            },
        ]
        return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
    }

    static func post(_ http: any TestClientProtocol, _ uri: String, _ body: ByteBuffer, json: Bool = false) async throws {
        let status = try await http.execute(
            uri: uri, method: .post, headers: json ? [.contentType: "application/json"] : [:], body: body
        ) { $0.status }
        #expect(status.code < 300, "\(uri): \(status)")
    }

    /// Whether the first cause is the injected one.
    static func matches(_ cause: [String: Any]?, _ injected: FixtureSpan.Cause) -> Bool {
        guard let cause, cause["function"] as? String == injected.function, let kind = cause["kind"] as? String else { return false }
        switch injected.kind {
        case "cpu": return kind == "slower_than_peers" || kind == "peer_evidence"
        default: return kind == injected.kind
        }
    }

    /// The fixture posted through the ingest routes: spans, then every profile.
    static func withWorkload(_ body: @Sendable @escaping (any TestClientProtocol, [FixtureSpan], Store) async throws -> Void) async throws {
        let spans = try Self.spans()
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                try await Self.post(http, "/v1/traces", try Self.export(spans), json: true)
                let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { $0.hasSuffix(".pb.gz") }.sorted()
                for file in files {
                    let type = String(file.prefix { $0 != "-" && $0 != "." })
                    let bytes = try Data(contentsOf: Self.fixtures.appendingPathComponent(file))
                    try await Self.post(http, "/api/v1/profiles?service=shop-api&type=\(type)&id=\(file)", ByteBuffer(bytes: bytes))
                }
                try await body(http, spans, store)
            }
        }
    }

    @Test func theInjectedCauseIsRankedFirstAndNormalRequestsGetNoConfidentCause() async throws {
        try await Self.withWorkload { http, spans, _ in
            do {

                var right: [String: (right: Int, asked: Int)] = [:]
                var ownless = (peerEvidence: 0, total: 0)
                var confidentControl: [String] = []
                var controlAsked = 0
                for (index, span) in spans.enumerated() where span.cause != nil || index % 4 == 0 {
                    let answer = try await http.execute(uri: "/api/v1/traces/\(span.trace_id)/explain", method: .get) { response in
                        #expect(response.status == .ok, "\(span.trace_id): \(response.status)")
                        return (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
                    }
                    let causes = answer["causes"] as? [[String: Any]] ?? []
                    if let injected = span.cause {
                        let key = "\(injected.kind) \(injected.function)"
                        let good = Self.matches(causes.first, injected)
                        right[key, default: (0, 0)].asked += 1
                        if good { right[key, default: (0, 0)].right += 1 }
                        if injected.kind == "cpu", ((answer["request"] as? [String: Any])?["own_samples"] as? Int ?? 0) < 2 {
                            ownless.total += 1
                            if causes.first?["kind"] as? String == "peer_evidence" { ownless.peerEvidence += 1 }
                        }
                    } else {
                        controlAsked += 1
                        if causes.contains(where: { $0["confidence"] as? String == "high" }) {
                            confidentControl.append("\(span.name) \(span.span_id): \(causes.first?["summary"] ?? "")")
                        }
                    }
                }
                for (key, tally) in right.sorted(by: { $0.key < $1.key }) {
                    print("explain: \(key): injected cause first for \(tally.right) of \(tally.asked) slow requests")
                    #expect(tally.right * 100 >= tally.asked * 95, "\(key): \(tally.right) of \(tally.asked)")
                }
                print("explain: slow CPU requests without own samples: \(ownless.peerEvidence) of \(ownless.total) explained by peer evidence")
                print("explain: control requests with a high-confidence cause: \(confidentControl.count) of \(controlAsked)")
                #expect(ownless.total > 0, "the fixture has slow requests without samples of their own")
                #expect(confidentControl.isEmpty, "\(confidentControl.prefix(5))")
            }
        }
    }

    /// The first cause travels with the request: the trace page shows the explanation above
    /// the spans, `/api/v1/slow-requests` rows and the overview carry it.
    @Test func theTracePageSlowRequestsAndTheOverviewCarryTheCause() async throws {
        try await Self.withWorkload { http, spans, store in
            let pay = try #require(spans.filter { $0.cause?.function == "main.recordPayment" }.max { $0.end_unix_nano - $0.start_unix_nano < $1.end_unix_nano - $1.start_unix_nano })
            let (status, _, page) = try await getPage(http, "/ui/traces/\(pay.trace_id)")
            #expect(status == .ok)
            #expect(page.contains("id=\"explanation\""))
            #expect(page.contains("<code class=\"cause-function\">main.recordPayment</code>"))

            // The slow request as a Prometheus client would record it: a histogram bucket exemplar.
            let seconds = Double(pay.end_unix_nano - pay.start_unix_nano) / 1e9
            let at = Double(pay.end_unix_nano) / 1e9
            let exposition = """
                # TYPE http_server_request_duration_seconds histogram
                http_server_request_duration_seconds_bucket{service="shop-api",route="/pay",le="1"} 1 # {trace_id="\(pay.trace_id)",span_id="\(pay.span_id)"} \(seconds) \(at)
                http_server_request_duration_seconds_bucket{service="shop-api",route="/pay",le="+Inf"} 1
                http_server_request_duration_seconds_sum{service="shop-api",route="/pay"} \(seconds)
                http_server_request_duration_seconds_count{service="shop-api",route="/pay"} 1
                # EOF

                """
            let posted = try await http.execute(
                uri: "/api/v1/exemplars", method: .post, headers: [.contentType: "application/openmetrics-text; version=1.0.0"],
                body: ByteBuffer(string: exposition)
            ) { $0.status }
            #expect(posted.code < 300)
            let range = "from=\(pay.start_unix_nano / 1_000_000_000 - 60)&to=\(pay.end_unix_nano / 1_000_000_000 + 60)"
            let rows = try await http.execute(uri: "/api/v1/slow-requests?\(range)", method: .get) { response in
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["slow_requests"] as? [[String: Any]] ?? []
            }
            let cause = rows.first?["cause"] as? [String: Any]
            #expect(cause?["kind"] as? String == "off_cpu" && cause?["function"] as? String == "main.recordPayment", "\(rows.first ?? [:])")
            let (_, _, overview) = try await getPage(http, "/ui/?\(range)")
            #expect(overview.contains("off cpu: main.recordPayment"))

            // An alert's example slow requests (a hotspot rule on main.applyPromotions) carry theirs.
            let first = Date(timeIntervalSince1970: Double(spans.first!.start_unix_nano) / 1e9 - 60)
            let last = Date(timeIntervalSince1970: Double(spans.last!.end_unix_nano) / 1e9 + 60)
            let finder = ExampleTraceFinder(client: store.client, tenant: "default", externalURL: "http://c", explainer: RequestExplainer(store: store))
            let examples = try await finder.examples(service: "shop-api", function: "main.applyPromotions", start: first, end: last)
            #expect(!examples.isEmpty)
            #expect(examples.allSatisfy { $0.cause?.function == "main.applyPromotions" }, "\(examples.map { $0.cause?.summary ?? "none" })")
            let evidence = AlertEvidence(details: [:], points: [], exampleTraces: examples)
            #expect(evidence.annotations["example_cause"]?.contains("main.applyPromotions") == true)
        }
    }
}
