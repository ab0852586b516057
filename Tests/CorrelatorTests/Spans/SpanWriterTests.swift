import Exemplars
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Testing
import TestSupport
@testable import Correlator

/// The span writer against a real PostgreSQL: what the SDK sent is what the table holds.
@Suite("Span writer against a real PostgreSQL")
struct SpanWriterTests {
    static func store(_ client: PostgresClient) throws -> Store {
        let logger = Logger(label: "test")
        return Store(
            client: client, target: "test database",
            migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger
        )
    }

    /// Every column of a tenant's rows, as text, ordered by start and span id.
    static func rows(_ client: PostgresClient, tenant: String) async throws -> [[String?]] {
        let rows = try await client.query(
            """
            SELECT encode(trace_id, 'hex'), encode(span_id, 'hex'), encode(parent_span_id, 'hex'), service, name,
                   kind::text, to_char(start_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), start_unix_nano::text,
                   duration_ns::text, status_code::text, status_message, attributes::text, profile_id
            FROM spans WHERE tenant = \(tenant) ORDER BY start_unix_nano, span_id
            """
        )
        var result: [[String?]] = []
        for try await row in rows {
            var columns: [String?] = []
            for cell in row { columns.append(try cell.decode(String?.self)) }
            result.append(columns)
        }
        return result
    }

    static func count(_ client: PostgresClient) async throws -> Int {
        var total = 0
        for try await count in try await client.query("SELECT count(*) FROM spans").decode(Int.self) { total = count }
        return total
    }

    @Test func protobufAndJSONFixturesStoreIdenticalRowsMatchingTheSDK() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try Self.store(client)
            let decoder = OTLPTraceDecoder()
            let fromProtobuf = try decoder.decode(protobuf: OTLPFixtures.data("spans.pb")).spans
            let fromJSON = try decoder.decode(json: OTLPFixtures.data("spans.json")).spans
            let written = try await store.writeSpans(fromProtobuf, tenant: "pb")
            #expect(written == SpanWriteResult(inserted: 5, duplicates: 0))
            try await store.writeSpans(fromJSON, tenant: "json")

            let protobufRows = try await Self.rows(client, tenant: "pb")
            let jsonRows = try await Self.rows(client, tenant: "json")
            #expect(protobufRows.count == 5)
            #expect(protobufRows == jsonRows)

            // Against what the SDK reported (expected.json), ordered as the query orders.
            let expected = try OTLPFixtures.expected().spans
            let attributes = try OTLPFixtures.expectedAttributes()
            let order = expected.indices.sorted { expected[$0].start_unix_nano < expected[$1].start_unix_nano }
            for (row, index) in zip(protobufRows, order) {
                let span = expected[index]
                #expect(row[0] == span.trace_id)
                #expect(row[1] == span.span_id)
                #expect(row[2] == span.parent_span_id)
                #expect(row[3] == span.service)
                #expect(row[4] == span.name)
                #expect(row[5] == "\(span.kind)")
                #expect(row[7] == "\(span.start_unix_nano)")
                #expect(row[8] == "\(span.duration_nanos)")
                #expect(row[9] == "\(span.status_code)")
                #expect((row[10] ?? "") == span.status_message)
                #expect(try OTLPFixtures.canonical(json: row[11]!) == OTLPFixtures.canonical(attributes[index]))
                #expect(row[12] == span.profile_id)
                // start_ts is the start at PostgreSQL's microsecond resolution.
                let seconds = span.start_unix_nano / 1_000_000_000
                let micros = span.start_unix_nano % 1_000_000_000 / 1000
                let date = Date(timeIntervalSince1970: TimeInterval(seconds))
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
                #expect(row[6] == formatter.string(from: date) + "." + String(format: "%06d", micros))
            }

            // The query returns the same spans.
            let traceID = try #require(TraceID(hex: expected[0].trace_id))
            let stored = try await store.spans(ofTrace: traceID, tenant: "json")
            #expect(stored.map(\.spanID.hexString) == protobufRows.filter { $0[0] == expected[0].trace_id }.map { $0[1]! })
            #expect(stored.count == expected.filter { $0.trace_id == expected[0].trace_id }.count)
            #expect(try await store.spans(ofTrace: traceID, tenant: "other").isEmpty)
        }
    }

    @Test func aRetriedBatchAddsNothing() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try Self.store(client)
            let batch = try OTLPTraceDecoder().decode(protobuf: OTLPFixtures.data("spans.pb")).spans
            #expect(try await store.writeSpans(batch, tenant: "t") == SpanWriteResult(inserted: 5, duplicates: 0))
            #expect(try await store.writeSpans(batch, tenant: "t") == SpanWriteResult(inserted: 0, duplicates: 5))
            #expect(try await Self.count(client) == 5)
            // The same spans for another tenant are other rows.
            #expect(try await store.writeSpans(batch, tenant: "u").inserted == 5)
            #expect(try await Self.count(client) == 10)
        }
    }

    @Test func aBatchOverlappingStoredSpansAddsOnlyTheNewOnes() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try Self.store(client)
            func batch(_ ids: ClosedRange<UInt64>) -> SpanBatch {
                var batch = SpanBatch()
                for id in ids {
                    batch.append(
                        traceID: TraceID(high: 7, low: 7), spanID: SpanID(id), parentSpanID: nil, service: "s",
                        name: "span \(id)", kind: 1, startUnixNano: 1_700_000_000_000_000_000 + Int64(id),
                        durationNanos: 1, statusCode: 0, statusMessage: "", profileID: nil, attributesJSON: "{}"
                    )
                }
                return batch
            }
            #expect(try await store.writeSpans(batch(1...3), tenant: "t") == SpanWriteResult(inserted: 3, duplicates: 0))
            // Spans 2 and 3 again, with 4 and 5 new: the direct COPY fails, the staged one adds two.
            #expect(try await store.writeSpans(batch(2...5), tenant: "t") == SpanWriteResult(inserted: 2, duplicates: 2))
            let names = try await store.spans(ofTrace: TraceID(high: 7, low: 7), tenant: "t").map(\.name)
            #expect(names == (1...5).map { "span \($0)" })
        }
    }

    @Test func concurrentRetriesOfTheSameBatchStoreItOnce() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try Self.store(client)
            let batch = try OTLPTraceDecoder().decode(protobuf: OTLPFixtures.data("spans.pb")).spans
            let inserted = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await store.writeSpans(batch, tenant: "t").inserted } }
                return try await group.reduce(0, +)
            }
            #expect(inserted == 5)
            #expect(try await Self.count(client) == 5)
        }
    }

    @Test func textThatCOPYMustEscapeArrivesUnchanged() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try Self.store(client)
            var batch = SpanBatch()
            let awkward = "tab\there\nnewline\r\\backslash \\N \"quote\" ünïcødé 🚀"
            batch.append(
                traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), parentSpanID: SpanID(0x0a0b_0c0d_0e0f_1011),
                service: awkward, name: awkward, kind: 2, startUnixNano: 1_700_000_000_123_456_789,
                durationNanos: 42, statusCode: 2, statusMessage: awkward, profileID: awkward,
                attributesJSON: #"{"span":{"k":"a\\b\n\t\"c\" \\N","n":-1.5e300}}"#
            )
            batch.append(
                traceID: TraceID(high: 1, low: 2), spanID: SpanID(4), parentSpanID: nil,
                service: "s", name: "", kind: 0, startUnixNano: 1_700_000_000_000_000_000,
                durationNanos: 0, statusCode: 0, statusMessage: "", profileID: nil, attributesJSON: "{}"
            )
            try await store.writeSpans(batch, tenant: "tab\tand\\slash")
            let spans = try await store.spans(ofTrace: TraceID(high: 1, low: 2), tenant: "tab\tand\\slash")
            try #require(spans.count == 2)
            let root = spans[0]
            #expect(root.spanID == SpanID(4))
            #expect(root.parentSpanID == nil)
            #expect(root.profileID == nil)
            #expect(root.statusMessage == "")
            #expect(root.name == "")
            let child = spans[1]
            #expect(child.service == awkward)
            #expect(child.name == awkward)
            #expect(child.statusMessage == awkward)
            #expect(child.profileID == awkward)
            #expect(child.parentSpanID == SpanID(0x0a0b_0c0d_0e0f_1011))
            #expect(child.startUnixNano == 1_700_000_000_123_456_789)
            #expect(child.startRFC3339 == "2023-11-14T22:13:20.123456789Z")
            let attributes = try JSONSerialization.jsonObject(with: Data(child.attributesJSON.utf8)) as? [String: Any]
            let span = attributes?["span"] as? [String: Any]
            #expect(span?["k"] as? String == "a\\b\n\t\"c\" \\N")
            #expect(span?["n"] as? Double == -1.5e300)
        }
    }

    @Test func spansOfManyDaysGetTheirPartitions() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try Self.store(client)
            var batch = SpanBatch()
            // 1999-12-31 23:59:59.999999999 UTC, 2000-01-01 (next day), and 2200-03-01.
            let starts: [Int64] = [946_684_799_999_999_999, 946_684_800_000_000_000, 7_263_216_000_000_000_000]
            for (index, start) in starts.enumerated() {
                batch.append(
                    traceID: TraceID(high: 9, low: 9), spanID: SpanID(UInt64(index + 1)), parentSpanID: nil,
                    service: "s", name: "n\(index)", kind: 1, startUnixNano: start, durationNanos: 1,
                    statusCode: 0, statusMessage: "", profileID: nil, attributesJSON: "{}"
                )
            }
            #expect(try await store.writeSpans(batch, tenant: "t").inserted == 3)
            var partitions: [String] = []
            for try await name in try await client.query(
                "SELECT tableoid::regclass::text FROM spans ORDER BY start_unix_nano"
            ).decode(String.self) {
                partitions.append(name)
            }
            if try await TestDatabase.isCitus {
                // On Citus the rows come from the shards of the partitions: `spans_p19991231_102163`.
                partitions = partitions.map { String($0[..<($0.lastIndex(of: "_") ?? $0.endIndex)]) }
            }
            #expect(partitions == ["spans_p19991231", "spans_p20000101", "spans_p22000301"])
            let spans = try await store.spans(ofTrace: TraceID(high: 9, low: 9), tenant: "t")
            #expect(spans.map(\.startRFC3339) == [
                "1999-12-31T23:59:59.999999999Z", "2000-01-01T00:00:00.000000000Z", "2200-03-01T00:00:00.000000000Z",
            ])
        }
    }

    @Test func aPartitionDroppedBehindTheCacheIsCreatedAgain() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try Self.store(client)
            let batch = try OTLPTraceDecoder().decode(protobuf: OTLPFixtures.data("spans.pb")).spans
            try await store.writeSpans(batch, tenant: "t")
            // Retention drops the day; the writer's cache still believes it exists.
            try await client.query("SELECT drop_partitions_before('2023-11-15')")
            #expect(try await Self.count(client) == 0)
            #expect(try await store.writeSpans(batch, tenant: "t").inserted == 5)
            #expect(try await Self.count(client) == 5)
        }
    }

    @Test func utcCalendarFields() {
        #expect(UTCTime(unixNano: 0).rfc3339 == "1970-01-01T00:00:00.000000000Z")
        #expect(UTCTime(unixNano: 951_782_400_000_000_001).rfc3339 == "2000-02-29T00:00:00.000000001Z")
        #expect(UTCTime(unixNano: Int64.max).rfc3339 == "2262-04-11T23:47:16.854775807Z")
        #expect(UTCTime.dateString(day: UTCTime.dayNumber(unixNano: 1_700_000_000_000_000_000)) == "2023-11-14")
    }
}
