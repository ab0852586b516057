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
        // The spans' rows (with their profiles, co-located by profile id on Citus) first, then
        // the stored spans of their span ids (distributed by trace id on Citus): Citus joins
        // the two only through the materialized rows. Each row keeps one stored span, as the
        // LATERAL … LIMIT 1 this replaced did.
        let query: PostgresQuery = """
            WITH p AS MATERIALIZED (
                SELECT p.trace_id, p.span_id, p.span_name, p.profile_id, p.start_ts, f.n, pr.service,
                       (f.entry ->> 'flat')::bigint AS flat, (f.entry ->> 'cum')::bigint AS cum,
                       coalesce(pr.sample_types -> pr.default_sample_type ->> 'unit', '') AS unit
                FROM span_profiles p
                CROSS JOIN LATERAL jsonb_array_elements(p.top) WITH ORDINALITY AS f(entry, n)
                JOIN profiles pr ON pr.tenant = p.tenant AND pr.profile_id = p.profile_id AND pr.start_ts = p.start_ts
                WHERE p.tenant = \(tenant)
                  AND p.start_ts >= timestamptz 'epoch' + \(range.fromMicros) * interval '1 microsecond'
                  AND p.start_ts < timestamptz 'epoch' + \(range.toMicros) * interval '1 microsecond'
                  AND p.top @> jsonb_build_array(jsonb_build_object('function', \(function)::text))
                  AND f.entry ->> 'function' = \(function)
                  AND (\(service)::text IS NULL OR pr.service = \(service))
            ), s AS MATERIALIZED (
                SELECT sp.trace_id, sp.span_id, sp.name, sp.service, sp.duration_ns, sp.start_unix_nano FROM spans sp
                WHERE sp.tenant = \(tenant) AND sp.span_id IN (SELECT span_id FROM p)
            ), j AS (
                SELECT DISTINCT ON (p.profile_id, p.start_ts, p.span_id, p.n)
                       p.*, s.trace_id AS stored_trace_id, s.name AS stored_name, s.service AS stored_service,
                       s.duration_ns, s.start_unix_nano
                FROM p LEFT JOIN s ON s.span_id = p.span_id AND (p.trace_id IS NULL OR s.trace_id = p.trace_id)
                ORDER BY p.profile_id, p.start_ts, p.span_id, p.n
            )
            SELECT coalesce(encode(j.trace_id, 'hex'), encode(j.stored_trace_id, 'hex')), encode(j.span_id, 'hex'),
                   coalesce(j.stored_name, j.span_name, ''), coalesce(j.stored_service, j.service), j.profile_id,
                   j.flat, j.cum, j.unit, j.duration_ns, j.start_unix_nano
            FROM j
            WHERE coalesce(j.trace_id, j.stored_trace_id) IS NOT NULL
            ORDER BY j.cum DESC, j.flat DESC, j.duration_ns DESC NULLS LAST, j.span_id, j.profile_id
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
