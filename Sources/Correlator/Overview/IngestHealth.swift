import Logging
import PostgresNIO

/// The newest data of one signal from one service in a window: what the overview page shows as
/// "ingest health", and where it reads the services seen.
public struct IngestHealthEntry: Sendable, Hashable {
    /// `traces`, `profiles` or `exemplars`.
    public var signal: String
    /// The span's or profile's service; for exemplars the series' `service`, `service_name` or
    /// `job` label (empty when it has none).
    public var service: String
    /// Unix nanoseconds of the newest row (span start, profile start, exemplar time).
    public var lastNanos: Int64
    /// Rows of the window.
    public var count: Int64
}

/// Per signal and service, the newest row and the row count of a window: one statement over the
/// three tables' `(tenant, service, time)` indexes.
public struct IngestHealthQuery: Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Sorted by service, then signal.
    public func entries(tenant: String, range: TimeRange) async throws -> [IngestHealthEntry] {
        // Bounds written out per branch (not a joined CTE), so each table prunes its partitions.
        let query: PostgresQuery = """
            SELECT 'traces', s.service, max(s.start_unix_nano), count(*)
            FROM spans s
            WHERE s.tenant = \(tenant)
              AND s.start_ts >= timestamptz 'epoch' + \(range.fromMicros) * interval '1 microsecond'
              AND s.start_ts < timestamptz 'epoch' + \(range.toMicros) * interval '1 microsecond'
            GROUP BY s.service
            UNION ALL
            SELECT 'profiles', p.service, max(p.start_unix_nano), count(*)
            FROM profiles p
            WHERE p.tenant = \(tenant)
              AND p.start_ts >= timestamptz 'epoch' + \(range.fromMicros) * interval '1 microsecond'
              AND p.start_ts < timestamptz 'epoch' + \(range.toMicros) * interval '1 microsecond'
            GROUP BY p.service
            UNION ALL
            SELECT 'exemplars', coalesce(s.series ->> 'service', s.series ->> 'service_name', s.series ->> 'job', ''),
                   (extract(epoch FROM max(e.ts)) * 1000000)::bigint * 1000, count(*)
            FROM exemplars e
            JOIN exemplar_series s ON s.tenant = e.tenant AND s.series_fp = e.series_fp
            WHERE e.tenant = \(tenant)
              AND e.ts >= timestamptz 'epoch' + \(range.fromMicros) * interval '1 microsecond'
              AND e.ts < timestamptz 'epoch' + \(range.toMicros) * interval '1 microsecond'
            GROUP BY 2
            ORDER BY 2, 1
            """
        var entries: [IngestHealthEntry] = []
        for try await (signal, service, last, count) in try await client.query(query, logger: logger).decode((String, String, Int64, Int64).self) {
            entries.append(IngestHealthEntry(signal: signal, service: service, lastNanos: last, count: count))
        }
        return entries
    }
}
