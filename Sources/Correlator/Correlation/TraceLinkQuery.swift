import PostgresNIO

/// The one SQL statement that proves every link of a set of traces (DESIGN.md "Links"), strongest
/// kind first. `/api/v1/traces/{id}/profiles` runs it for one trace, `/api/v1/slow-requests` for
/// a page of exemplars at once, and `Benchmarks/correlation.sh` runs the very same text through
/// pgbench as the floor (it extracts it from this file between the BEGIN/END markers and joins
/// it into one line, so the statement holds no `--` comments).
///
/// Parameters: `$1` tenant, `$2` trace ids as lowercase hex (`text[]`), `$3` how far before a
/// span a profile may start and still cover it (nanoseconds), `$4` top functions per link.
///
/// Columns: rank (1 span_samples, 2 span_attribute, 3 exemplar, 4 time_window), trace id, span id
/// (hex), span name, service, profile id, profile type, profile start (Unix ns), duration (ns),
/// overlap (time_window: fraction of the span the profile covers), unit of the default sample
/// type, top (JSON text: the span's own when samples are labelled with it, else the profile's),
/// whether that top is the span's own, and three columns that are NULL on link rows.
///
/// When it is asked for **one** trace and finds no link, it returns instead a single rank-0 row
/// saying what the store knows of the trace (for the `reason`, or the 404 when nothing): its
/// services (comma-separated, in `service`), first span start and last span end (in the start
/// and duration columns), span count, exemplar count and first exemplar time (Unix ns). So the
/// endpoint answers every trace in one round trip, and pgbench's floor runs all of that work.
///
/// It runs as a named prepared statement: planning it (six branches over daily partitions) costs
/// ~10 ms, executing its cached generic plan well under 1 ms.
///
/// The kept links reach their profile rows through `JOIN LATERAL (… LIMIT 1)`, which PostgreSQL
/// cannot flatten into the join: each link is one primary-key probe in the one partition its
/// `start_ts` names. As a plain join, once the store held two days of partitions the planner
/// (guessing ~130 links where there is one) hashed every profile of every partition instead, and
/// the statement went from ~1.3 to ~7 ms at the median (Benchmarks/correlation.sh after midnight).
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
        /// Rank-0 rows only (one trace without links): what the store holds of the trace.
        var spanCount: Int64?
        var exemplarCount: Int64?
        var firstExemplarNanos: Int64?
    }

    static let name = "correlator_trace_links_v3"

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
        let (rank, traceID, spanID, spanName, service, profileID, type, start, duration, overlap, unit, topJSON, spansOwn, spanCount, exemplarCount, firstExemplar) =
            try row.decode((Int, String, String?, String?, String, String, String, Int64, Int64, Double?, String, String, Bool, Int64?, Int64?, Int64?).self)
        return LinkRow(rank: rank, traceID: traceID, spanID: spanID, spanName: spanName, service: service, profileID: profileID,
                       type: type, start: start, duration: duration, overlap: overlap, unit: unit, topJSON: topJSON, spansOwnTop: spansOwn,
                       spanCount: spanCount, exemplarCount: exemplarCount, firstExemplarNanos: firstExemplar)
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
    SELECT r.rank, r.trace_hex, r.span_hex, r.span_name, r.service, r.profile_id, r.type, r.start_ns, r.duration_ns, r.overlap,
           r.unit, r.top, r.top_is_spans, r.span_count, r.exemplar_count, r.exemplar_ns
    FROM (
        SELECT k.rank, encode(k.trace_id, 'hex') AS trace_hex, encode(k.span_id, 'hex') AS span_hex, k.span_name,
               coalesce(k.service, pr.service) AS service, k.profile_id, pr.type, pr.start_unix_nano AS start_ns, pr.duration_ns, k.overlap,
               coalesce(pr.sample_types -> pr.default_sample_type ->> 'unit', '') AS unit,
               coalesce(k.top::text, (
                   SELECT json_agg(json_build_object('function', f.name, 'file', f.filename, 'flat', t.flat, 'cum', t.cum)
                                   ORDER BY t.flat DESC, t.cum DESC)::text
                   FROM (SELECT pf.function_id, pf.flat, pf.cum FROM profile_functions pf
                         WHERE pf.tenant = $1 AND pf.profile_id = k.profile_id AND pf.start_ts = k.start_ts
                           AND pf.sample_type = pr.default_sample_type
                         ORDER BY pf.flat DESC, pf.cum DESC LIMIT $4) t
                   JOIN functions f ON f.function_id = t.function_id), '[]') AS top,
               k.top IS NOT NULL AS top_is_spans,
               NULL::bigint AS span_count, NULL::bigint AS exemplar_count, NULL::bigint AS exemplar_ns,
               k.trace_id AS o_trace, coalesce(k.totals[pr.default_sample_type + 1], 0) AS o_total, pr.start_ts AS o_start,
               k.span_id AS o_span
        FROM kept k JOIN LATERAL (
            SELECT p.* FROM profiles p WHERE p.tenant = $1 AND p.profile_id = k.profile_id AND p.start_ts = k.start_ts LIMIT 1
        ) pr ON true
        UNION ALL
        SELECT 0, encode(i.trace_id, 'hex'), NULL, NULL, ss.services, '', '', ss.first_ns, ss.last_ns, NULL, '', '[]', false,
               ss.n, xe.n, xe.first_ns, i.trace_id, 0, NULL, NULL
        FROM (SELECT trace_id FROM ids LIMIT 1) i,
             (SELECT count(*) AS n, coalesce(string_agg(DISTINCT service, ',' ORDER BY service), '') AS services,
                     coalesce(min(start_unix_nano), 0) AS first_ns, coalesce(max(start_unix_nano + duration_ns), 0) AS last_ns
              FROM s) ss,
             (SELECT count(*) AS n, (extract(epoch FROM min(e.ts)) * 1e9)::bigint AS first_ns
              FROM exemplars e WHERE e.tenant = $1 AND e.trace_id = ANY (ARRAY(SELECT trace_id FROM ids))) xe
        WHERE cardinality($2::text[]) = 1 AND NOT EXISTS (SELECT 1 FROM kept)
    ) r
    ORDER BY r.o_trace, r.rank, r.o_total DESC, r.overlap DESC NULLS LAST, r.o_start DESC, r.o_span, r.profile_id
    -- END trace-links
    """
}
