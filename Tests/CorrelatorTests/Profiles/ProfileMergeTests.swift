import Correlator
import Exemplars
import Foundation
import NIOCore
import PostgresNIO
import ProfileIndex
import Testing
import TestSupport

/// Profiles merged from the stack aggregates kept at ingest, against `go tool pprof` merging
/// the same files (Tests/Fixtures/merge/README.md says how each golden was made).
@Suite("Merged profiles against go tool pprof")
struct ProfileMergeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/merge")
    /// 2026-12-01T00:00:00Z: the profiles are stored a minute apart from here.
    static let base: Int64 = 1_764_547_200_000_000_000

    /// One `go tool pprof -top` row: exact integers (the goldens use `-unit=ns` / `-unit=B`).
    struct GoldenRow {
        var flat: Double
        var cum: Double
        var name: String
    }

    static func golden(_ name: String) throws -> (total: Double, rows: [GoldenRow]) {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        var rows: [GoldenRow] = []
        var total = 0.0
        var inRows = false
        func number(_ field: Substring) -> Double {
            Double(field.trimmingCharacters(in: CharacterSet.letters)) ?? 0
        }
        for line in text.split(separator: "\n") {
            if inRows {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                var name = fields[5...].joined(separator: " ")
                for mark in [" (inline)", " (partial-inline)"] where name.hasSuffix(mark) { name.removeLast(mark.count) }
                rows.append(GoldenRow(flat: number(fields[0]), cum: number(fields[3]), name: name))
            } else if line.hasPrefix("Showing nodes accounting for") {
                let parts = line.split(separator: " ")
                total = number(parts[parts.count - 2])
            } else if line.hasPrefix("      flat  flat%") {
                inRows = true
            }
        }
        return (total, rows)
    }

    static func upload(_ file: String, kind: ProfileKind, labels: [String: String], minute: Int64) throws -> ProfileUpload {
        let bytes = try Data(contentsOf: fixtures.appendingPathComponent(file))
        let profile = try PprofDecoder().decode([UInt8](bytes))
        return ProfileUpload(
            tenant: "default", profileID: "merge-\(file)", service: "checkout-api", kind: kind,
            startNanos: base + minute * 60_000_000_000, durationNanos: profile.durationNanos,
            labels: labels, raw: ByteBuffer(bytes: bytes), profile: profile
        )
    }

    /// Stores the fixtures, one upload per file, a minute apart, each labelled `pod=<letter>`.
    static func withStoredFixtures(_ body: @Sendable (Store) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            var uploads: [ProfileUpload] = []
            for (minute, letter) in ["a", "b", "c"].enumerated() {
                uploads.append(try upload("cpu-\(letter).pb.gz", kind: .cpu, labels: ["pod": letter, "region": "eu"], minute: Int64(minute)))
            }
            for (minute, letter) in ["a", "b"].enumerated() {
                uploads.append(try upload("allocs-\(letter).pb.gz", kind: .allocs, labels: ["pod": letter], minute: Int64(minute)))
                uploads.append(try upload("heap-\(letter).pb.gz", kind: .heap, labels: ["pod": letter], minute: Int64(minute)))
            }
            let stored = try await store.writeProfiles(uploads)
            #expect(stored.allSatisfy { $0 })
            // A retried upload adds nothing to the merge.
            let again = try await store.writeProfiles([uploads[0]])
            #expect(again == [false])
            try await body(store)
        }
    }

    static func query(_ kind: ProfileKind, sampleType: String? = nil, selector: String? = nil) throws -> ProfileMergeQuery {
        ProfileMergeQuery(
            service: "checkout-api", kind: kind, sampleType: sampleType,
            selector: try selector.map { try SeriesSelector(parsing: $0) },
            from: base - 60_000_000_000, to: base + 3_600_000_000_000
        )
    }

    static func expectTop(_ merged: MergedStacks, equals goldenName: String, profiles: Int) throws {
        let golden = try golden(goldenName)
        #expect(merged.profiles == profiles)
        #expect(Double(merged.total) == golden.total, "\(goldenName): total \(merged.total) vs pprof \(golden.total)")
        let top = merged.top(limit: 1_000_000)
        var ours: [String: (flat: Int64, cum: Int64)] = [:]
        for entry in top {
            let previous = ours[entry.function] ?? (0, 0)
            ours[entry.function] = (previous.flat + entry.flat, previous.cum + entry.cum)
        }
        #expect(ours.count == golden.rows.count, "\(goldenName): \(ours.count) functions vs pprof's \(golden.rows.count)")
        for row in golden.rows {
            let mine = ours[row.name]
            #expect(mine.map { Double($0.flat) } == row.flat && mine.map { Double($0.cum) } == row.cum,
                    "\(goldenName) \(row.name): flat \(mine?.flat ?? -1) cum \(mine?.cum ?? -1) vs pprof \(row.flat) \(row.cum)")
        }
        // The flame graph's root holds the same total.
        #expect(Double(merged.flameGraph(maxNodes: 100_000).total) == golden.total)
    }

    @Test func mergedTopEqualsGoToolPprofMergingTheSameFiles() async throws {
        try await Self.withStoredFixtures { store in
            try Self.expectTop(try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu)), equals: "cpu-abc.cpu.top.txt", profiles: 3)
            try Self.expectTop(try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu, sampleType: "samples")), equals: "cpu-abc.samples.top.txt", profiles: 3)
            try Self.expectTop(try await store.mergeProfiles(tenant: "default", query: Self.query(.allocs)), equals: "allocs-ab.alloc_space.top.txt", profiles: 2)
            try Self.expectTop(try await store.mergeProfiles(tenant: "default", query: Self.query(.heap)), equals: "heap-ab.inuse_space.top.txt", profiles: 2)
        }
    }

    /// Profiles sampled at different rates (cpu-r4ms: 250 Hz, 4 ms a sample; cpu-a: 100 Hz)
    /// merge as pprof merges them: values summed (CPU time is already in nanoseconds, sample
    /// counts are counts), the largest period kept; their inlined frames are functions of their own.
    @Test func profilesWithDifferentPeriodsMergeAsPprofMergesThem() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            let uploads = [
                try Self.upload("cpu-a.pb.gz", kind: .cpu, labels: ["pod": "a"], minute: 0),
                try Self.upload("cpu-r4ms.pb.gz", kind: .cpu, labels: ["pod": "r"], minute: 1),
            ]
            #expect(uploads[1].profile.period == 4_000_000 && uploads[0].profile.period == 10_000_000)
            #expect(try await store.writeProfiles(uploads).allSatisfy { $0 })
            let cpu = try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu))
            try Self.expectTop(cpu, equals: "cpu-a-r4ms.cpu.top.txt", profiles: 2)
            #expect(cpu.period == 10_000_000)
            try Self.expectTop(try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu, sampleType: "samples")), equals: "cpu-a-r4ms.samples.top.txt", profiles: 2)
            let golden = try String(contentsOf: Self.fixtures.appendingPathComponent("cpu-a-r4ms.cpu.top.txt"), encoding: .utf8)
            #expect(golden.contains(" (inline)"), "the golden has inlined frames")
        }
    }

    @Test func aSelectorMergesOnlyTheProfilesItMatches() async throws {
        try await Self.withStoredFixtures { store in
            let subset = try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu, selector: #"{pod=~"a|c", region!="us"}"#))
            try Self.expectTop(subset, equals: "cpu-ac.cpu.top.txt", profiles: 2)
            // `service_name` selects as Pyroscope's selectors do; a range with nothing is empty.
            let none = try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu, selector: #"{service_name="other"}"#))
            #expect(none.profiles == 0 && none.total == 0 && none.top(limit: 10).isEmpty)
        }
    }

    /// The merged pprof, decoded again (as `go tool pprof` would read it), has pprof's numbers.
    @Test func mergedPprofDecodesToTheSameNumbers() async throws {
        try await Self.withStoredFixtures { store in
            let merged = try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu))
            let profile = try PprofDecoder().decode(try merged.pprof())
            #expect(profile.sampleTypes == [ProfileValueType(type: "cpu", unit: "nanoseconds")])
            #expect(profile.period == 10_000_000)
            let summary = profile.summary()
            let golden = try Self.golden("cpu-abc.cpu.top.txt")
            #expect(Double(summary.totals[0]) == golden.total)
            for row in golden.rows {
                let mine = summary.functions.filter { $0.name == row.name }
                #expect(Double(mine.map { $0.flat[0] }.reduce(0, +)) == row.flat, "\(row.name) flat")
                #expect(Double(mine.map { $0.cum[0] }.reduce(0, +)) == row.cum, "\(row.name) cum")
            }
        }
    }

    /// Per function, the diff's current minus its normalised baseline agrees with
    /// `go tool pprof -top -diff_base=A -normalize B`. pprof scales the *current* profile to the
    /// baseline's total and subtracts; we scale the baseline to the current total (as
    /// `/api/v1/diff` does), so pprof's delta is ours times baseline total / current total,
    /// within pprof's truncation of each scaled sample (under 1 ns each).
    @Test func diffIsNormalisedLikePprof() async throws {
        try await Self.withStoredFixtures { store in
            let current = try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu, selector: #"{pod="b"}"#))
            let baseline = try await store.mergeProfiles(tenant: "default", query: Self.query(.cpu, selector: #"{pod="a"}"#))
            let scale = Double(current.total) / Double(baseline.total)
            let tree = MergedStacks.diffTree(baseline: baseline, current: current, maxNodes: 100_000)
            #expect(tree.total == current.total)
            #expect(abs(tree.baselineTotal - Double(current.total)) < 1)
            let currentTop = Dictionary(current.top(limit: 1_000_000).map { ($0.function, $0.flat) }, uniquingKeysWith: +)
            let baseTop = Dictionary(baseline.top(limit: 1_000_000).map { ($0.function, $0.flat) }, uniquingKeysWith: +)
            let golden = try Self.golden("cpu-b-vs-a.cpu.diff.top.txt")
            let tolerance = Double(current.total / 10_000_000) + 1
            for row in golden.rows {
                let delta = Double(currentTop[row.name] ?? 0) - Double(baseTop[row.name] ?? 0) * scale
                #expect(abs(delta / scale - row.flat) <= tolerance, "\(row.name): \(delta / scale) vs pprof \(row.flat)")
            }
        }
    }
}
