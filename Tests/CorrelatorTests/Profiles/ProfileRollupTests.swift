import Correlator
import Foundation
import NIOCore
import PostgresNIO
import ProfileIndex
import Testing
import TestSupport

/// Hourly rollups: a merge over whole hours reads the rollup when it holds every profile of
/// its hour, the raw rows otherwise, and the answer is `go tool pprof`'s either way.
@Suite("Profile rollups")
struct ProfileRollupTests {
    typealias Fixtures = ProfileMergeTests

    /// cpu-a and cpu-b in the hour from `base` (00:00 and 00:01), cpu-c at 01:30.
    static func uploads() throws -> [ProfileUpload] {
        [
            try Fixtures.upload("cpu-a.pb.gz", kind: .cpu, labels: ["pod": "a"], minute: 0),
            try Fixtures.upload("cpu-b.pb.gz", kind: .cpu, labels: ["pod": "a"], minute: 1),
            try Fixtures.upload("cpu-c.pb.gz", kind: .cpu, labels: ["pod": "a"], minute: 90),
        ]
    }

    static func merge(_ store: Store, from: Int64, to: Int64) async throws -> MergedStacks {
        try await store.mergeProfiles(tenant: "default", query: ProfileMergeQuery(service: "checkout-api", kind: .cpu, sampleType: "cpu", from: from, to: to))
    }

    @Test func aMergeOverWholeHoursReadsCurrentRollupsAndSkipsStaleOnes() async throws {
        let abc = try Fixtures.golden("cpu-abc.cpu.top.txt").total
        let ac = try Fixtures.golden("cpu-ac.cpu.top.txt").total
        let hour: Int64 = 3_600_000_000_000
        let (from, to) = (Fixtures.base, Fixtures.base + 2 * hour)
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            var uploads = try Self.uploads()
            let late = uploads.remove(at: 1)
            #expect(try await store.writeProfiles(uploads).allSatisfy { $0 })
            let raw = try await Self.merge(store, from: from, to: to)
            #expect(Double(raw.total) == ac)

            // One rollup per series and hour: 00:00 (cpu-a) and 01:00 (cpu-c).
            #expect(try await store.rollUpProfileHours(settle: .seconds(0), lookback: .seconds(3650 * 86_400)) == 2)
            #expect(try await store.rollUpProfileHours(settle: .seconds(0), lookback: .seconds(3650 * 86_400)) == 0, "nothing left to roll up")
            let rolled = try await Self.merge(store, from: from, to: to)
            #expect(rolled.values == raw.values && rolled.profiles == 2 && rolled.durationNanos == raw.durationNanos)

            // The rollup is what the merge read: doubled, the merge doubles.
            try await client.query("UPDATE profile_stacks_hourly SET stack_values = (SELECT array_agg(v * 2) FROM unnest(stack_values) v)")
            #expect(try await Self.merge(store, from: from, to: to).total == 2 * raw.total)
            let firstHour = try await Self.merge(store, from: from, to: from + hour).total  // cpu-a, doubled
            let secondHour = try await Self.merge(store, from: from + hour, to: to).total  // cpu-c, doubled
            #expect(firstHour + secondHour == 2 * raw.total)
            // A range that cuts into an hour reads that hour's raw rows.
            #expect(try await Self.merge(store, from: from, to: to - 1).total == firstHour + secondHour / 2)

            // A late profile in the first hour: that rollup is stale and ignored, the other is not.
            #expect(try await store.writeProfiles([late]) == [true])
            let withLate = try await Self.merge(store, from: from, to: to)
            #expect(withLate.profiles == 3)
            #expect(Double(withLate.total) == abc + Double(secondHour / 2))
            // Rolled again: every rollup current, the merge is pprof's merge of all three.
            try await client.query("UPDATE profile_stacks_hourly SET stack_values = (SELECT array_agg(v / 2) FROM unnest(stack_values) v)")
            #expect(try await store.rollUpProfileHours(settle: .seconds(0), lookback: .seconds(3650 * 86_400)) == 1)
            let all = try await Self.merge(store, from: from, to: to)
            #expect(Double(all.total) == abc)
            #expect(all.profiles == 3)
        }
    }
}

/// The series and stack dictionary remember the newest day holding them, which retention reads:
/// a profile of a later day moves their `last_day` forward, an older one does not move it back.
@Suite("Profile series days")
struct ProfileSeriesDayTests {
    @Test func lastDayMovesForwardOnly() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            let day: Int64 = 1440  // minutes, ProfileMergeTests.upload's offsets
            let uploads = [
                try ProfileMergeTests.upload("cpu-a.pb.gz", kind: .cpu, labels: ["pod": "a"], minute: 0),
                try ProfileMergeTests.upload("cpu-b.pb.gz", kind: .cpu, labels: ["pod": "a"], minute: 2 * day),
                try ProfileMergeTests.upload("cpu-c.pb.gz", kind: .cpu, labels: ["pod": "a"], minute: day),
            ]
            func days() async throws -> [String] {
                var found: [String] = []
                for try await text in try await client.query("""
                    SELECT (SELECT string_agg(DISTINCT last_day::text, ',') FROM profile_series) || ' '
                        || (SELECT max(last_day)::text FROM profile_stack_dictionary)
                    """).decode(String.self) {
                    found.append(text)
                }
                return found
            }
            #expect(try await store.writeProfiles([uploads[0]]) == [true])
            let first = try await days()
            #expect(first == ["2025-12-01 2025-12-01"], "\(first)")
            #expect(try await store.writeProfiles([uploads[1]]) == [true])
            #expect(try await days() == ["2025-12-03 2025-12-03"])
            #expect(try await store.writeProfiles([uploads[2]]) == [true])
            #expect(try await days() == ["2025-12-03 2025-12-03"], "an older profile leaves last_day alone")
        }
    }
}
