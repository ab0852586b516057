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
        let days = Set(batch.startUnixNanos.map(UTCTime.dayNumber(unixNano:)))
        let inserted = try await measure("write_spans") {
            try await withPartitions(forDays: days) { try await copySpansIdempotently(batch, tenant: tenant) }
        }
        return SpanWriteResult(inserted: inserted, duplicates: repeated + batch.count - inserted)
    }

    private func copySpansIdempotently(_ batch: SpanBatch, tenant: String) async throws -> Int {
        do {
            return try await copySpans(batch, tenant: tenant, staged: false)
        } catch where Self.isUniqueViolation(error) {
            return try await copySpans(batch, tenant: tenant, staged: true)
        }
    }

    /// Bytes of COPY text sent per message to the server.
    private static let copyChunkBytes = 1 << 20

    /// COPYs the batch into `spans` (`staged: false`, fails on a row already stored) or through
    /// a staging table that skips stored rows; returns the rows added.
    private func copySpans(_ batch: SpanBatch, tenant: String, staged: Bool) async throws -> Int {
        let logger = self.logger
        return try await writer.withTransaction(logger: logger) { connection in
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
}
