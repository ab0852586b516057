import PostgresNIO

/// What Tempo's search asks for: tags that one span of the trace must all have, a trace
/// duration range and a start range.
public struct TraceSearch: Sendable {
    /// (key, value) pairs: `service.name` is the span's service, `name` its name, `status.code`
    /// its status code; any other key a span or resource attribute (compared as text).
    public var tags: [(String, String)] = []
    public var minDurationNanos: Int64?
    public var maxDurationNanos: Int64?
    /// Traces whose first span starts in `[from, to)`, Unix nanoseconds.
    public var from: Int64
    public var to: Int64
    public var limit: Int

    public init(tags: [(String, String)] = [], minDurationNanos: Int64? = nil, maxDurationNanos: Int64? = nil, from: Int64, to: Int64, limit: Int) {
        self.tags = tags
        self.minDurationNanos = minDurationNanos
        self.maxDurationNanos = maxDurationNanos
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// A trace found by ``Store/searchTraces(tenant:search:)``: its root span's service and name.
public struct TraceSearchResult: Sendable, Hashable {
    public var traceID: String
    public var rootServiceName: String
    public var rootTraceName: String
    public var startUnixNano: Int64
    public var durationNanos: Int64
}

extension Store {
    /// Traces with a span carrying every tag, newest first, at most `limit`. One statement:
    /// the spans of the range grouped by trace, a trace kept when one of its spans matches all
    /// the tags (`unnest` of the tag arrays, so the SQL is fixed) and its duration (first
    /// start to last end) is in range.
    public func searchTraces(tenant: String, search: TraceSearch) async throws -> [TraceSearchResult] {
        let keys = search.tags.map(\.0)
        let values = search.tags.map(\.1)
        // Citus: the tag match is a column of each span row (Citus runs no subquery in HAVING
        // that refers to the outer query), and each trace's root span is read for the page
        // only, from materialized trace ids (it runs no LATERAL … LIMIT from a subquery).
        let rows = try await client.query("""
            WITH traces AS (
                SELECT trace_id, min(start_unix_nano) AS first_start, max(start_unix_nano + duration_ns) AS last_end
                FROM (
                    SELECT s.trace_id, s.start_unix_nano, s.duration_ns, NOT EXISTS (
                        SELECT 1 FROM unnest(\(keys)::text[], \(values)::text[]) AS t(k, v)
                        WHERE NOT CASE t.k
                            WHEN 'service.name' THEN s.service = t.v
                            WHEN 'name' THEN s.name = t.v
                            WHEN 'status.code' THEN s.status_code::text = t.v
                            ELSE coalesce(s.attributes->'span'->>t.k, s.attributes->'resource'->>t.k) = t.v
                        END
                    ) AS matches
                    FROM spans s
                    WHERE s.tenant = \(tenant)
                      AND s.start_ts >= timestamptz 'epoch' + \(search.from / 1000) * interval '1 microsecond'
                      AND s.start_ts < timestamptz 'epoch' + \(search.to / 1000) * interval '1 microsecond'
                ) m
                GROUP BY trace_id
                HAVING bool_or(matches)
            ), page AS MATERIALIZED (
                SELECT * FROM traces t
                WHERE (\(search.minDurationNanos)::bigint IS NULL OR t.last_end - t.first_start >= \(search.minDurationNanos))
                  AND (\(search.maxDurationNanos)::bigint IS NULL OR t.last_end - t.first_start <= \(search.maxDurationNanos))
                ORDER BY t.first_start DESC
                LIMIT \(search.limit)
            ), roots AS MATERIALIZED (
                SELECT DISTINCT ON (trace_id) trace_id, service, name FROM spans
                WHERE tenant = \(tenant) AND trace_id IN (SELECT trace_id FROM page)
                ORDER BY trace_id, parent_span_id IS NOT NULL, start_unix_nano
            )
            SELECT encode(t.trace_id, 'hex'), coalesce(r.service, ''), coalesce(r.name, ''), t.first_start, t.last_end - t.first_start
            FROM page t
            LEFT JOIN roots r ON r.trace_id = t.trace_id
            ORDER BY t.first_start DESC
            """, logger: logger)
        var found: [TraceSearchResult] = []
        for try await (trace, service, name, start, duration) in rows.decode((String, String, String, Int64, Int64).self) {
            found.append(TraceSearchResult(traceID: trace, rootServiceName: service, rootTraceName: name, startUnixNano: start, durationNanos: duration))
        }
        return found
    }

    /// Attribute keys of the spans that start in `[from, to)`: span attributes, resource
    /// attributes (with `service.name`), sorted, at most `limit` in all.
    public func traceTagNames(tenant: String, from: Int64, to: Int64, limit: Int) async throws -> (span: [String], resource: [String]) {
        let rows = try await client.query("""
            SELECT DISTINCT a.scope, k.key
            FROM spans s
            CROSS JOIN LATERAL (VALUES ('span', s.attributes->'span'), ('resource', s.attributes->'resource')) AS a(scope, object)
            CROSS JOIN LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(a.object) = 'object' THEN a.object ELSE '{}' END) AS k(key)
            WHERE s.tenant = \(tenant)
              AND s.start_ts >= timestamptz 'epoch' + \(from / 1000) * interval '1 microsecond'
              AND s.start_ts < timestamptz 'epoch' + \(to / 1000) * interval '1 microsecond'
            ORDER BY 1, 2 LIMIT \(limit)
            """, logger: logger)
        var span: [String] = []
        var resource: Set<String> = ["service.name"]
        for try await (scope, key) in rows.decode((String, String).self) {
            if scope == "span" { span.append(key) } else { resource.insert(key) }
        }
        return (span, resource.sorted())
    }

    /// The values of tag `key` (`service.name`, `name`, `status.code` or an attribute; `scope`
    /// `span`, `resource` or nil for both) in the spans that start in `[from, to)`, sorted.
    public func traceTagValues(tenant: String, key: String, scope: String?, from: Int64, to: Int64, limit: Int) async throws -> [String] {
        let rows = try await client.query("""
            SELECT DISTINCT v FROM (
                SELECT CASE
                    WHEN \(key)::text = 'service.name' AND \(scope)::text IS DISTINCT FROM 'span' THEN service
                    WHEN \(key)::text = 'name' AND \(scope)::text IS NULL THEN name
                    WHEN \(key)::text = 'status.code' AND \(scope)::text IS NULL THEN status_code::text
                    WHEN \(scope)::text = 'span' THEN attributes->'span'->>\(key)::text
                    WHEN \(scope)::text = 'resource' THEN attributes->'resource'->>\(key)::text
                    ELSE coalesce(attributes->'span'->>\(key)::text, attributes->'resource'->>\(key)::text)
                END AS v
                FROM spans
                WHERE tenant = \(tenant)
                  AND start_ts >= timestamptz 'epoch' + \(from / 1000) * interval '1 microsecond'
                  AND start_ts < timestamptz 'epoch' + \(to / 1000) * interval '1 microsecond'
            ) values WHERE v IS NOT NULL
            ORDER BY v LIMIT \(limit)
            """, logger: logger)
        var found: [String] = []
        for try await value in rows.decode(String.self) { found.append(value) }
        return found
    }
}
