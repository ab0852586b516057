import Correlator
import PostgresNIO
import Testing
import TestSupport

/// `bigint[]` columns (profile stacks and their values) as PostgreSQL sends them, decoded by
/// hand: the same numbers PostgresNIO's own `[Int64]` decoding gives, and a clear failure for
/// what is not a one-dimensional array of non-NULL bigints.
@Suite("bigint[] decoding")
struct BigintArrayTests {
    @Test func decodesWhatPostgresNIOsArrayDecodingDecodes() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let cases = [
                "ARRAY[]::bigint[]",
                "ARRAY[1, -2, 0, 9223372036854775807, -9223372036854775808]::bigint[]",
                "(SELECT array_agg(g * 7919) FROM generate_series(-5000, 5000) g)::bigint[]",
            ]
            for sql in cases {
                let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT \(sql), \(sql)"))
                for try await (mine, theirs) in rows.decode((BigintArray, [Int64]).self) {
                    #expect(mine.values == theirs, "\(sql)")
                }
            }
        }
    }

    @Test func refusesNullsOtherTypesAndMoreDimensions() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            for sql in ["ARRAY[1, NULL]::bigint[]", "ARRAY[1, 2]::int[]", "ARRAY[[1, 2], [3, 4]]::bigint[]"] {
                await #expect(throws: (any Error).self, "\(sql)") {
                    for try await _ in try await client.query(PostgresQuery(unsafeSQL: "SELECT \(sql)")).decode(BigintArray.self) {}
                }
            }
        }
    }
}
