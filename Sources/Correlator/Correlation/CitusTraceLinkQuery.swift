import Exemplars
import NIOCore
import PostgresNIO

/// ``TraceLinkQuery`` as Citus runs it: the same links, ranks, columns and order, planned the
/// way a coordinator can.
///
/// The single-node statement reaches profiles through `JOIN LATERAL (… LIMIT n)` from its CTEs
/// and a correlated subquery for the top functions; Citus plans neither ("Limit clause is
/// currently unsupported when a lateral subquery references a column from complex subqueries,
/// CTEs or local tables"), nor joins of tables distributed on different columns. Here every
/// read of a distributed table is its own materialized CTE, joined only with materialized
/// rows, so each is a router query or one parallel fan-out, and the ranking runs on the
/// coordinator over the few rows found:
///
/// * the trace's spans (`$5`, the ids as `bytea[]`, lets Citus prune to the trace's shard: a
///   router query for one trace) and exemplars (distributed by series: a fan-out of one index
///   probe per shard);
/// * `span_profiles` by the spans' ids or the trace ids (distributed by profile id: a fan-out);
/// * profiles by id (span attribute, exemplar), and by service and time around the widest
///   span of each service (`row_number() … <= 8` on the coordinator for `LIMIT 8`);
/// * the kept links' profile rows with the top functions of those without their span's own
///   (a window per profile over `profile_functions`, co-located: one fan-out for both).
///
/// Citus runs the materialized CTEs one after another, each a round trip to the workers:
/// that, not the work on the shards, is most of its latency (`make bench-citus`).
///
/// Parameters: those of ``TraceLinkQuery``, plus `$5` the trace ids decoded (`bytea[]`).
struct CitusTraceLinkQuery: PostgresPreparedStatement {
    typealias Row = TraceLinkQuery.LinkRow

    static let name = "correlator_trace_links_citus_v2"

    var query: TraceLinkQuery

    func makeBindings() throws -> PostgresBindings {
        var bindings = try query.makeBindings()
        bindings.append(query.traceIDs.compactMap { TraceID(hex: $0).map { ByteBuffer(bytes: $0.bytes) } })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try query.decodeRow(row)
    }

    static let sql = """
    WITH ids AS MATERIALIZED (
        SELECT DISTINCT decode(t, 'hex') AS trace_id FROM unnest($2::text[]) AS t
    ), s AS MATERIALIZED (
        SELECT sp.trace_id, sp.span_id, sp.name, sp.service, sp.start_unix_nano, sp.duration_ns,
               lower(sp.profile_id) AS attr
        FROM spans sp
        WHERE sp.tenant = $1 AND sp.trace_id = ANY ($5::bytea[])
    ), xall AS MATERIALIZED (
        SELECT e.trace_id, e.span_id, e.profile_id, e.ts
        FROM exemplars e
        WHERE e.tenant = $1 AND e.trace_id = ANY ($5::bytea[])
    ), x AS (
        SELECT trace_id, span_id, profile_id FROM xall WHERE profile_id IS NOT NULL
    ), w AS MATERIALIZED (
        SELECT DISTINCT ON (trace_id, service) trace_id, span_id, name, service, start_unix_nano, duration_ns
        FROM s ORDER BY trace_id, service, duration_ns DESC, span_id
    ), span_ids AS MATERIALIZED (
        SELECT span_id FROM s
        UNION
        SELECT decode(attr, 'hex') FROM s WHERE attr ~ '^[0-9a-f]{16}$'
    ), p AS MATERIALIZED (
        SELECT p.trace_id, p.span_id, p.span_name, p.profile_id, p.start_ts, p.top, p.totals
        FROM span_profiles p
        WHERE p.tenant = $1 AND (p.span_id IN (SELECT span_id FROM span_ids) OR p.trace_id = ANY ($5::bytea[]))
    ), by_id AS MATERIALIZED (
        SELECT pr.profile_id, pr.start_ts FROM profiles pr
        WHERE pr.tenant = $1
          AND pr.profile_id IN (SELECT attr FROM s WHERE attr IS NOT NULL UNION SELECT profile_id FROM x)
    ), around AS MATERIALIZED (
        SELECT w.trace_id, w.span_id, w.name, w.service, w.start_unix_nano AS span_start, w.duration_ns AS span_duration,
               q.profile_id, q.start_ts, q.start_unix_nano, q.duration_ns
        FROM w JOIN profiles q
          ON q.tenant = $1 AND q.service = w.service
         AND q.start_ts >= to_timestamp((w.start_unix_nano - $3::bigint) / 1e9)
         AND q.start_ts <= to_timestamp((w.start_unix_nano + w.duration_ns) / 1e9 + 1e-6)
         AND q.start_unix_nano <= w.start_unix_nano + w.duration_ns
         AND q.start_unix_nano + q.duration_ns >= w.start_unix_nano
    ), links AS (
        SELECT 1 AS rank, s.trace_id, s.span_id, s.name AS span_name, s.service, p.profile_id, p.start_ts,
               p.top, p.totals, NULL::float8 AS overlap
        FROM s JOIN p ON p.span_id = s.span_id
        UNION ALL
        SELECT 1, p.trace_id, p.span_id, coalesce(s.name, p.span_name), s.service, p.profile_id, p.start_ts, p.top, p.totals, NULL
        FROM p LEFT JOIN s ON s.trace_id = p.trace_id AND s.span_id = p.span_id
        WHERE p.trace_id IN (SELECT trace_id FROM ids)
        UNION ALL
        SELECT 2, s.trace_id, s.span_id, s.name, s.service, pr.profile_id, pr.start_ts, NULL, NULL, NULL
        FROM s JOIN by_id pr ON pr.profile_id = s.attr
        WHERE s.attr IS NOT NULL
        UNION ALL
        SELECT 2, s.trace_id, s.span_id, s.name, s.service, p.profile_id, p.start_ts, p.top, p.totals, NULL
        FROM s JOIN p ON p.span_id = decode(s.attr, 'hex')
        WHERE s.attr ~ '^[0-9a-f]{16}$'
        UNION ALL
        SELECT 3, x.trace_id, x.span_id, s.name, s.service, pr.profile_id, pr.start_ts, NULL, NULL, NULL
        FROM x JOIN by_id pr ON pr.profile_id = x.profile_id
        LEFT JOIN s ON s.trace_id = x.trace_id AND s.span_id = x.span_id
        UNION ALL
        SELECT 4, a.trace_id, a.span_id, a.name, a.service, a.profile_id, a.start_ts, NULL, NULL,
               (least(a.start_unix_nano + a.duration_ns, a.span_start + a.span_duration)
                 - greatest(a.start_unix_nano, a.span_start))::float8 / greatest(a.span_duration, 1)
        FROM (
            SELECT around.*, row_number() OVER (PARTITION BY trace_id, service ORDER BY start_ts DESC) AS newest
            FROM around
        ) a
        WHERE a.newest <= 8
    ), best AS (
        SELECT DISTINCT ON (trace_id, span_id, profile_id) *
        FROM links ORDER BY trace_id, span_id, profile_id, rank
    ), kept AS MATERIALIZED (
        SELECT b.* FROM best b
        WHERE b.rank < 4 OR NOT EXISTS (
            SELECT 1 FROM best o WHERE o.rank < 4 AND o.trace_id = b.trace_id AND o.profile_id = b.profile_id)
    ), kept_profiles AS MATERIALIZED (
        SELECT pr.profile_id, pr.start_ts, pr.service, pr.type, pr.start_unix_nano, pr.duration_ns,
               pr.default_sample_type, coalesce(pr.sample_types -> pr.default_sample_type ->> 'unit', '') AS unit, t.top
        FROM profiles pr
        LEFT JOIN (
            SELECT tf.profile_id, tf.start_ts, tf.sample_type,
                   json_agg(json_build_object('function', f.name, 'file', f.filename, 'flat', tf.flat, 'cum', tf.cum)
                            ORDER BY tf.flat DESC, tf.cum DESC)::text AS top
            FROM (
                SELECT pf.profile_id, pf.start_ts, pf.sample_type, pf.function_id, pf.flat, pf.cum,
                       row_number() OVER (PARTITION BY pf.profile_id, pf.start_ts, pf.sample_type
                                          ORDER BY pf.flat DESC, pf.cum DESC) AS place
                FROM profile_functions pf
                WHERE pf.tenant = $1
                  AND (pf.profile_id, pf.start_ts) IN (SELECT profile_id, start_ts FROM kept WHERE top IS NULL)
            ) tf
            JOIN functions f ON f.function_id = tf.function_id
            WHERE tf.place <= $4
            GROUP BY tf.profile_id, tf.start_ts, tf.sample_type
        ) t ON t.profile_id = pr.profile_id AND t.start_ts = pr.start_ts AND t.sample_type = pr.default_sample_type
        WHERE pr.tenant = $1 AND (pr.profile_id, pr.start_ts) IN (SELECT profile_id, start_ts FROM kept)
    ), xe AS (
        SELECT count(*) AS n, (extract(epoch FROM min(ts)) * 1e9)::bigint AS first_ns FROM xall
    )
    SELECT r.rank, r.trace_hex, r.span_hex, r.span_name, r.service, r.profile_id, r.type, r.start_ns, r.duration_ns, r.overlap,
           r.unit, r.top, r.top_is_spans, r.span_count, r.exemplar_count, r.exemplar_ns
    FROM (
        SELECT k.rank, encode(k.trace_id, 'hex') AS trace_hex, encode(k.span_id, 'hex') AS span_hex, k.span_name,
               coalesce(k.service, pr.service) AS service, k.profile_id, pr.type, pr.start_unix_nano AS start_ns, pr.duration_ns, k.overlap,
               pr.unit, coalesce(k.top::text, pr.top, '[]') AS top,
               k.top IS NOT NULL AS top_is_spans,
               NULL::bigint AS span_count, NULL::bigint AS exemplar_count, NULL::bigint AS exemplar_ns,
               k.trace_id AS o_trace, coalesce(k.totals[pr.default_sample_type + 1], 0) AS o_total, pr.start_ts AS o_start,
               k.span_id AS o_span
        FROM kept k
        JOIN kept_profiles pr ON pr.profile_id = k.profile_id AND pr.start_ts = k.start_ts
        UNION ALL
        SELECT 0, encode(i.trace_id, 'hex'), NULL, NULL, ss.services, '', '', ss.first_ns, ss.last_ns, NULL, '', '[]', false,
               ss.n, xe.n, xe.first_ns, i.trace_id, 0, NULL, NULL
        FROM (SELECT trace_id FROM ids LIMIT 1) i,
             (SELECT count(*) AS n, coalesce(string_agg(DISTINCT service, ',' ORDER BY service), '') AS services,
                     coalesce(min(start_unix_nano), 0) AS first_ns, coalesce(max(start_unix_nano + duration_ns), 0) AS last_ns
              FROM s) ss,
             xe
        WHERE cardinality($2::text[]) = 1 AND NOT EXISTS (SELECT 1 FROM kept)
    ) r
    ORDER BY r.o_trace, r.rank, r.o_total DESC, r.overlap DESC NULLS LAST, r.o_start DESC, r.o_span, r.profile_id
    """
}
