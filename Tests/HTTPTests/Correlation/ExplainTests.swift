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

    @Test func theInjectedCauseIsRankedFirstAndNormalRequestsGetNoConfidentCause() async throws {
        let spans = try Self.spans()
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                try await Self.post(http, "/v1/traces", try Self.export(spans), json: true)
                let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { $0.hasSuffix(".pb.gz") }.sorted()
                for file in files {
                    let type = String(file.prefix { $0 != "-" && $0 != "." })
                    let bytes = try Data(contentsOf: Self.fixtures.appendingPathComponent(file))
                    try await Self.post(http, "/api/v1/profiles?service=shop-api&type=\(type)&id=\(file)", ByteBuffer(bytes: bytes))
                }

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
}
