import Logging
import PostgresNIO

extension Store {
    /// Runs a write into the daily-partitioned tables for rows of `days` (days since 1970-01-01,
    /// UTC). The partitions of days this process has not seen for this database are created
    /// first (`ensure_partitions`); the `PartitionMaintainer` keeps yesterday to two days ahead,
    /// so only old or future-dated rows pay for this. When the write still finds a day without
    /// its partition (dropped by retention since, or created in another database), the cache is
    /// forgotten, the partitions are created and the write runs once more. `write` must be
    /// all-or-nothing (one transaction or one statement).
    func withPartitions<Result>(
        forDays days: Set<Int64>, _ write: () async throws -> Result
    ) async throws -> Result {
        try await ensurePartitions(forDays: days)
        do {
            return try await write()
        } catch where Self.isMissingPartition(error) {
            await PartitionDayCache.shared.forget(client)
            try await ensurePartitions(forDays: days)
            return try await write()
        }
    }

    /// Creates the daily partitions of the days this process has not yet ensured for this
    /// database: one `ensure_partitions` call per run of consecutive days, so a batch spanning
    /// years does not create every day in between.
    func ensurePartitions(forDays days: Set<Int64>) async throws {
        let missing = await PartitionDayCache.shared.missing(days, for: client)
        guard !missing.isEmpty else { return }
        for (first, last) in Self.consecutiveRuns(of: missing.sorted()) {
            let rows = try await writer.query(
                "SELECT ensure_partitions(\(UTCTime.dateString(day: first))::date, \(UTCTime.dateString(day: last))::date)",
                logger: logger
            )
            for try await _ in rows {}
        }
        await PartitionDayCache.shared.insert(missing, for: client)
    }

    static func consecutiveRuns(of sortedDays: [Int64]) -> [(Int64, Int64)] {
        var runs: [(Int64, Int64)] = []
        for day in sortedDays {
            if let last = runs.last, last.1 + 1 == day {
                runs[runs.count - 1].1 = day
            } else {
                runs.append((day, day))
            }
        }
        return runs
    }

    /// Whether the error is PostgreSQL's "no partition of relation … found for row" (SQLSTATE
    /// 23514 from a partition routing failure), possibly wrapped in a transaction error.
    static func isMissingPartition(_ error: any Error) -> Bool {
        guard let server = psqlError(error)?.serverInfo,
              server[.sqlState] == "23514" || server[.sqlState] == Self.citusCopyErrorState
        else { return false }
        return (server[.message] ?? "").contains("no partition")
    }

    /// Whether the error is a unique violation (SQLSTATE 23505), possibly wrapped in a
    /// transaction error.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        guard let server = psqlError(error)?.serverInfo else { return false }
        if server[.sqlState] == "23505" { return true }
        return server[.sqlState] == Self.citusCopyErrorState
            && (server[.message] ?? "").hasPrefix("duplicate key value violates unique constraint")
    }

    /// Citus re-raises an error a worker reports during COPY with the worker's message but
    /// without its SQLSTATE (as XX000, internal error: `ReportCopyError` in its multi_copy.c),
    /// so a COPY through a coordinator meeting a stored key or a missing partition is known by
    /// its message.
    static let citusCopyErrorState = "XX000"

    /// The SQLSTATE of a server error, unwrapping a transaction error.
    static func sqlState(of error: any Error) -> String? {
        psqlError(error)?.serverInfo?[.sqlState]
    }

    static func psqlError(_ error: any Error) -> PSQLError? {
        if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError {
            return inner as? PSQLError
        }
        return error as? PSQLError
    }
}

/// The days whose partitions this process has ensured, per database client, so that writers
/// call `ensure_partitions` only for days they have not seen.
actor PartitionDayCache {
    static let shared = PartitionDayCache()

    private var days: [ObjectIdentifier: Set<Int64>] = [:]

    func missing(_ wanted: Set<Int64>, for client: PostgresClient) -> Set<Int64> {
        wanted.subtracting(days[ObjectIdentifier(client), default: []])
    }

    func insert(_ ensured: Set<Int64>, for client: PostgresClient) {
        days[ObjectIdentifier(client), default: []].formUnion(ensured)
    }

    func forget(_ client: PostgresClient) {
        days[ObjectIdentifier(client)] = nil
    }
}
