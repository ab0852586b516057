import Logging
import PostgresNIO
import ServiceLifecycle

/// Hourly rollups of the stack aggregates (`profile_stacks_hourly`, migration 0011): the
/// profiles of a series and UTC hour summed into one row, so that a merge over a day reads
/// about 24 rows per series. A rollup is used only while it holds every profile of its hour
/// (its `profiles` equals the hour's row count: rows are only ever added); otherwise the raw
/// rows are read, so answers never depend on whether the rollup job has run.
extension Store {
    static let hourNanos: Int64 = 3_600_000_000_000

    /// The rows a merge adds up for `series` in `[from, to)`: the current rollups of the whole
    /// hours inside the range, and the raw rows of everything else.
    func forEachMergeRow(tenant: String, series: [Int64], from: Int64, to: Int64, _ body: (ProfileStackRow) throws -> Void) async throws {
        let firstHour = from <= 0 ? from / Self.hourNanos * Self.hourNanos : ((from - 1) / Self.hourNanos + 1) * Self.hourNanos
        let lastHourEnd = to >= 0 ? to / Self.hourNanos * Self.hourNanos : ((to + 1) / Self.hourNanos - 1) * Self.hourNanos
        guard lastHourEnd - firstHour >= Self.hourNanos else {
            try await forEachProfileRow(tenant: tenant, series: series, from: from, to: to, body)
            return
        }
        var usedSeries: [Int64] = []
        var usedHours: [Int64] = []
        let rollups = try await client.query("""
            SELECT h.series_fp, (extract(epoch FROM h.hour))::bigint, h.profiles, h.first_start_unix_nano, h.duration_ns,
                   h.period, h.stack_ids, h.stack_values
            FROM profile_stacks_hourly h
            WHERE h.tenant = \(tenant) AND h.series_fp = ANY(\(series)::bigint[])
              AND h.hour >= timestamptz 'epoch' + \(firstHour / 1000) * interval '1 microsecond'
              AND h.hour < timestamptz 'epoch' + \(lastHourEnd / 1000) * interval '1 microsecond'
              AND h.profiles = (
                SELECT count(*) FROM profile_stacks s
                WHERE s.tenant = h.tenant AND s.series_fp = h.series_fp
                  AND s.start_ts >= h.hour AND s.start_ts < h.hour + interval '1 hour')
            """, logger: logger)
        for try await (fingerprint, hour, profiles, start, duration, period, ids, values) in rollups.decode((Int64, Int64, Int, Int64, Int64, Int64, BigintArray, BigintArray).self) {
            usedSeries.append(fingerprint)
            usedHours.append(hour)
            try body(ProfileStackRow(seriesFingerprint: fingerprint, startNanos: start, durationNanos: duration, period: period, stackIDs: ids.values, values: values.values, profiles: profiles))
        }
        let rows = try await client.query("""
            SELECT series_fp, start_unix_nano, duration_ns, period, stack_ids, stack_values FROM profile_stacks
            WHERE tenant = \(tenant) AND series_fp = ANY(\(series)::bigint[])
              AND start_ts >= timestamptz 'epoch' + \(from / 1000) * interval '1 microsecond'
              AND start_ts < timestamptz 'epoch' + \(to / 1000) * interval '1 microsecond'
              AND (series_fp, (floor(extract(epoch FROM start_ts) / 3600) * 3600)::bigint) NOT IN (
                SELECT fp, hour FROM unnest(\(usedSeries)::bigint[], \(usedHours)::bigint[]) AS used(fp, hour))
            """, logger: logger)
        for try await (fingerprint, start, duration, period, ids, values) in rows.decode((Int64, Int64, Int64, Int64, BigintArray, BigintArray).self) {
            try body(ProfileStackRow(seriesFingerprint: fingerprint, startNanos: start, durationNanos: duration, period: period, stackIDs: ids.values, values: values.values))
        }
    }

    /// Writes the rollups of complete hours (ended at least `settle` ago, started within
    /// `lookback`) that have none or a stale one, at most `limit` of them. Returns how many.
    @discardableResult
    public func rollUpProfileHours(settle: Duration = .seconds(300), lookback: Duration = .seconds(2 * 86_400), limit: Int = 200) async throws -> Int {
        let (settleSeconds, lookbackSeconds) = (settle.components.seconds, lookback.components.seconds)
        let due = try await client.query("""
            WITH raw AS (
                SELECT tenant, series_fp, date_bin('1 hour', start_ts, timestamptz 'epoch') AS hour, count(*) AS profiles
                FROM profile_stacks
                WHERE start_ts >= date_bin('1 hour', now() - \(lookbackSeconds) * interval '1 second', timestamptz 'epoch')
                  AND start_ts < date_bin('1 hour', now() - \(settleSeconds) * interval '1 second', timestamptz 'epoch')
                GROUP BY 1, 2, 3
            )
            SELECT raw.tenant, raw.series_fp, (extract(epoch FROM raw.hour))::bigint FROM raw
            LEFT JOIN profile_stacks_hourly h ON h.tenant = raw.tenant AND h.series_fp = raw.series_fp AND h.hour = raw.hour
            WHERE h.profiles IS DISTINCT FROM raw.profiles
            ORDER BY raw.hour LIMIT \(limit)
            """, logger: logger)
        var hours: [(tenant: String, series: Int64, hour: Int64)] = []
        for try await row in due.decode((String, Int64, Int64).self) { hours.append(row) }
        for (tenant, series, hour) in hours {
            try await rollUp(tenant: tenant, series: series, hourStartSeconds: hour)
        }
        return hours.count
    }

    /// Sums the hour's rows of one series into its rollup row.
    func rollUp(tenant: String, series: Int64, hourStartSeconds hour: Int64) async throws {
        let from = hour * 1_000_000_000
        var sums: [Int64: [Int64]] = [:]
        var stride = 0
        var (profiles, start, duration, period): (Int, Int64, Int64, Int64) = (0, .max, 0, 0)
        try await forEachProfileRow(tenant: tenant, series: [series], from: from, to: from + Self.hourNanos) { row in
            guard !row.stackIDs.isEmpty else {
                profiles += 1
                return
            }
            let rowStride = row.values.count / row.stackIDs.count
            if stride == 0 { stride = rowStride }
            // A series has one set of sample types: every row has the same stride.
            guard rowStride == stride else { return }
            for (position, id) in row.stackIDs.enumerated() {
                let values = row.values[(position * stride)..<((position + 1) * stride)]
                if var known = sums[id] {
                    for (offset, value) in values.enumerated() { known[offset] &+= value }
                    sums[id] = known
                } else {
                    sums[id] = Array(values)
                }
            }
            profiles += 1
            start = min(start, row.startNanos)
            duration &+= row.durationNanos
            period = max(period, row.period)
        }
        guard profiles > 0 else { return }
        let ids = sums.keys.sorted()
        let values = ids.flatMap { sums[$0]! }
        try await client.query("""
            INSERT INTO profile_stacks_hourly (tenant, series_fp, hour, profiles, first_start_unix_nano, duration_ns, period, stack_ids, stack_values)
            VALUES (\(tenant), \(series), timestamptz 'epoch' + \(hour) * interval '1 second', \(profiles),
                    \(start == .max ? from : start), \(duration), \(period), \(ids)::bigint[], \(values)::bigint[])
            ON CONFLICT (tenant, series_fp, hour) DO UPDATE SET
                profiles = EXCLUDED.profiles, first_start_unix_nano = EXCLUDED.first_start_unix_nano,
                duration_ns = EXCLUDED.duration_ns, period = EXCLUDED.period,
                stack_ids = EXCLUDED.stack_ids, stack_values = EXCLUDED.stack_values
            """, logger: logger)
    }
}

/// Runs the rollup job every `interval`: the hours that ended at least five minutes ago get
/// their rollup, or a new one when a late profile made theirs stale. Every replica may run
/// it; two writing the same hour write the same row.
public struct ProfileRollupMaintainer: Service {
    let store: Store
    let interval: Duration
    let logger: Logger

    public init(store: Store, interval: Duration = .seconds(60), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var delay = Duration.seconds(30)
        while !Task.isCancelledOrShuttingDown {
            let wait = delay
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            guard !Task.isCancelledOrShuttingDown else { return }
            do {
                // Catch up in batches, then wait.
                while try await store.rollUpProfileHours() == 200, !Task.isCancelledOrShuttingDown {}
            } catch {
                logger.error("profile rollup failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            delay = interval
        }
    }
}
