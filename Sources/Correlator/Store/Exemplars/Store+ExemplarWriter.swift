import Exemplars
import Logging
import Metrics
import PostgresNIO

extension Store {
    /// Stores exemplars of one tenant in a single transaction; returns after the commit.
    ///
    /// ## The same exemplar arriving again is stored once
    ///
    /// A histogram bucket keeps exposing its last exemplar until a new observation replaces it,
    /// so every scrape (and every remote-write retry) delivers it again. Two rules make the
    /// repeats disappear:
    ///
    /// 1. **Same series, same timestamp**: the primary key `(tenant, series_fp, ts)` and
    ///    `ON CONFLICT DO NOTHING` drop it. This covers exemplars that carry their own timestamp
    ///    and remote-write retries.
    /// 2. **Same series, same exemplar labels and value as the latest stored exemplar of that
    ///    series at or before its timestamp**: skipped. This covers exemplars *without* a
    ///    timestamp, which get the scrape time and so look new every scrape. An exemplar is an
    ///    observation: a new one has a new trace id (labels) or value; an unchanged pair is the
    ///    same observation seen again, whatever its timestamp. "Latest at or before" (not
    ///    "any") keeps a genuinely repeated value (A, B, A) — the second A replaces B in the
    ///    bucket, so it is a new exposure and stored.
    ///
    /// Within one batch, exemplars of a series are ordered by time and consecutive equal ones
    /// collapse the same way before they reach the database; the statement then compares each
    /// remaining row with what was committed before it. Two concurrent writers delivering the
    /// same fresh exemplar of one series (two scrapers of the same target) can both store it:
    /// deduplication is exact for one writer per series, which is how scraping and remote
    /// write are deployed.
    ///
    /// The batch goes to the database as one statement, `INSERT … SELECT … FROM unnest(<one
    /// array per column>) … ON CONFLICT DO NOTHING`, which is atomic on its own. This replaced
    /// COPY into a `CREATE TEMP TABLE … ON COMMIT DROP` staging table: that took five round
    /// trips (BEGIN, CREATE, COPY, INSERT, COMMIT) and catalog churn per request, and the
    /// remote-write benchmark (Benchmarks/exemplars.sh) measured it several times slower. The
    /// daily partitions of the batch's days are created first if this process has not seen
    /// them yet.
    ///
    /// Exemplars whose labels exceed OpenMetrics' 128 code points are stored unchanged and
    /// counted in `correlator_exemplar_labels_over_limit_total`.
    @discardableResult
    public func writeExemplars(_ exemplars: [Exemplar], tenant: String) async throws -> ExemplarWriteResult {
        let overLimit = exemplars.reduce(0) { $0 + ($1.exceedsLabelLimit ? 1 : 0) }
        if overLimit > 0 {
            Counter(label: ExemplarMetricNames.labelsOverLimit).increment(by: overLimit)
        }
        Counter(label: ExemplarMetricNames.received).increment(by: exemplars.count)
        let unique = ExemplarBatch.collapsingRepeats(exemplars)
        guard !unique.isEmpty else {
            return ExemplarWriteResult(received: exemplars.count, stored: 0, overLabelLimit: overLimit)
        }
        let rows = ExemplarColumns(unique)
        let days = Set(unique.map { UTCTime.dayNumber(unixMilli: $0.timestamp) })
        let stored = try await withPartitions(forDays: days) { try await insert(rows: rows, tenant: tenant) }
        Counter(label: ExemplarMetricNames.stored).increment(by: stored)
        return ExemplarWriteResult(received: exemplars.count, stored: stored, overLabelLimit: overLimit)
    }

    private func insert(rows: ExemplarColumns, tenant: String) async throws -> Int {
        try await measure("write_exemplars") { try await insertStatement(rows, tenant: tenant) }
    }

    private func insertStatement(_ columns: ExemplarColumns, tenant: String) async throws -> Int {
        let inserted = try await client.query("""
            WITH staged AS (
                SELECT timestamptz 'epoch' + u.ts_ms * interval '1 millisecond' AS ts,
                       u.metric, u.series::jsonb AS series, u.series_fp, u.value,
                       NULLIF(u.trace_id, ''::bytea) AS trace_id, NULLIF(u.span_id, ''::bytea) AS span_id,
                       NULLIF(u.profile_id, '') AS profile_id, u.labels::jsonb AS labels
                FROM unnest(\(columns.timestamps)::bigint[], \(columns.metrics)::text[], \(columns.series)::text[],
                            \(columns.fingerprints)::bigint[], \(columns.values)::float8[], \(columns.traceIDs)::bytea[],
                            \(columns.spanIDs)::bytea[], \(columns.profileIDs)::text[], \(columns.labels)::text[])
                     AS u(ts_ms, metric, series, series_fp, value, trace_id, span_id, profile_id, labels)
            ), inserted AS (
                INSERT INTO exemplars (tenant, ts, metric, series, series_fp, value, trace_id, span_id, profile_id, labels)
                SELECT \(tenant), s.ts, s.metric, s.series, s.series_fp, s.value, s.trace_id, s.span_id, s.profile_id, s.labels
                FROM staged s
                WHERE NOT EXISTS (
                    SELECT 1 FROM (
                        SELECT e.labels, e.value FROM exemplars e
                        WHERE e.tenant = \(tenant) AND e.series_fp = s.series_fp AND e.ts <= s.ts
                        ORDER BY e.ts DESC LIMIT 1
                    ) latest
                    WHERE latest.labels = s.labels AND latest.value = s.value
                )
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*)::bigint FROM inserted
            """, logger: logger)
        var count = 0
        for try await value in inserted.decode(Int.self) { count = value }
        return count
    }
}

/// What one ``Store/writeExemplars(_:tenant:)`` did.
public struct ExemplarWriteResult: Sendable, Hashable {
    /// Exemplars handed to the writer.
    public var received: Int
    /// Rows inserted; the rest were repeats of stored exemplars.
    public var stored: Int
    /// Exemplars whose labels exceed 128 code points (stored anyway).
    public var overLabelLimit: Int

    public init(received: Int, stored: Int, overLabelLimit: Int) {
        self.received = received
        self.stored = stored
        self.overLabelLimit = overLabelLimit
    }
}

/// Names of the exemplar ingest metrics in `/metrics`.
public enum ExemplarMetricNames {
    /// Exemplars whose label set is longer than 128 code points, kept and counted.
    public static let labelsOverLimit = "correlator_exemplar_labels_over_limit_total"
    /// Exemplars received by any ingest path.
    public static let received = "correlator_exemplars_received_total"
    /// Exemplars inserted (received minus repeats).
    public static let stored = "correlator_exemplars_stored_total"
}
