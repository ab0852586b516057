import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import ProfileIndex
import Testing

private let second: Int64 = 1_000_000_000

@Suite("Profile queries: list, summary, flame graph, diff")
struct ProfileQueryTests {
    @Test func listPagesNewestFirstWithLabelFilters() async throws {
        try await withCorrelationApp { data, http in
            let cpu = try CorrelationTestData.fixture("cpu.pb.gz")
            let now = Timestamp.now()
            try await data.ensurePartitions(from: now - 3 * 3600 * second, to: now)
            for index in 0..<5 {
                try await data.profile(id: "p\(index)", service: "api", raw: cpu, start: now - Int64(index + 1) * 60 * second,
                                       labels: ["region": index % 2 == 0 ? "eu" : "us"])
            }
            try await data.profile(id: "old", service: "api", raw: cpu, start: now - 7200 * second)
            var ids: [String] = []
            var cursor: String?
            repeat {
                let (status, body) = try await getJSON(http, "/api/v1/profiles?service=api&limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(status == .ok)
                ids += (body?["profiles"] as? [[String: Any]] ?? []).compactMap { $0["profile_id"] as? String }
                cursor = body?["next_cursor"] as? String
            } while cursor != nil
            #expect(ids == ["p0", "p1", "p2", "p3", "p4"])  // "old" is before the default last hour

            let (_, eu) = try await getJSON(http, "/api/v1/profiles?region=eu&type=cpu")
            #expect((eu?["profiles"] as? [[String: Any]] ?? []).compactMap { $0["profile_id"] as? String } == ["p0", "p2", "p4"])
            let (badCursor, _) = try await getJSON(http, "/api/v1/profiles?cursor=nonsense")
            #expect(badCursor == .badRequest)
            let (badLimit, _) = try await getJSON(http, "/api/v1/profiles?limit=0")
            #expect(badLimit == .badRequest)
        }
    }

    @Test func summaryAndFlameGraphMatchPprof() async throws {
        try await withCorrelationApp { data, http in
            let cpu = try CorrelationTestData.fixture("cpu.pb.gz")
            let (start, duration) = try pprofTime(cpu)
            try await data.ensurePartitions(from: start, to: start + duration)
            try await data.profile(id: "cpu-1", service: "checkout-api", raw: cpu)

            let (status, body) = try await getJSON(http, "/api/v1/profiles/cpu-1")
            #expect(status == .ok)
            let profile = try #require(body?["profile"] as? [String: Any])
            // go tool pprof: "Total samples = 3100ms", sample types samples/count, cpu/nanoseconds.
            #expect((profile["totals"] as? [Int])?.last == 3_100_000_000)
            #expect(profile["default_sample_type"] as? String == "cpu")
            #expect(profile["duration_seconds"] as? Double == Double(duration) / 1e9)
            let top = try #require(body?["top"] as? [[String: Any]])
            let pprofTop = try goldenTopFirstRow("golden/cpu.cpu.top.txt")
            #expect(top.first?["function"] as? String == pprofTop)

            let (flameStatus, flame) = try await getJSON(http, "/api/v1/profiles/cpu-1/flamegraph")
            #expect(flameStatus == .ok)
            #expect((flame?["root"] as? [String: Any])?["total"] as? Int == 3_100_000_000)
            // Filtered to one span: pprof -tagfocus span_id=ad0338ddcc3e722a totals 80ms.
            let (_, spanFlame) = try await getJSON(http, "/api/v1/profiles/cpu-1/flamegraph?span_id=ad0338ddcc3e722a")
            #expect((spanFlame?["root"] as? [String: Any])?["total"] as? Int == 80_000_000)
            let (_, samplesFlame) = try await getJSON(http, "/api/v1/profiles/cpu-1/flamegraph?sample_type=samples")
            #expect((samplesFlame?["root"] as? [String: Any])?["total"] as? Int == 310)
            let (badType, _) = try await getJSON(http, "/api/v1/profiles/cpu-1/flamegraph?sample_type=bogus")
            #expect(badType == .badRequest)
            let (missing, _) = try await getJSON(http, "/api/v1/profiles/nope")
            #expect(missing == .notFound)
        }
    }

    @Test func diffNormalisesTheBaseToTheNewTotal() async throws {
        try await withCorrelationApp { data, http in
            let cpu = try CorrelationTestData.fixture("cpu.pb.gz")
            let now = Timestamp.now()
            try await data.ensurePartitions(from: now - 3 * 3600 * second, to: now)
            // Base window: one profile; current window: two copies. Normalised, nothing changed.
            try await data.profile(id: "base", service: "api", raw: cpu, start: now - 2 * 3600 * second + 60 * second)
            try await data.profile(id: "new-1", service: "api", raw: cpu, start: now - 600 * second)
            try await data.profile(id: "new-2", service: "api", raw: cpu, start: now - 300 * second)
            let (status, body) = try await getJSON(http, "/api/v1/diff?service=api&type=cpu")
            #expect(status == .ok, "\(String(describing: body))")
            #expect(body?["scale"] as? Double == 2)
            #expect((body?["current"] as? [String: Any])?["total"] as? Int == 6_200_000_000)
            let functions = body?["functions"] as? [[String: Any]] ?? []
            #expect(!functions.isEmpty)
            #expect(functions.allSatisfy { abs($0["flat_delta"] as? Double ?? 1) < 1e-6 })
            let (noBase, _) = try await getJSON(http, "/api/v1/diff?service=api&type=cpu&base_from=\(now / second - 86_000)&base_to=\(now / second - 85_000)")
            #expect(noBase == .notFound)
        }
    }
}

/// The function of the first row of a golden `go tool pprof -top` file.
func goldenTopFirstRow(_ name: String) throws -> String {
    let text = String(decoding: try CorrelationTestData.fixture(name), as: UTF8.self)
    let lines = text.split(separator: "\n")
    let header = lines.firstIndex { $0.contains("flat%") }!
    return lines[header + 1].split(separator: " ", omittingEmptySubsequences: true).dropFirst(5).joined(separator: " ")
        .replacingOccurrences(of: " (inline)", with: "")
}
