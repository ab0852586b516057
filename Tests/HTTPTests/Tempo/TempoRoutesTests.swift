import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Tempo's trace-by-id API over the Go fixture: a slow request's spans and the CPU profile
/// whose samples are labelled with their span ids (the fixture's golden -tags lists them).
@Suite("Tempo trace API")
struct TempoRoutesTests {
    /// Stores every span of one slow trace of the fixture and the CPU profile; returns the
    /// trace and the span ids of the trace that have samples in the profile.
    static func storeSlowTrace(_ data: CorrelationTestData) async throws -> (trace: String, spans: [FixtureSpan], profiled: Set<String>) {
        let all = try FixtureSpan.load()
        try await data.ensurePartitions(from: all.map(\.startUnixNano).min()! - 86_400_000_000_000, to: all.map(\.endUnixNano).max()! + 86_400_000_000_000)
        let profile = try await data.profile(id: "cpu-fixture", service: "checkout-api", raw: try CorrelationTestData.fixture("cpu.pb.gz"))
        let labelled = Set(profile.spanBreakdown().map(\.spanID))
        let slow = try #require(all.first { $0.slow && labelled.contains($0.spanID) })
        let spans = all.filter { $0.traceID == slow.traceID }
        for span in spans {
            try await data.span(trace: span.traceID, span: span.spanID, service: span.service, name: span.name, start: span.startUnixNano, duration: span.endUnixNano - span.startUnixNano)
        }
        return (slow.traceID, spans, Set(spans.map(\.spanID)).intersection(labelled))
    }

    @Test func traceByIDInTempoJSONAndProtobufWithProfileIDs() async throws {
        try await withCorrelationApp { data, http in
            let (trace, spans, profiled) = try await Self.storeSlowTrace(data)
            #expect(!profiled.isEmpty)
            // v1 JSON: {"batches": [...]}, Tempo's shape.
            let (status, json) = try await getJSON(http, "/api/traces/\(trace)")
            #expect(status == .ok)
            let batches = json?["batches"] as? [[String: Any]] ?? []
            let stored = batches.flatMap { ($0["scopeSpans"] as? [[String: Any]] ?? []).flatMap { $0["spans"] as? [[String: Any]] ?? [] } }
            #expect(Set(stored.compactMap { $0["spanId"] as? String }) == Set(spans.map(\.spanID)))
            #expect(stored.allSatisfy { $0["traceId"] as? String == trace })
            for span in stored {
                let attributes = span["attributes"] as? [[String: Any]] ?? []
                let profileID = attributes.first { $0["key"] as? String == "pyroscope.profile.id" }.flatMap { ($0["value"] as? [String: Any])?["stringValue"] as? String }
                let id = span["spanId"] as? String ?? ""
                #expect(profileID == (profiled.contains(id) ? id : nil), "span \(id): pyroscope.profile.id \(profileID ?? "none")")
            }
            let service = (batches.first?["resource"] as? [String: Any])?["attributes"] as? [[String: Any]]
            #expect(service?.contains { $0["key"] as? String == "service.name" } == true)

            // v1 protobuf: wire-identical to an OTLP export, so our own OTLP decoder reads it back.
            let bytes = try await http.execute(uri: "/api/traces/\(trace)", method: .get, headers: [.accept: "application/protobuf"]) { response in
                #expect(response.headers[.contentType] == "application/protobuf")
                return [UInt8](buffer: response.body)
            }
            let decoded = try bytes.withUnsafeBytes { try OTLPTraceDecoder().decode(protobuf: $0) }
            #expect(decoded.spans.count == spans.count)

            // v2: {"trace": {"resourceSpans": [...]}}.
            let (_, v2) = try await getJSON(http, "/api/v2/traces/\(trace)")
            #expect(((v2?["trace"] as? [String: Any])?["resourceSpans"] as? [Any])?.count == batches.count)

            let (missing, _) = try await getJSON(http, "/api/traces/0af7651916cd43dd8448eb211c80319c")
            #expect(missing == .notFound)
            let (bad, _) = try await getJSON(http, "/api/traces/xyz")
            #expect(bad == .badRequest)
            let echo = try await http.execute(uri: "/api/echo", method: .get) { String(buffer: $0.body) }
            #expect(echo == "echo")
        }
    }

    /// Search by tags, duration and time; tag names and values; bad parameters say which.
    @Test func searchFindsTracesByTagsAndDuration() async throws {
        try await withCorrelationApp { data, http in
            let (trace, spans, _) = try await Self.storeSlowTrace(data)
            let start = spans.map(\.startUnixNano).min()! / 1_000_000_000
            let end = spans.map(\.endUnixNano).max()! / 1_000_000_000 + 1
            let duration = (spans.map(\.endUnixNano).max()! - spans.map(\.startUnixNano).min()!) / 1_000_000
            let root = try #require(spans.min { $0.startUnixNano < $1.startUnixNano })
            let range = "start=\(start)&end=\(end)"
            func traces(_ query: String) async throws -> [[String: Any]] {
                let (status, json) = try await getJSON(http, "/api/search?\(range)&\(query)")
                #expect(status == .ok, "\(query)")
                return json?["traces"] as? [[String: Any]] ?? []
            }
            let byService = try await traces("tags=service.name%3D\(root.service)")
            #expect(byService.map { $0["traceID"] as? String } == [trace])
            #expect(byService.first?["rootServiceName"] as? String == root.service)
            #expect(byService.first?["durationMs"] as? Int == Int(duration))
            let byName = try await traces("tags=name%3D%22\(root.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)%22")
            #expect(byName.count == 1, "span name in quotes")
            #expect(try await traces("tags=service.name%3Dnobody").isEmpty)
            #expect(try await traces("minDuration=\(duration + 1)ms").isEmpty)
            #expect(try await traces("minDuration=\(max(duration - 1, 0))ms&maxDuration=1h").count == 1)
            let (badDuration, _) = try await getJSON(http, "/api/search?minDuration=fast")
            #expect(badDuration == .badRequest)
            let (badTags, _) = try await getJSON(http, "/api/search?tags=novalue")
            #expect(badTags == .badRequest)

            // Attributes as the span writer stores them, on the root span.
            try await data.client.query("""
                UPDATE spans SET attributes = '{"span": {"http.route": "/invoice", "retries": 2}, "resource": {"host.name": "h-1"}}'
                WHERE span_id = decode(\(root.spanID), 'hex')
                """)
            let (_, tags) = try await getJSON(http, "/api/v2/search/tags?\(range)")
            let scopes = tags?["scopes"] as? [[String: Any]] ?? []
            #expect(scopes.first { $0["name"] as? String == "resource" }?["tags"] as? [String] == ["host.name", "service.name"])
            #expect(scopes.first { $0["name"] as? String == "span" }?["tags"] as? [String] == ["http.route", "retries"])
            let (_, routes) = try await getJSON(http, "/api/v2/search/tag/span.http.route/values?\(range)")
            #expect((routes?["tagValues"] as? [[String: String]])?.map { $0["value"] } == ["/invoice"])
            #expect(try await traces("tags=http.route%3D/invoice%20host.name%3Dh-1").count == 1, "span and resource attributes of one span")
            #expect(try await traces("tags=http.route%3D/other").isEmpty)
            let (_, values) = try await getJSON(http, "/api/v2/search/tag/resource.service.name/values?\(range)")
            #expect((values?["tagValues"] as? [[String: String]])?.map { $0["value"] } == [root.service])
            let (_, names) = try await getJSON(http, "/api/v2/search/tag/name/values?\(range)")
            #expect(Set((names?["tagValues"] as? [[String: String]] ?? []).compactMap { $0["value"] }) == Set(spans.map(\.name)))
        }
    }
}
