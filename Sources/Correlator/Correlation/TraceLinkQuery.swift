import PostgresNIO

/// The one SQL statement that proves every link of a set of traces (DESIGN.md "Links"), strongest
/// kind first. `/api/v1/traces/{id}/profiles` runs it for one trace, `/api/v1/slow-requests` for
/// a page of exemplars at once, and `Benchmarks/correlation.sh` runs the very same text through
/// pgbench as the floor (it extracts it from this file between the BEGIN/END markers).
///
/// Parameters: `$1` tenant, `$2` trace ids as lowercase hex (`text[]`), `$3` how far before a
/// span a profile may start and still cover it (nanoseconds), `$4` top functions per link.
///
/// Columns: rank (1 span_samples, 2 span_attribute, 3 exemplar, 4 time_window), trace id, span id
/// (hex), span name, service, profile id, profile type, profile start (Unix ns), duration (ns),
/// overlap (time_window: fraction of the span the profile covers), unit of the default sample
/// type, top (JSON text: the span's own when samples are labelled with it, else the profile's),
/// whether that top is the span's own.
///
/// It runs as a named prepared statement: planning it (six branches over daily partitions) costs
/// ~10 ms, executing its cached generic plan well under 1 ms.
struct TraceLinkQuery: PostgresPreparedStatement {
    typealias Row = LinkRow

    /// One decoded result row.
    struct LinkRow: Sendable {
        var rank: Int
        var traceID: String
        var spanID: String?
        var spanName: String?
        var service: String
        var profileID: String
        var type: String
        var start: Int64
        var duration: Int64
        var overlap: Double?
        var unit: String
        var topJSON: String
        var spansOwnTop: Bool
    }

    static let name = "correlator_trace_links_v1"

    var tenant: String
    var traceIDs: [String]
    var lookbackNanos: Int64
    var topLimit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(tenant)
        bindings.append(traceIDs)
        bindings.append(lookbackNanos)
        bindings.append(Int64(topLimit))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> LinkRow {
        let (rank, traceID, spanID, spanName, service, profileID, type, start, duration, overlap, unit, topJSON, spansOwn) =
            try row.decode((Int, String, String?, String?, String, String, String, Int64, Int64, Double?, String, String, Bool).self)
        return LinkRow(rank: rank, traceID: traceID, spanID: spanID, spanName: spanName, service: service, profileID: profileID,
                       type: type, start: start, duration: duration, overlap: overlap, unit: unit, topJSON: topJSON, spansOwnTop: spansOwn)
    }

    static let sql = """
    -- BEGIN trace-links
    WITH ids AS MATERIALIZED (
        SELECT DISTINCT decode(t, 'hex') AS trace_id FROM unnest($2::text[]) AS t
    ), s AS MATERIALIZED (
        SELECT sp.trace_id, sp.span_id, sp.name, sp.service, sp.start_unix_nano, sp.duration_ns,
               lower(sp.profile_id) AS attr
        FROM spans sp
        WHERE sp.tenant = $1 AND sp.trace_id = ANY (ARRAY(SELECT trace_id FROM ids))
    ), x AS MATERIALIZED (
        SELECT e.trace_id, e.span_id, e.profile_id
        FROM exemplars e
        WHERE e.tenant = $1 AND e.trace_id = ANY (ARRAY(SELECT trace_id FROM ids)) AND e.profile_id IS NOT NULL
    ), w AS (
        SELECT DISTINCT ON (trace_id, service) trace_id, span_id, name, service, start_unix_nano, duration_ns
        FROM s ORDER BY trace_id, service, duration_ns DESC, span_id
    ), links AS (
        SELECT 1 AS rank, s.trace_id, s.span_id, s.name AS span_name, s.service, p.profile_id, p.start_ts,
               p.top, p.totals, NULL::float8 AS overlap
        FROM s JOIN span_profiles p ON p.tenant = $1 AND p.span_id = s.span_id
        UNION ALL
        SELECT 1, p.trace_id, p.span_id, coalesce(s.name, p.span_name), s.service, p.profile_id, p.start_ts, p.top, p.totals, NULL
        FROM span_profiles p LEFT JOIN s ON s.trace_id = p.trace_id AND s.span_id = p.span_id
        WHERE p.tenant = $1 AND p.trace_id = ANY (ARRAY(SELECT trace_id FROM ids))
        UNION ALL
        SELECT 2, s.trace_id, s.span_id, s.name, s.service, pr.profile_id, pr.start_ts, NULL, NULL, NULL
        FROM s JOIN profiles pr ON pr.tenant = $1 AND pr.profile_id = s.attr
        WHERE s.attr IS NOT NULL
        UNION ALL
        SELECT 2, s.trace_id, s.span_id, s.name, s.service, p.profile_id, p.start_ts, p.top, p.totals, NULL
        FROM s JOIN span_profiles p ON p.tenant = $1 AND p.span_id = decode(s.attr, 'hex')
        WHERE s.attr ~ '^[0-9a-f]{16}$'
        UNION ALL
        SELECT 3, x.trace_id, x.span_id, s.name, s.service, pr.profile_id, pr.start_ts, NULL, NULL, NULL
        FROM x JOIN profiles pr ON pr.tenant = $1 AND pr.profile_id = x.profile_id
        LEFT JOIN s ON s.trace_id = x.trace_id AND s.span_id = x.span_id
        UNION ALL
        SELECT 4, w.trace_id, w.span_id, w.name, w.service, pr.profile_id, pr.start_ts, NULL, NULL,
               (least(pr.start_unix_nano + pr.duration_ns, w.start_unix_nano + w.duration_ns)
                 - greatest(pr.start_unix_nano, w.start_unix_nano))::float8 / greatest(w.duration_ns, 1)
        FROM w JOIN LATERAL (
            SELECT q.profile_id, q.start_ts, q.start_unix_nano, q.duration_ns
            FROM profiles q
            WHERE q.tenant = $1 AND q.service = w.service
              AND q.start_ts >= to_timestamp((w.start_unix_nano - $3::bigint) / 1e9)
              AND q.start_ts <= to_timestamp((w.start_unix_nano + w.duration_ns) / 1e9 + 1e-6)
              AND q.start_unix_nano <= w.start_unix_nano + w.duration_ns
              AND q.start_unix_nano + q.duration_ns >= w.start_unix_nano
            ORDER BY q.start_ts DESC LIMIT 8
        ) pr ON true
    ), best AS (
        SELECT DISTINCT ON (trace_id, span_id, profile_id) *
        FROM links ORDER BY trace_id, span_id, profile_id, rank
    ), kept AS (
        SELECT b.* FROM best b
        WHERE b.rank < 4 OR NOT EXISTS (
            SELECT 1 FROM best o WHERE o.rank < 4 AND o.trace_id = b.trace_id AND o.profile_id = b.profile_id)
    )
    SELECT k.rank, encode(k.trace_id, 'hex'), encode(k.span_id, 'hex'), k.span_name, coalesce(k.service, pr.service), k.profile_id,
           pr.type, pr.start_unix_nano, pr.duration_ns, k.overlap,
           coalesce(pr.sample_types -> pr.default_sample_type ->> 'unit', ''),
           coalesce(k.top::text, (
               SELECT json_agg(json_build_object('function', f.name, 'file', f.filename, 'flat', t.flat, 'cum', t.cum)
                               ORDER BY t.flat DESC, t.cum DESC)::text
               FROM (SELECT pf.function_id, pf.flat, pf.cum FROM profile_functions pf
                     WHERE pf.tenant = $1 AND pf.profile_id = k.profile_id AND pf.start_ts = k.start_ts
                       AND pf.sample_type = pr.default_sample_type
                     ORDER BY pf.flat DESC, pf.cum DESC LIMIT $4) t
               JOIN functions f ON f.function_id = t.function_id), '[]'),
           k.top IS NOT NULL
    FROM kept k JOIN profiles pr ON pr.tenant = $1 AND pr.profile_id = k.profile_id AND pr.start_ts = k.start_ts
    ORDER BY k.trace_id, k.rank, coalesce(k.totals[pr.default_sample_type + 1], 0) DESC, k.overlap DESC NULLS LAST,
             pr.start_ts DESC, k.span_id, k.profile_id
    -- END trace-links
    """

    /// What the store knows about traces that have no link: for the 404 and the `reason`.
    static let traceSummarySQL = """
    SELECT (SELECT count(*) FROM spans WHERE tenant = $1 AND trace_id = decode($2, 'hex')),
           (SELECT count(*) FROM exemplars WHERE tenant = $1 AND trace_id = decode($2, 'hex')),
           coalesce((SELECT string_agg(DISTINCT service, ',' ORDER BY service) FROM spans WHERE tenant = $1 AND trace_id = decode($2, 'hex')), ''),
           (SELECT min(start_unix_nano) FROM spans WHERE tenant = $1 AND trace_id = decode($2, 'hex')),
           (SELECT max(start_unix_nano + duration_ns) FROM spans WHERE tenant = $1 AND trace_id = decode($2, 'hex')),
           (SELECT (extract(epoch FROM min(ts)) * 1e9)::bigint FROM exemplars WHERE tenant = $1 AND trace_id = decode($2, 'hex'))
    """
}
