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
    /// 1. **Same series, same timestamp**: the primary key `(series_fp, ts, tenant)` and
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
    /// collapse the same way before they reach the database. Two concurrent writers delivering
    /// the same fresh exemplar of one series (two scrapers of the same target) can both store
    /// it: deduplication is exact for one writer per series, which is how scraping and remote
    /// write are deployed.
    ///
    /// ## Where rule 2 is decided
    ///
    /// The process remembers the newest stored exemplar of each series it has written or read
    /// (``ExemplarLatestCache``). A series whose batch starts at or after that exemplar's time
    /// is decided here when its first row differs from the remembered exemplar: the rows are
    /// inserted without a database check (this process's last write *is* the latest at or
    /// before each of them, for one writer per series). When its first row *repeats* the
    /// remembered exemplar, the database decides the series: another replica may have stored a
    /// different exemplar since, and then the repeat is a new exposure. Stale memory can so
    /// cost a stored repeat, never an exemplar. A series not remembered (first sight since start, or
    /// forgotten) is first looked up in the database — one query for all of them. A series
    /// whose batch starts *before* its newest stored exemplar (out-of-order data) is decided by
    /// the statement itself, which compares each such row with the latest row committed at or
    /// before it. After the commit the remembered exemplars move forward; when the database
    /// did not take exactly what was expected (a conflicting concurrent write, out-of-order
    /// rows) the batch's series are forgotten and looked up again next time. Dropping
    /// partitions for retention forgets everything (``PartitionMaintainer``).
    ///
    /// The batch goes to the database as one statement, which is atomic on its own: a named
    /// prepared ``ExemplarInsertStatement`` (`INSERT … SELECT … FROM unnest(<one array per
    /// column>)`) when every row was decided here, else ``ExemplarCheckedInsertStatement``
    /// (the same with the check and `ON CONFLICT DO NOTHING`). This replaced COPY into a
    /// `CREATE TEMP TABLE … ON COMMIT DROP` staging table: that took five round trips (BEGIN,
    /// CREATE, COPY, INSERT, COMMIT) and catalog churn per request, and the remote-write
    /// benchmark (Benchmarks/exemplars.sh) measured it several times slower. The daily
    /// partitions of the batch's days are created first if this process has not seen them yet.
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
        let cache = ExemplarLatestCache.of(client)
        let labels = unique.map { ExemplarColumns.json($0.labels) }
        let groups = ExemplarBatch.seriesRuns(unique)
        let keys = groups.map { ExemplarLatestCache.Key(tenant: tenant, fingerprint: Int64(bitPattern: unique[$0.lowerBound].series.fingerprint)) }
        var states = cache.states(keys)
        if states.count < keys.count {
            let missing = keys.filter { states[$0] == nil }
            let found = try await latestStored(missing, tenant: tenant)
            cache.record(found, seed: true)
            states.merge(found) { known, _ in known }
        }
        let plan = ExemplarWritePlan(unique, labels: labels, groups: groups, keys: keys, states: states)
        guard !plan.rows.isEmpty else {
            return ExemplarWriteResult(received: exemplars.count, stored: 0, overLabelLimit: overLimit)
        }
        let columns = ExemplarColumns(unique, rows: plan.rows, labels: labels, checked: plan.checked)
        let seriesDays = zip(groups, keys).map { group, key in
            (key: key, day: UTCTime.dayNumber(unixMilli: unique[group.upperBound - 1].timestamp))
        }
        let unwritten = cache.unwrittenSeries(seriesDays)
        let series = ExemplarSeriesColumns(unique, groups: groups, indices: unwritten)
        let days = Set(unique.map { UTCTime.dayNumber(unixMilli: $0.timestamp) })
        var stored: Int
        do {
            if plan.checkedCount == 0 {
                // Decided here: a plain INSERT, no conflict expected. A duplicate key means the
                // database moved under us (another writer of these series): forget what we
                // remembered and let the database decide the whole batch.
                do {
                    stored = try await withPartitions(forDays: days) { try await insertDecided(columns, series: series, tenant: tenant) }
                    cache.record(plan.newest, seed: false)
                } catch where Self.isUniqueViolation(error) {
                    cache.forget(keys)
                    let all = ExemplarColumns(unique, rows: Array(unique.indices), labels: labels, checked: Array(repeating: true, count: unique.count))
                    stored = try await withPartitions(forDays: days) { try await insertChecked(all, series: series, tenant: tenant) }
                }
            } else {
                stored = try await withPartitions(forDays: days) { try await insertChecked(columns, series: series, tenant: tenant) }
                cache.forget(keys)
            }
        } catch {
            cache.forget(keys)
            throw error
        }
        cache.recordSeries(unwritten.lazy.map { seriesDays[$0] })
        Counter(label: ExemplarMetricNames.stored).increment(by: stored)
        return ExemplarWriteResult(received: exemplars.count, stored: stored, overLabelLimit: overLimit)
    }

    /// The newest stored exemplar of each series (nil: none stored), read for series the
    /// process does not remember.
    private func latestStored(_ keys: [ExemplarLatestCache.Key], tenant: String) async throws -> [ExemplarLatestCache.Key: ExemplarLatestCache.State] {
        let fingerprints = keys.map(\.fingerprint)
        // One lookup per series in exemplar_latest() (migration 0014): a LATERAL join from
        // unnest() is not something Citus can plan.
        let rows = try await writer.query("""
            SELECT f.fp, (extract(epoch FROM l.ts) * 1000)::bigint, l.labels::text, l.value
            FROM unnest(\(fingerprints)::bigint[]) WITH ORDINALITY AS f(fp, ordinal)
            LEFT JOIN exemplar_latest(\(tenant), \(fingerprints)::bigint[], array_fill('infinity'::timestamptz, ARRAY[\(fingerprints.count)]::integer[])) l
                ON l.ordinal = f.ordinal
            """, logger: logger)
        var found: [ExemplarLatestCache.Key: ExemplarLatestCache.State] = [:]
        for try await (fingerprint, timestamp, labelsJSON, value) in rows.decode((Int64, Int64?, String?, Double?).self) {
            let key = ExemplarLatestCache.Key(tenant: tenant, fingerprint: fingerprint)
            if let timestamp, let labelsJSON, let value {
                let labels = ExemplarColumns.json(try Self.labelSet(fromJSON: labelsJSON))
                found[key] = .some(ExemplarLatestCache.Latest(timestamp: timestamp, labels: labels, value: value))
            } else {
                found[key] = .some(nil)
            }
        }
        return found
    }

    /// Inserts rows the writer decided (none repeats its series' latest stored exemplar, none
    /// at the time of a stored row): every row is inserted, or the statement fails.
    private func insertDecided(_ rows: ExemplarColumns, series: ExemplarSeriesColumns, tenant: String) async throws -> Int {
        try await measure("write_exemplars") {
            let statement = ExemplarInsertStatement(tenant: tenant, columns: rows, series: series)
            try await withWriterConnection { connection in
                for try await _ in try await connection.execute(statement, logger: logger) {}
            }
            return rows.timestamps.count
        }
    }

    /// Inserts rows of which the `checked` ones are compared with the stored rows by the
    /// statement; duplicates of stored keys are skipped. Returns how many were inserted.
    private func insertChecked(_ rows: ExemplarColumns, series: ExemplarSeriesColumns, tenant: String) async throws -> Int {
        try await measure("write_exemplars") {
            let statement = ExemplarCheckedInsertStatement(tenant: tenant, columns: rows, series: series)
            return try await withWriterConnection { connection in
                var count = 0
                for try await value in try await connection.execute(statement, logger: logger) {
                    count = value
                }
                return count
            }
        }
    }
}

extension Store {
    /// Runs `body` on a connection of the writers' pool and closes that connection when a
    /// statement failed on the server for any reason but a constraint (class 23: the duplicate
    /// key the decided insert may meet is expected), so that the pool replaces it.
    ///
    /// Why: PostgresNIO remembers a failed *preparation* of a named prepared statement for the
    /// life of the connection and answers every later execution of that statement on it with
    /// the same error, without asking the server. Preparing the exemplar inserts takes the same
    /// table locks as running them, so a preparation stalled past `write_timeout` and cancelled
    /// by `statement_timeout` would otherwise fail every exemplar write on that connection
    /// until it closed (found by `RetriedWriteTests`).
    func withWriterConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await writer.withConnection { connection in
            do {
                return try await body(connection)
            } catch let error as PSQLError where error.code == .server && !(error.serverInfo?[.sqlState] ?? "").hasPrefix("23") {
                try? await connection.close()
                throw error
            }
        }
    }
}

/// Which rows of a collapsed batch (``ExemplarBatch/collapsingRepeats(_:)``: sorted by series,
/// then time) to insert, and which of them the database must still check against the latest
/// stored exemplar of their series (see ``Store/writeExemplars(_:tenant:)``).
struct ExemplarWritePlan {
    /// Indices of the rows to insert.
    var rows: [Int] = []
    /// Per row to insert: whether the statement checks it against the stored rows.
    var checked: [Bool] = []
    var checkedCount = 0
    /// The newest inserted row of each series decided here, to remember after the commit.
    var newest: [ExemplarLatestCache.Key: ExemplarLatestCache.State] = [:]

    init(
        _ batch: [Exemplar], labels: [String], groups: [Range<Int>], keys: [ExemplarLatestCache.Key],
        states: [ExemplarLatestCache.Key: ExemplarLatestCache.State]
    ) {
        rows.reserveCapacity(batch.count)
        checked.reserveCapacity(batch.count)
        newest.reserveCapacity(groups.count)
        for (group, key) in zip(groups, keys) {
            // Unknown (only when the lookup raced a forget): let the statement decide.
            guard let state = states[key] else {
                appendChecked(group)
                continue
            }
            var previous = state
            var inserted = false
            if let latest = state, batch[group.lowerBound].timestamp < latest.timestamp {
                appendChecked(group)
                continue
            }
            // A row repeating the remembered exemplar is skipped only when the database agrees:
            // another writer (a replica behind the same load balancer) may have stored a
            // different exemplar since, and then the repeat is a new exposure that must be
            // kept. Being wrong the other way (storing a repeat) costs one row, never data.
            if let latest = state,
               let first = group.first(where: { batch[$0].timestamp != latest.timestamp }),
               latest.labels == labels[first], ExemplarBatch.sameValue(latest.value, batch[first].value) {
                appendChecked(group)
                continue
            }
            for index in group {
                let exemplar = batch[index]
                if let last = previous {
                    // Same time as a stored row: the primary key drops it.
                    if last.timestamp == exemplar.timestamp { continue }
                    if last.labels == labels[index] && ExemplarBatch.sameValue(last.value, exemplar.value) { continue }
                }
                rows.append(index)
                checked.append(false)
                inserted = true
                previous = ExemplarLatestCache.Latest(timestamp: exemplar.timestamp, labels: labels[index], value: exemplar.value)
            }
            if inserted, let last = previous { newest[key] = .some(last) }
        }
    }

    private mutating func appendChecked(_ group: Range<Int>) {
        rows.append(contentsOf: group)
        checked.append(contentsOf: repeatElement(true, count: group.count))
        checkedCount += group.count
    }
}

/// The upsert of a batch's ``ExemplarSeriesColumns`` (`$9`…`$12`), the first part of both
/// insert statements: a series row is created, or its `last_day` moved forward.
private let exemplarSeriesUpsert = """
    series_rows AS (
        INSERT INTO exemplar_series (tenant, series_fp, metric, series, last_day)
        SELECT $1, s.series_fp, s.metric, s.series::jsonb, date '1970-01-01' + s.day::integer
        FROM unnest($9::bigint[], $10::text[], $11::text[], $12::bigint[]) AS s(series_fp, metric, series, day)
        ON CONFLICT (tenant, series_fp) DO UPDATE SET last_day = EXCLUDED.last_day
        WHERE exemplar_series.last_day < EXCLUDED.last_day
    )
    """

/// The batch insert of rows the writer decided, a named prepared statement (planned once per
/// connection), with the batch's new series rows. No `ON CONFLICT` on the exemplars: its
/// speculative insertion probes the primary key once more per row, and a conflict here means
/// the writer's assumption broke (see ``Store/writeExemplars(_:tenant:)``), which it handles by
/// retrying with ``ExemplarCheckedInsertStatement``.
struct ExemplarInsertStatement: PostgresPreparedStatement {
    typealias Row = ()

    static let name = "correlator_insert_exemplars_v3"

    static let sql = """
        WITH \(exemplarSeriesUpsert)
        INSERT INTO exemplars (tenant, ts, series_fp, value, trace_id, span_id, profile_id, labels)
        SELECT $1, timestamptz 'epoch' + u.ts_ms * interval '1 millisecond', u.series_fp, u.value,
               NULLIF(u.trace_id, ''::bytea), NULLIF(u.span_id, ''::bytea), NULLIF(u.profile_id, ''), NULLIF(u.labels, '')::jsonb
        FROM unnest($2::bigint[], $3::bigint[], $4::float8[], $5::bytea[], $6::bytea[], $7::text[], $8::text[])
             AS u(ts_ms, series_fp, value, trace_id, span_id, profile_id, labels)
        """

    var tenant: String
    var columns: ExemplarColumns
    var series: ExemplarSeriesColumns

    func makeBindings() throws -> PostgresBindings {
        columns.bindings(tenant: tenant, series: series, checked: false)
    }

    func decodeRow(_ row: PostgresRow) throws {}
}

/// The batch insert when the database must decide: `checked` rows are inserted only when
/// they differ (labels or value) from the latest row of their series committed at or before
/// them (`exemplar_latest()`, migration 0014: one lookup per checked row, a router query on
/// Citus); rows at the time of a stored row of their series are skipped. The batch's new
/// series rows go in as in ``ExemplarInsertStatement``. A named prepared statement. Returns
/// how many exemplar rows were inserted.
struct ExemplarCheckedInsertStatement: PostgresPreparedStatement {
    typealias Row = Int

    static let name = "correlator_insert_exemplars_checked_v4"

    static let sql = """
        WITH \(exemplarSeriesUpsert), staged AS (
            SELECT u.ordinal, timestamptz 'epoch' + u.ts_ms * interval '1 millisecond' AS ts, u.series_fp, u.value,
                   NULLIF(u.trace_id, ''::bytea) AS trace_id, NULLIF(u.span_id, ''::bytea) AS span_id,
                   NULLIF(u.profile_id, '') AS profile_id, NULLIF(u.labels, '')::jsonb AS labels, u.checked
            FROM unnest($2::bigint[], $3::bigint[], $4::float8[], $5::bytea[], $6::bytea[], $7::text[], $8::text[], $13::bool[])
                 WITH ORDINALITY AS u(ts_ms, series_fp, value, trace_id, span_id, profile_id, labels, checked, ordinal)
        ), latest AS (
            SELECT * FROM exemplar_latest($1, ARRAY(SELECT series_fp FROM staged ORDER BY ordinal),
                                              ARRAY(SELECT CASE WHEN checked THEN ts END FROM staged ORDER BY ordinal))
        ), inserted AS (
            INSERT INTO exemplars (tenant, ts, series_fp, value, trace_id, span_id, profile_id, labels)
            SELECT $1, s.ts, s.series_fp, s.value, s.trace_id, s.span_id, s.profile_id, s.labels
            FROM staged s
            LEFT JOIN latest ON latest.ordinal = s.ordinal
                AND latest.labels = exemplar_labels(s.labels, s.trace_id, s.span_id) AND latest.value = s.value
            WHERE latest.ordinal IS NULL
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::bigint FROM inserted
        """

    var tenant: String
    var columns: ExemplarColumns
    var series: ExemplarSeriesColumns

    func makeBindings() throws -> PostgresBindings {
        columns.bindings(tenant: tenant, series: series, checked: true)
    }

    func decodeRow(_ row: PostgresRow) throws -> Int {
        try row.decode(Int.self)
    }
}

extension ExemplarColumns {
    /// `$1` the tenant, `$2`…`$8` the exemplar columns in the order both insert statements
    /// unnest them, `$9`…`$12` the series rows, and `$13` the per-row `checked` flags when the
    /// statement takes them.
    func bindings(tenant: String, series: ExemplarSeriesColumns, checked withChecked: Bool) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: withChecked ? 13 : 12)
        bindings.append(tenant)
        bindings.append(timestamps)
        bindings.append(fingerprints)
        bindings.append(values)
        bindings.append(traceIDs)
        bindings.append(spanIDs)
        bindings.append(profileIDs)
        bindings.append(labels)
        bindings.append(series.fingerprints)
        bindings.append(series.metrics)
        bindings.append(series.series)
        bindings.append(series.days)
        if withChecked { bindings.append(checked) }
        return bindings
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
