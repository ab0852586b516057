import Logging
import PostgresNIO

/// One exemplar of a latency (or other) metric naming a trace: a slow request.
public struct SlowRequest: Sendable {
    public var metric: String
    /// The series' labels as a JSON object text, as stored.
    public var seriesJSON: String
    public var value: Double
    public var timeNanos: Int64
    public var traceID: String
    public var spanID: String?
    public var profileID: String?
    public var links: [ProfileLink]
}

/// A page of results and the cursor of the next page (nil on the last one).
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?
}

/// The slowest exemplars of a window with their resolved links: two SQL round trips per page.
public struct SlowRequestFinder: Sendable {
    public struct Filter: Sendable {
        /// Metric family name (`_bucket`/`_total` samples of it match too); nil for any metric.
        public var metric: String?
        /// `service`, `service_name` or `job` label.
        public var service: String?
        /// `route` or `http_route` label.
        public var route: String?
        public var minValue: Double?
        public var range: TimeRange
        public var limit: Int
        public var cursor: PageCursor?

        public init(metric: String? = nil, service: String? = nil, route: String? = nil, minValue: Double? = nil,
                    range: TimeRange, limit: Int, cursor: PageCursor? = nil) {
            self.metric = metric
            self.service = service
            self.route = route
            self.minValue = minValue
            self.range = range
            self.limit = limit
            self.cursor = cursor
        }
    }

    public let resolver: TraceLinkResolver

    public init(resolver: TraceLinkResolver) { self.resolver = resolver }

    public func slowRequests(tenant: String, filter: Filter) async throws -> Page<SlowRequest> {
        let afterValue = filter.cursor.flatMap { Double($0.fields[0]) }
        let afterMicros = filter.cursor.flatMap { Int64($0.fields[1]) }
        let afterFingerprint = filter.cursor.flatMap { Int64($0.fields[2]) }
        let query: PostgresQuery = """
            SELECT s.metric, s.series::text, e.series_fp, e.value, (extract(epoch FROM e.ts) * 1000000)::bigint,
                   encode(e.trace_id, 'hex'), encode(e.span_id, 'hex'), e.profile_id
            FROM exemplars e
            JOIN exemplar_series s ON s.tenant = e.tenant AND s.series_fp = e.series_fp
            WHERE e.tenant = \(tenant) AND e.trace_id IS NOT NULL
              AND e.ts >= timestamptz 'epoch' + \(filter.range.fromMicros) * interval '1 microsecond'
              AND e.ts < timestamptz 'epoch' + \(filter.range.toMicros) * interval '1 microsecond'
              AND (\(filter.metric)::text IS NULL OR s.metric IN (\(filter.metric), \(filter.metric) || '_bucket', \(filter.metric) || '_total'))
              AND (\(filter.service)::text IS NULL OR s.series ->> 'service' = \(filter.service)
                   OR s.series ->> 'service_name' = \(filter.service) OR s.series ->> 'job' = \(filter.service))
              AND (\(filter.route)::text IS NULL OR s.series ->> 'route' = \(filter.route) OR s.series ->> 'http_route' = \(filter.route))
              AND (\(filter.minValue)::float8 IS NULL OR e.value >= \(filter.minValue))
              AND (\(afterValue)::float8 IS NULL OR (e.value, e.ts, e.series_fp) <
                   (\(afterValue), timestamptz 'epoch' + \(afterMicros) * interval '1 microsecond', \(afterFingerprint)))
            ORDER BY e.value DESC, e.ts DESC, e.series_fp DESC
            LIMIT \(filter.limit + 1)
            """
        var items: [SlowRequest] = []
        var keys: [(Double, Int64, Int64)] = []
        let rows = try await resolver.client.query(query, logger: resolver.logger)
        for try await (metric, series, fingerprint, value, micros, traceID, spanID, profileID) in rows.decode(
            (String, String, Int64, Double, Int64, String, String?, String?).self
        ) {
            items.append(SlowRequest(metric: metric, seriesJSON: series, value: value, timeNanos: micros * 1000,
                                     traceID: traceID, spanID: spanID, profileID: profileID, links: []))
            keys.append((value, micros, fingerprint))
        }
        var next: String?
        if items.count > filter.limit {
            items.removeLast()
            let key = keys[filter.limit - 1]
            next = PageCursor(["\(key.0)", "\(key.1)", "\(key.2)"]).encoded
        }
        let links = try await resolver.links(tenant: tenant, traceIDs: Array(Set(items.map(\.traceID))))
        for index in items.indices {
            items[index].links = links[items[index].traceID] ?? []
        }
        return Page(items: items, nextCursor: next)
    }
}
