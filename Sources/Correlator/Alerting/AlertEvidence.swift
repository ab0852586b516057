import Foundation
import PostgresNIO
import Rules

/// What an alert carries to prove itself: the numbers behind the decision and example slow
/// requests whose spans ran the offending function, with links that open them.
public struct AlertEvidence: Sendable, Hashable, Codable {
    /// One point of the series the condition was computed from.
    public struct Point: Sendable, Hashable, Codable {
        public var time: Date
        public var value: Double
        public var total: Double
    }

    /// A request (trace) whose spans have samples in the function, slowest first.
    public struct ExampleTrace: Sendable, Hashable, Codable {
        public var traceID: String
        public var spanName: String?
        /// The slowest of its profiled spans, when the spans are stored.
        public var durationSeconds: Double?
        /// Samples of the function (its flat value in the span's top functions).
        public var samples: Double?
        /// Correlator's jump link to the trace (and from there its profiles).
        public var jumpURL: String
        /// The built-in trace page.
        public var uiURL: String
        /// Why this request was slow: the first cause of its explanation, when one was found.
        public var cause: ExplainedCause?

        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id", spanName = "span_name", durationSeconds = "duration_seconds", samples
            case jumpURL = "jump_url", uiURL = "ui_url", cause
        }
    }

    /// The condition's numbers (`share`, `slope_per_hour`, …).
    public var details: [String: Double]
    /// The series values in the window, oldest first.
    public var points: [Point]
    /// Up to five example slow requests.
    public var exampleTraces: [ExampleTrace]

    enum CodingKeys: String, CodingKey {
        case details, points, exampleTraces = "example_traces"
    }

    public init(details: [String: Double], points: [Point], exampleTraces: [ExampleTrace]) {
        self.details = details.filter { $0.value.isFinite }
        self.points = points
        self.exampleTraces = exampleTraces
    }

    /// Annotations added to the rule's own: compact forms of the evidence that survive the trip
    /// through Alertmanager (which only carries strings).
    public var annotations: [String: String] {
        var result: [String: String] = [:]
        if !points.isEmpty {
            result["evidence_values"] = points.suffix(20).map { Self.format($0.value) }.joined(separator: " ")
        }
        if !exampleTraces.isEmpty {
            result["example_trace_ids"] = exampleTraces.map(\.traceID).joined(separator: " ")
            result["example_trace_url"] = exampleTraces[0].jumpURL
            if let cause = exampleTraces.lazy.compactMap(\.cause).first {
                result["example_cause"] = cause.summary
            }
        }
        return result
    }

    /// A number as alerts show it: integers without a fraction, others to 6 significant digits.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }
}

/// Finds example slow requests for an alert in `span_profiles` (joined with `spans` for
/// durations).
public struct ExampleTraceFinder: Sendable {
    public let client: PostgresClient
    public let tenant: String
    /// Base of the links, without a trailing slash.
    public let externalURL: String
    /// Explains each example (its first cause); nil: examples carry no cause.
    public let explainer: RequestExplainer?
    public static let limit = 5

    public init(client: PostgresClient, tenant: String, externalURL: String, explainer: RequestExplainer? = nil) {
        self.client = client
        self.tenant = tenant
        self.externalURL = externalURL
        self.explainer = explainer
    }

    /// Traces of `service` with profiled spans (in profiles of any type) between `start` and `end` whose top functions
    /// include `function` (any function when nil), slowest first. The span rows (with their
    /// profiles) are read first, then their stored spans: on Citus the two are distributed on
    /// different columns and are joined only through the materialized rows.
    public func examples(service: String, function: String?, start: Date, end: Date) async throws -> [AlertEvidence.ExampleTrace] {
        let pattern = function.map { "[{\"function\": \(Self.jsonString($0))}]" } ?? "[]"
        let rows = try await client.query(
            """
            WITH sp AS MATERIALIZED (
                SELECT sp.trace_id, sp.span_id, sp.span_name,
                       (SELECT sum((t->>'flat')::float8) FROM jsonb_array_elements(sp.top) t WHERE t->>'function' = \(function ?? "")) AS samples
                FROM span_profiles sp
                JOIN profiles p ON p.tenant = sp.tenant AND p.profile_id = sp.profile_id AND p.start_ts = sp.start_ts
                WHERE sp.tenant = \(tenant) AND sp.trace_id IS NOT NULL
                  AND sp.start_ts >= \(start) AND sp.start_ts <= \(end)
                  AND p.service = \(service)
                  AND sp.top @> \(pattern)::jsonb
            ), s AS MATERIALIZED (
                SELECT s.trace_id, s.span_id, s.duration_ns FROM spans s
                WHERE s.tenant = \(tenant) AND s.trace_id IN (SELECT trace_id FROM sp)
            )
            SELECT encode(sp.trace_id, 'hex'), min(sp.span_name), max(s.duration_ns), max(sp.samples)
            FROM sp
            LEFT JOIN s ON s.span_id = sp.span_id AND s.trace_id = sp.trace_id
            GROUP BY sp.trace_id
            ORDER BY max(s.duration_ns) DESC NULLS LAST, 4 DESC NULLS LAST, 1
            LIMIT \(Self.limit)
            """
        )
        var result: [AlertEvidence.ExampleTrace] = []
        for try await (traceID, spanName, duration, samples) in rows.decode((String, String?, Int64?, Double?).self) {
            result.append(
                AlertEvidence.ExampleTrace(
                    traceID: traceID, spanName: spanName, durationSeconds: duration.map { Double($0) / 1e9 },
                    samples: samples, jumpURL: "\(externalURL)/jump/trace/\(traceID)", uiURL: "\(externalURL)/ui/traces/\(traceID)"
                )
            )
        }
        if let explainer, !result.isEmpty {
            let causes = try await explainer.firstCauses(tenant: tenant, requests: result.map { ($0.traceID, nil) }, limit: Self.limit)
            for index in result.indices { result[index].cause = causes[result[index].traceID] }
        }
        return result
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
