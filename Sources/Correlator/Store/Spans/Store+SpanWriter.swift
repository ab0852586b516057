import Exemplars
import Logging
import NIOCore
import PostgresNIO

/// What a span write did.
public struct SpanWriteResult: Sendable, Hashable {
    /// Rows added to `spans`.
    public var inserted: Int
    /// Spans not added because they were already stored (a retried request) or repeated within
    /// the batch.
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

extension Store {
    /// Stores a batch of spans for `tenant` and returns once they are committed.
    ///
    /// One transaction, COPY in text format. The first attempt COPYs straight into `spans` (the
    /// speed of a plain COPY); when a row is already there (a retried request: unique
    /// violation), that transaction rolls back and the batch goes through a temporary staging
    /// table and `INSERT … SELECT … ON CONFLICT DO NOTHING`, so a retry adds nothing (the
    /// natural key is tenant, trace id, span id, start time). The daily partitions of the
    /// batch's days are created first when this process has not seen them.
    ///
    /// Throws the database's error (`PSQLError`, or a connection error) when it cannot store
    /// the batch; nothing is stored then.
    @discardableResult
    public func writeSpans(_ batch: SpanBatch, tenant: String) async throws -> SpanWriteResult {
        var batch = batch
        let repeated = batch.removeDuplicateSpans()
        guard !batch.isEmpty else { return SpanWriteResult(inserted: 0, duplicates: repeated) }
        try await ensurePartitions(forUnixNanos: batch.startUnixNanos)
        let inserted = try await measure("write_spans") {
            do {
                return try await copySpansIdempotently(batch, tenant: tenant)
            } catch where Self.isMissingPartition(error) {
                // "no partition of relation spans found for row": a partition this process thought
                // it had was dropped (retention) or belongs to another database. Ensure again, once.
                await PartitionDayCache.shared.forget(client)
                try await ensurePartitions(forUnixNanos: batch.startUnixNanos)
                return try await copySpansIdempotently(batch, tenant: tenant)
            }
        }
        return SpanWriteResult(inserted: inserted, duplicates: repeated + batch.count - inserted)
    }

    private func copySpansIdempotently(_ batch: SpanBatch, tenant: String) async throws -> Int {
        do {
            return try await copySpans(batch, tenant: tenant, staged: false)
        } catch where Self.sqlState(of: error) == "23505" {
            return try await copySpans(batch, tenant: tenant, staged: true)
        }
    }

    /// Whether the error is PostgreSQL's "no partition of relation … found for row" (SQLSTATE
    /// 23514), possibly wrapped in a transaction error.
    static func isMissingPartition(_ error: any Error) -> Bool {
        sqlState(of: error) == "23514" && psqlError(error)?.serverInfo?[.tableName] == "spans"
    }

    /// The SQLSTATE of a server error, unwrapping a transaction error.
    static func sqlState(of error: any Error) -> String? {
        psqlError(error)?.serverInfo?[.sqlState]
    }

    private static func psqlError(_ error: any Error) -> PSQLError? {
        if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError {
            return inner as? PSQLError
        }
        return error as? PSQLError
    }

    /// Bytes of COPY text sent per message to the server.
    private static let copyChunkBytes = 1 << 20

    /// COPYs the batch into `spans` (`staged: false`, fails on a row already stored) or through
    /// a staging table that skips stored rows; returns the rows added.
    private func copySpans(_ batch: SpanBatch, tenant: String, staged: Bool) async throws -> Int {
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            if staged {
                try await connection.query(
                    "CREATE TEMP TABLE spans_staging (LIKE spans INCLUDING DEFAULTS) ON COMMIT DROP", logger: logger
                )
            }
            let encoder = SpanCopyEncoder(tenant: tenant)
            let table = staged ? "spans_staging" : "spans"
            try await connection.copyFrom(table: table, columns: SpanCopyEncoder.columns, logger: logger) { writer in
                var output: [UInt8] = []
                output.reserveCapacity(min(Self.copyChunkBytes, batch.attributesUTF8.count + batch.count * 256) + 4096)
                var index = 0
                while index < batch.count {
                    let end = min(index + 64, batch.count)
                    encoder.appendRows(of: batch, index..<end, to: &output)
                    index = end
                    if output.count >= Self.copyChunkBytes || index == batch.count {
                        try await writer.write(ByteBuffer(bytes: output))
                        output.removeAll(keepingCapacity: true)
                    }
                }
            }
            guard staged else { return batch.count }
            let rows = try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO spans SELECT * FROM spans_staging ON CONFLICT DO NOTHING RETURNING 1
                )
                SELECT count(*) FROM inserted
                """,
                logger: logger
            )
            var inserted = 0
            for try await count in rows.decode(Int.self) { inserted = count }
            return inserted
        }
    }

    /// Creates the daily partitions for the days of these times that this process has not yet
    /// ensured for this database.
    func ensurePartitions(forUnixNanos times: [Int64]) async throws {
        guard let first = times.first else { return }
        var days: Set<Int64> = [UTCTime.dayNumber(unixNano: first)]
        let firstDay = UTCTime.dayNumber(unixNano: first)
        for time in times {
            let day = UTCTime.dayNumber(unixNano: time)
            if day != firstDay { days.insert(day) }
        }
        let missing = await PartitionDayCache.shared.missing(days, for: client)
        guard !missing.isEmpty else { return }
        let dates = missing.sorted().map(UTCTime.dateString(day:))
        let rows = try await client.query(
            "SELECT ensure_partitions(day, day) FROM unnest(\(dates)::date[]) AS day", logger: logger
        )
        for try await _ in rows {}
        await PartitionDayCache.shared.insert(missing, for: client)
    }
}

/// The days whose partitions this process has ensured, per database client, so that a
/// writer calls `ensure_partitions` only for days it has not seen.
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
