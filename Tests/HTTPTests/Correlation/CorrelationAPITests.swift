import Correlator
import Foundation
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ProfileIndex
import Testing
import TestSupport

/// Runs `body` with a router over a fresh database and a test-data builder.
func withCorrelationApp(
    configuration: CorrelatorConfiguration = CorrelatorConfiguration(),
    _ body: @Sendable @escaping (CorrelationTestData, any TestClientProtocol) async throws -> Void
) async throws {
    try await TestDatabase.withFreshDatabase { client, _ in
        let logger = Logger(label: "test")
        let store = Store(
            client: client, target: "test database",
            migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger
        )
        let app = Application(router: buildRouter(store: store, configuration: configuration))
        let data = CorrelationTestData(client: client)
        try await app.test(.router) { http in
            try await body(data, http)
        }
    }
}

/// GETs `uri` and returns the status and the JSON body (nil when not JSON).
func getJSON(_ http: any TestClientProtocol, _ uri: String, tenant: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]?) {
    var headers = HTTPFields()
    if let tenant { headers[HTTPField.Name("X-Scope-OrgID")!] = tenant }
    return try await http.execute(uri: uri, method: .get, headers: headers) { response in
        let object = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return (response.status, object)
    }
}

private let second: Int64 = 1_000_000_000

@Suite("Correlation API: trace → profile links on a real PostgreSQL")
struct CorrelationAPITests {
    /// Every link kind of DESIGN.md, strongest first, with its evidence.
    @Test func everyLinkKindStrongestFirst() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.jumpLinks = JumpLinkTemplates([
            "jaeger": "http://jaeger.local/trace/{{trace_id}}?uiFind={{span_id}}",
            "grafana": "http://grafana.local/explore?span={{span_id}}&profile={{profile_id}}&from={{start_ms}}",
        ])
        try await withCorrelationApp(configuration: configuration) { data, http in
            let cpu = try CorrelationTestData.fixture("cpu.pb.gz")
            let heap = try CorrelationTestData.fixture("heap.pb.gz")
            let block = try CorrelationTestData.fixture("block.pb.gz")
            let profile = try pprofTime(cpu)
            let t0 = profile.start
            try await data.ensurePartitions(from: t0 - 3600 * second, to: t0 + 3600 * second)
            // cpu-1 has samples labelled with span ad0338ddcc3e722a (pprof: 80ms, top crypto/sha256.block).
            try await data.profile(id: "cpu-1", service: "checkout-api", raw: cpu, start: t0)
            // A heap profile named by a span attribute, one named by an exemplar, one only in the window.
            try await data.profile(id: "heap-attr", service: "other", type: "heap", raw: heap, start: t0)
            try await data.profile(id: "heap-exemplar", service: "other", type: "heap", raw: heap, start: t0 + 1)
            try await data.profile(id: "block-window", service: "checkout-api", type: "block", raw: block, start: t0 + 2 * second, duration: 10 * second)
            let trace = "0123456789abcdef0123456789abcdef"
            try await data.span(trace: trace, span: "ad0338ddcc3e722a", service: "checkout-api", name: "GET /checkout",
                                start: t0 + second, duration: 2 * second)
            try await data.span(trace: trace, span: "1111111111111111", parent: "ad0338ddcc3e722a", service: "checkout-api",
                                name: "render", start: t0 + second, duration: second / 2, profileID: "heap-attr")
            // The attribute names a span id whose samples are labelled (the other meaning).
            try await data.span(trace: trace, span: "2222222222222222", parent: "ad0338ddcc3e722a", service: "checkout-api",
                                name: "hash", start: t0 + second, duration: second / 4, profileID: "2FC0A57A13D912B8")
            try await data.exemplar(metric: "http_server_request_duration_seconds_bucket", series: ["service": "checkout-api", "le": "5"],
                                    value: 2, time: t0 + 3 * second, trace: trace, span: "ad0338ddcc3e722a", profileID: "heap-exemplar")

            let (status, body) = try await getJSON(http, "/api/v1/traces/\(trace.uppercased())/profiles")
            #expect(status == .ok)
            let links = try #require(body?["links"] as? [[String: Any]])
            #expect(body?["trace_id"] as? String == trace)
            let kinds = links.map { $0["kind"] as? String ?? "" }
            #expect(kinds == ["span_samples", "span_attribute", "span_attribute", "exemplar", "time_window"], "\(links)")

            let samples = links[0]
            #expect(samples["span_id"] as? String == "ad0338ddcc3e722a")
            #expect(samples["profile_id"] as? String == "cpu-1")
            #expect(samples["top_scope"] as? String == "span")
            let top = try #require(samples["top"] as? [[String: Any]])
            // go tool pprof -top -tagfocus span_id=ad0338ddcc3e722a: 80ms crypto/sha256.block.
            #expect(top.first?["function"] as? String == "crypto/sha256.block")
            #expect(top.first?["flat"] as? Int == 80_000_000)
            #expect(top.first?["unit"] as? String == "nanoseconds")
            #expect(samples["start"] as? String == Timestamp.rfc3339(t0))
            let jump = try #require(samples["jump"] as? [String: String])
            #expect(jump["profile"] == "/ui/profiles/cpu-1?span_id=ad0338ddcc3e722a")
            #expect(jump["jaeger"] == "http://jaeger.local/trace/\(trace)?uiFind=ad0338ddcc3e722a")
            #expect(jump["grafana"] == "http://grafana.local/explore?span=ad0338ddcc3e722a&profile=cpu-1&from=\(t0 / 1_000_000)")

            let attributeLinks = links.filter { $0["kind"] as? String == "span_attribute" }
            #expect(Set(attributeLinks.compactMap { $0["profile_id"] as? String }) == ["heap-attr", "cpu-1"])
            let bySpanID = try #require(attributeLinks.first { $0["span_id"] as? String == "2222222222222222" })
            #expect(bySpanID["top_scope"] as? String == "span")
            let byProfileID = try #require(attributeLinks.first { $0["span_id"] as? String == "1111111111111111" })
            #expect(byProfileID["top_scope"] as? String == "profile")
            #expect(byProfileID["profile_type"] as? String == "heap")
            #expect((byProfileID["top"] as? [[String: Any]])?.isEmpty == false)

            #expect(links[3]["profile_id"] as? String == "heap-exemplar")
            let window = links[4]
            #expect(window["profile_id"] as? String == "block-window")
            #expect(window["span_id"] as? String == "ad0338ddcc3e722a")  // the service's longest span
            // The span runs t0+1s…t0+3s, the profile t0+2s…t0+12s: half the span.
            let overlap = try #require(window["overlap"] as? Double)
            #expect(abs(overlap - 0.5) < 1e-9)
            #expect(links[0]["overlap"] == nil)

            // Jump: 302 to the strongest link's page filtered to the span.
            try await http.execute(uri: "/jump/trace/\(trace)", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/ui/profiles/cpu-1?span_id=ad0338ddcc3e722a")
            }
            // Another tenant sees nothing.
            let (otherStatus, _) = try await getJSON(http, "/api/v1/traces/\(trace)/profiles", tenant: "someone-else")
            #expect(otherStatus == .notFound)
        }
    }

    @Test func unknownTraceIs404AndUnlinkedTraceHasAReason() async throws {
        try await withCorrelationApp { data, http in
            let now = Timestamp.now()
            try await data.ensurePartitions(from: now, to: now)
            let (unknown, _) = try await getJSON(http, "/api/v1/traces/0123456789abcdef0123456789abcdef/profiles")
            #expect(unknown == .notFound)
            let (bad, badBody) = try await getJSON(http, "/api/v1/traces/xyz/profiles")
            #expect(bad == .badRequest)
            #expect((badBody?["error"] as? [String: Any])?["message"] as? String != nil)

            try await data.span(trace: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", span: "bbbbbbbbbbbbbbbb", service: "payments", name: "POST /pay",
                                start: now - second, duration: second / 2)
            let (status, body) = try await getJSON(http, "/api/v1/traces/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/profiles")
            #expect(status == .ok)
            #expect((body?["links"] as? [Any])?.isEmpty == true)
            let reason = try #require(body?["reason"] as? String)
            #expect(reason.hasPrefix("no profiles for service payments between \(Timestamp.rfc3339(now - second))"), "\(reason)")
            try await http.execute(uri: "/jump/trace/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", method: .get) { response in
                #expect(response.status == .notFound)
            }

            // Known from an exemplar only: the reason names the exemplar's time.
            let exemplarTime = (now - second) / 1_000_000 * 1_000_000
            try await data.exemplar(metric: "http_request_duration_seconds_bucket", series: ["le": "0.5"], value: 0.3, time: exemplarTime,
                                    trace: "cccccccccccccccccccccccccccccccc")
            let (exemplarStatus, exemplarBody) = try await getJSON(http, "/api/v1/traces/cccccccccccccccccccccccccccccccc/profiles")
            #expect(exemplarStatus == .ok)
            #expect(exemplarBody?["reason"] as? String == "no spans stored for this trace (exemplar at \(Timestamp.rfc3339(exemplarTime))), and its exemplars carry no profile id of a stored profile")
        }
    }

    /// The issue's correctness test on the Go fixtures, checked against `go tool pprof`.
    @Test func fixtureSlowRequestsLinkToTheirSpansSamples() async throws {
        try await withCorrelationApp { data, http in
            let cpu = try CorrelationTestData.fixture("cpu.pb.gz")
            let spans = try FixtureSpan.load()
            let exemplars = try FixtureExemplar.load()
            let first = spans.map(\.startUnixNano).min()!
            let last = spans.map(\.endUnixNano).max()!
            try await data.ensurePartitions(from: first - 3600 * second, to: last + 3600 * second)
            try await data.profile(id: "cpu-fixture", service: "checkout-api", raw: cpu)
            for span in spans {
                try await data.span(trace: span.traceID, span: span.spanID, service: span.service, name: span.name,
                                    start: span.startUnixNano, duration: span.endUnixNano - span.startUnixNano)
            }
            for exemplar in exemplars {
                try await data.exemplar(metric: exemplar.metric, series: exemplar.series, value: exemplar.value,
                                        time: exemplar.timeNanos, trace: exemplar.traceID, span: exemplar.spanID)
            }
            let golden = try SlowSpanGolden.load()
            let slow = spans.filter(\.slow)
            #expect(slow.count == golden.count && !slow.isEmpty)
            for span in slow {
                let expected = try #require(golden[span.spanID], "no golden line for \(span.spanID)")
                let (status, body) = try await getJSON(http, "/api/v1/traces/\(span.traceID)/profiles")
                #expect(status == .ok)
                let links = body?["links"] as? [[String: Any]] ?? []
                let link = links.first { $0["kind"] as? String == "span_samples" && $0["span_id"] as? String == span.spanID }
                let top = (link?["top"] as? [[String: Any]])?.first
                #expect(link != nil, "no span_samples link for slow span \(span.spanID)")
                #expect(expected.functions.contains(top?["function"] as? String ?? "?"), "span \(span.spanID): \(String(describing: top)) vs pprof \(expected)")
                #expect(top?["flat"] as? Int == expected.flatNanos, "span \(span.spanID)")
            }

            // Every exemplar resolves through /api/v1/slow-requests, with links.
            var seen: [String: [String: Any]] = [:]
            var cursor: String?
            repeat {
                let uri = "/api/v1/slow-requests?metric=http_server_request_duration_seconds&from=\(first / second - 60)&to=\(last / second + 60)&limit=4"
                    + (cursor.map { "&cursor=\($0)" } ?? "")
                let (status, body) = try await getJSON(http, uri)
                #expect(status == .ok)
                let items = body?["slow_requests"] as? [[String: Any]] ?? []
                #expect(items.count <= 4)
                for item in items { seen[item["trace_id"] as? String ?? ""] = item }
                cursor = body?["next_cursor"] as? String
            } while cursor != nil
            #expect(seen.count == exemplars.count)
            for exemplar in exemplars {
                let item = try #require(seen[exemplar.traceID], "exemplar of trace \(exemplar.traceID) not listed")
                #expect(item["value"] as? Double == exemplar.value)
                #expect((item["labels"] as? [String: String])?["route"] == exemplar.series["route"])
                #expect((item["links"] as? [Any])?.isEmpty == false, "exemplar trace \(exemplar.traceID) has no link")
            }
            // Slowest first.
            let (_, firstPage) = try await getJSON(http, "/api/v1/slow-requests?from=\(first / second - 60)&to=\(last / second + 60)&limit=3&service=checkout-api")
            let values = (firstPage?["slow_requests"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? Double }
            #expect(values == Array(exemplars.map(\.value).sorted(by: >).prefix(3)))

            // The reverse jump: spans with samples in crypto/sha256.block, heaviest first.
            let (functionStatus, functionBody) = try await getJSON(
                http, "/api/v1/functions/traces?function=crypto/sha256.block&service=checkout-api&from=\(first / second - 600)&to=\(last / second + 60)&limit=5")
            #expect(functionStatus == .ok)
            let traces = functionBody?["traces"] as? [[String: Any]] ?? []
            #expect(traces.count == 5)
            let cums = traces.compactMap { $0["cum"] as? Int }
            #expect(cums == cums.sorted(by: >))
            #expect(traces.first?["span_id"] as? String == "ad0338ddcc3e722a")  // 80ms, the heaviest span in -tags
            #expect(functionBody?["next_cursor"] as? String != nil)
        }
    }
}

/// golden/cpu.slow-spans.tagfocus-top.txt: per slow span, the first row of
/// `go tool pprof -top -sample_index=cpu -tagfocus span_id=<id>` and the rows tying with it on flat.
struct SlowSpanGolden: CustomStringConvertible {
    var flatNanos: Int
    var functions: Set<String>

    var description: String { "\(flatNanos)ns \(functions.sorted())" }

    static func load() throws -> [String: SlowSpanGolden] {
        let text = String(decoding: try CorrelationTestData.fixture("golden/cpu.slow-spans.tagfocus-top.txt"), as: UTF8.self)
        var result: [String: SlowSpanGolden] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3 else { continue }
            let flat = fields[1]  // "0.03s" or "30ms"
            let seconds = flat.hasSuffix("ms") ? Double(flat.dropLast(2))! / 1000 : Double(flat.dropLast())!
            let names = fields[2].components(separatedBy: " | ").map { $0.replacingOccurrences(of: " (inline)", with: "") }
            result[String(fields[0])] = SlowSpanGolden(flatNanos: Int((seconds * 1e9).rounded()), functions: Set(names))
        }
        return result
    }
}

/// The profile's start as recorded in the pprof (Unix nanoseconds).
func pprofTime(_ raw: Data) throws -> (start: Int64, duration: Int64) {
    let profile = try PprofDecoder().decode([UInt8](raw))
    return (profile.timeNanos, profile.durationNanos)
}
