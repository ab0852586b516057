import Logging
import PostgresNIO

/// A span whose labelled samples spent time in a given function: the reverse jump.
public struct FunctionTrace: Sendable {
    public var traceID: String
    public var spanID: String
    public var spanName: String
    public var service: String
    public var profileID: String
    /// The function's flat and cum inside the span, in ``unit``.
    public var flat: Int64
    public var cum: Int64
    public var unit: String
    /// The span's own duration and start, when the span is stored.
    public var durationNanos: Int64?
    public var startNanos: Int64?
}

/// Finds the spans with samples in a function (from `span_profiles.top`, the span's top
/// functions by flat of the default sample type), heaviest first.
public struct FunctionTraceFinder: Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func traces(
        tenant: String, function: String, service: String?, range: TimeRange, limit: Int, cursor: PageCursor?
    ) async throws -> Page<FunctionTrace> {
        let offset = cursor.flatMap { Int($0.fields[0]) } ?? 0
        let query: PostgresQuery = """
            SELECT coalesce(encode(p.trace_id, 'hex'), encode(s.trace_id, 'hex')), encode(p.span_id, 'hex'),
                   coalesce(s.name, p.span_name, ''), coalesce(s.service, pr.service), p.profile_id,
                   (f ->> 'flat')::bigint, (f ->> 'cum')::bigint,
                   coalesce(pr.sample_types -> pr.default_sample_type ->> 'unit', ''), s.duration_ns, s.start_unix_nano
            FROM span_profiles p
            CROSS JOIN LATERAL jsonb_array_elements(p.top) AS f
            JOIN profiles pr ON pr.tenant = p.tenant AND pr.profile_id = p.profile_id AND pr.start_ts = p.start_ts
            LEFT JOIN LATERAL (
                SELECT sp.trace_id, sp.name, sp.service, sp.duration_ns, sp.start_unix_nano FROM spans sp
                WHERE sp.tenant = \(tenant) AND sp.span_id = p.span_id AND (p.trace_id IS NULL OR sp.trace_id = p.trace_id)
                LIMIT 1
            ) s ON true
            WHERE p.tenant = \(tenant)
              AND p.start_ts >= timestamptz 'epoch' + \(range.fromMicros) * interval '1 microsecond'
              AND p.start_ts < timestamptz 'epoch' + \(range.toMicros) * interval '1 microsecond'
              AND p.top @> jsonb_build_array(jsonb_build_object('function', \(function)::text))
              AND f ->> 'function' = \(function)
              AND (\(service)::text IS NULL OR pr.service = \(service))
              AND coalesce(p.trace_id, s.trace_id) IS NOT NULL
            ORDER BY (f ->> 'cum')::bigint DESC, (f ->> 'flat')::bigint DESC, s.duration_ns DESC NULLS LAST, p.span_id, p.profile_id
            LIMIT \(limit + 1) OFFSET \(offset)
            """
        var items: [FunctionTrace] = []
        let rows = try await client.query(query, logger: logger)
        for try await (traceID, spanID, name, service, profileID, flat, cum, unit, duration, start) in rows.decode(
            (String, String, String, String, String, Int64, Int64, String, Int64?, Int64?).self
        ) {
            items.append(FunctionTrace(traceID: traceID, spanID: spanID, spanName: name, service: service, profileID: profileID,
                                       flat: flat, cum: cum, unit: unit, durationNanos: duration, startNanos: start))
        }
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = PageCursor(["\(offset + limit)"]).encoded
        }
        return Page(items: items, nextCursor: next)
    }
}
