import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Span-group merges (`span_name`, `min_duration`, `slowest`): the samples of a group of spans
/// merged, over the real Go workload of Tests/Fixtures/pprof-go119 (its CPU profile, whose
/// samples carry `span_id` labels, and the spans that ran) posted as a user posts them.
///
/// Goldens: `go tool pprof -top -nodecount=1000000 -nodefraction=0 -edgefraction=0
/// -sample_index=cpu -unit=ns -tagfocus=span_id=IDS cpu.pb.gz`, IDS taken from spans.json
/// (duration = end − start):
/// - `span-groups/checkout-min25ms.cpu.top.txt`: the `GET /checkout` spans of at least 25 ms (28);
/// - `span-groups/invoice-slowest10.cpu.top.txt`: the slowest 10 % of the 277 `GET /invoice` spans,
///   rounded up (28), by duration, then span id.
@Suite("Span-group merges")
struct SpanGroupMergeTests {
    typealias Merged = MergedProfileRoutesTests
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/pprof-go119")

    struct FixtureSpan: Decodable {
        var trace_id: String
        var span_id: String
        var service: String
        var name: String
        var start_unix_nano: Int64
        var end_unix_nano: Int64
    }

    /// The workload's spans as an OTLP/JSON export.
    static func export(_ spans: [FixtureSpan]) throws -> ByteBuffer {
        let body: [String: Any] = [
            "resourceSpans": [[
                "resource": ["attributes": [["key": "service.name", "value": ["stringValue": "checkout-api"]]]],
                "scopeSpans": [["spans": spans.map { span in
                    [
                        "traceId": span.trace_id, "spanId": span.span_id, "name": span.name, "kind": 2,
                        "startTimeUnixNano": String(span.start_unix_nano), "endTimeUnixNano": String(span.end_unix_nano),
                    ] as [String: Any]
                }]],
            ]],
        ]
        return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
    }

    static func withWorkload(
        withoutSpanStacks: Bool = false, _ body: @Sendable @escaping (any TestClientProtocol, String) async throws -> Void
    ) async throws {
        let spans = try JSONDecoder().decode([FixtureSpan].self, from: Data(contentsOf: fixtures.appendingPathComponent("spans.json")))
        let range = "from=\(spans.map(\.start_unix_nano).min()! / 1_000_000_000 - 1)&to=\(spans.map(\.end_unix_nano).max()! / 1_000_000_000 + 2)"
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                let exported = try await http.execute(
                    uri: "/v1/traces", method: .post, headers: [.contentType: "application/json"], body: try export(spans)
                ) { $0.status }
                #expect(exported == .ok)
                let profile = try Data(contentsOf: fixtures.appendingPathComponent("cpu.pb.gz"))
                let posted = try await http.execute(
                    uri: "/api/v1/profiles?service=checkout-api&type=cpu", method: .post, body: ByteBuffer(bytes: profile)
                ) { $0.status }
                #expect(posted.code < 300)
                if withoutSpanStacks {
                    // As rows stored before migration 0012: no stacks of their own.
                    try await client.query("UPDATE span_profiles SET stack_ids = NULL, stack_values = NULL")
                }
                try await body(http, range)
            }
        }
    }

    static func goldenRows(_ name: String) throws -> [String: (flat: Double, cum: Double)] {
        try Merged.goldenRows(name, in: fixtures.appendingPathComponent("span-groups"))
    }

    func expectTop(_ http: any TestClientProtocol, _ uri: String, golden name: String, spans: Int) async throws {
        let golden = try Self.goldenRows(name)
        let top = try await Merged.json(http, uri + "&limit=100000")
        #expect(top["spans"] as? Int == spans, "\(uri)")
        #expect(top["total"] as? Int64 == Int64(golden.values.reduce(0) { $0 + $1.flat }), "\(uri)")
        var ours: [String: (flat: Double, cum: Double)] = [:]
        for entry in top["functions"] as? [[String: Any]] ?? [] {
            let name = entry["function"] as? String ?? ""
            let previous = ours[name] ?? (0, 0)
            ours[name] = (previous.flat + (entry["flat"] as? Double ?? 0), previous.cum + (entry["cum"] as? Double ?? 0))
        }
        #expect(ours.count == golden.count, "\(uri): \(ours.count) functions, pprof \(golden.count)")
        for (function, row) in golden {
            #expect(ours[function]?.flat == row.flat && ours[function]?.cum == row.cum, "\(function): \(String(describing: ours[function])) vs pprof \(row)")
        }
    }

    @Test func spanNameAndMinimumDurationMergeThoseSpansSamples() async throws {
        try await Self.withWorkload { http, range in
            try await expectTop(
                http, "/api/v1/query/top?service=checkout-api&type=cpu&sample_type=cpu&span_name=GET%20/checkout&min_duration=25ms&\(range)",
                golden: "checkout-min25ms.cpu.top.txt", spans: 28
            )
        }
    }

    @Test func slowestPercentOfARouteMergesItsSlowestSpans() async throws {
        try await Self.withWorkload { http, range in
            try await expectTop(
                http, "/api/v1/query/top?service=checkout-api&type=cpu&sample_type=cpu&span_name=GET%20/invoice&slowest=10%25&\(range)",
                golden: "invoice-slowest10.cpu.top.txt", spans: 28
            )
            // The flame graph of the same group has the same total.
            let graph = try await Merged.json(http, "/api/v1/query/flamegraph?service=checkout-api&type=cpu&sample_type=cpu&span_name=GET%20/invoice&slowest=10&\(range)")
            let golden = try Self.goldenRows("invoice-slowest10.cpu.top.txt")
            #expect((graph["root"] as? [String: Any])?["total"] as? Int64 == Int64(golden.values.reduce(0) { $0 + $1.flat }))
        }
    }

    @Test func spanRowsWithoutTheirOwnStacksAreReadFromThePprof() async throws {
        try await Self.withWorkload(withoutSpanStacks: true) { http, range in
            try await expectTop(
                http, "/api/v1/query/top?service=checkout-api&type=cpu&sample_type=cpu&span_name=GET%20/invoice&slowest=10%25&\(range)",
                golden: "invoice-slowest10.cpu.top.txt", spans: 28
            )
        }
    }

    @Test func badGroupParametersAre400AndAnEmptyGroupIsAnEmptyMerge() async throws {
        try await Self.withWorkload { http, range in
            _ = try await Merged.json(http, "/api/v1/query/top?service=checkout-api&slowest=0&\(range)", expect: .badRequest)
            _ = try await Merged.json(http, "/api/v1/query/top?service=checkout-api&slowest=101%25&\(range)", expect: .badRequest)
            _ = try await Merged.json(http, "/api/v1/query/top?service=checkout-api&min_duration=fast&\(range)", expect: .badRequest)
            let empty = try await Merged.json(http, "/api/v1/query/top?service=checkout-api&span_name=nope&\(range)")
            #expect(empty["spans"] as? Int == 0)
            #expect(empty["total"] as? Int64 == 0)
        }
    }
}
