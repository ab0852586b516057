import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import ProfileIndex
import Testing
import TestSupport

/// The merged-profile routes through the router against a real PostgreSQL: three Go CPU
/// profiles posted as a user posts them, queried merged, with `go tool pprof`'s numbers for
/// the same files (Tests/Fixtures/merge).
@Suite("Merged profile routes")
struct MergedProfileRoutesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/merge")
    /// 2026-12-01T00:00:00Z, Unix seconds: profile n starts n minutes later.
    static let base = 1_764_547_200
    static let range = "from=\(base - 60)&to=\(base + 3600)"

    static func withPostedProfiles(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                for (minute, letter) in ["a", "b", "c"].enumerated() {
                    let bytes = try Data(contentsOf: fixtures.appendingPathComponent("cpu-\(letter).pb.gz"))
                    let start = base + minute * 60
                    let status = try await http.execute(
                        uri: "/api/v1/profiles?service=checkout-api&type=cpu&from=\(start)&until=\(start + 2)&pod=\(letter)&version=1.\(minute)",
                        method: .post, body: ByteBuffer(bytes: bytes)
                    ) { $0.status }
                    #expect(status == .ok || status == .created || status == .noContent, "posting cpu-\(letter): \(status)")
                }
                try await body(http)
            }
        }
    }

    static func json(_ http: any TestClientProtocol, _ uri: String, expect status: HTTPResponse.Status = .ok) async throws -> [String: Any] {
        try await http.execute(uri: uri, method: .get) { response in
            #expect(response.status == status, "\(uri): \(response.status) \(String(buffer: response.body).prefix(300))")
            return (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
        }
    }

    /// flat and cum per function of a `go tool pprof -top` golden (in `directory`, default
    /// Tests/Fixtures/merge), inlining marks dropped.
    static func goldenRows(_ name: String, in directory: URL = fixtures) throws -> [String: (flat: Double, cum: Double)] {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        var rows: [String: (flat: Double, cum: Double)] = [:]
        var inRows = false
        for line in text.split(separator: "\n") {
            if inRows {
                let fields = line.split(separator: " ")
                var name = fields[5...].joined(separator: " ")
                for mark in [" (inline)", " (partial-inline)"] where name.hasSuffix(mark) { name.removeLast(mark.count) }
                rows[name] = (Double(fields[0].trimmingCharacters(in: .letters)) ?? 0, Double(fields[3].trimmingCharacters(in: .letters)) ?? 0)
            } else if line.hasPrefix("      flat  flat%") {
                inRows = true
            }
        }
        return rows
    }

    @Test func topFlameGraphAndPprofOfTheMergeHavePprofsNumbers() async throws {
        try await Self.withPostedProfiles { http in
            let golden = try Self.goldenRows("cpu-abc.cpu.top.txt")
            let top = try await Self.json(http, "/api/v1/query/top?service=checkout-api&type=cpu&sample_type=cpu&limit=100000&\(Self.range)")
            #expect(top["profiles"] as? Int == 3)
            #expect(top["unit"] as? String == "nanoseconds")
            let functions = top["functions"] as? [[String: Any]] ?? []
            var ours: [String: (flat: Double, cum: Double)] = [:]
            for entry in functions {
                let name = entry["function"] as? String ?? ""
                let previous = ours[name] ?? (0, 0)
                ours[name] = (previous.flat + (entry["flat"] as? Double ?? 0), previous.cum + (entry["cum"] as? Double ?? 0))
            }
            #expect(ours.count == golden.count)
            for (name, row) in golden {
                #expect(ours[name]?.flat == row.flat && ours[name]?.cum == row.cum, "\(name): \(String(describing: ours[name])) vs pprof \(row)")
            }
            let total = golden.values.map(\.flat).reduce(0, +)
            #expect(top["total"] as? Double == total)

            // The flame graph has the same total; max_nodes bounds it.
            let graph = try await Self.json(http, "/api/v1/query/flamegraph?service=checkout-api&type=cpu&\(Self.range)")
            #expect((graph["root"] as? [String: Any])?["total"] as? Double == total)
            #expect(graph["profiles"] as? Int == 3)
            let small = try await Self.json(http, "/api/v1/query/flamegraph?service=checkout-api&type=cpu&max_nodes=10&\(Self.range)")
            func count(_ node: [String: Any]) -> Int { 1 + ((node["children"] as? [[String: Any]]) ?? []).map(count).reduce(0, +) }
            #expect(count(small["root"] as? [String: Any] ?? [:]) == 10)

            // One pprof of the merge: decoded, the same numbers.
            let bytes = try await http.execute(uri: "/api/v1/query/pprof?service=checkout-api&type=cpu&\(Self.range)", method: .get) { response in
                #expect(response.status == .ok)
                return [UInt8](buffer: response.body)
            }
            let summary = try PprofDecoder().decode(bytes).summary()
            #expect(Double(summary.totals[0]) == total)
        }
    }

    @Test func seriesDiscoveryAndDiff() async throws {
        try await Self.withPostedProfiles { http in
            // One point a minute per pod; with a function, only its stacks.
            let series = try await Self.json(http, "/api/v1/query/series?service=checkout-api&type=cpu&sample_type=cpu&step=1m&group_by=pod&\(Self.range)")
            let lines = series["series"] as? [[String: Any]] ?? []
            #expect(lines.count == 3)
            #expect(lines.map { ($0["labels"] as? [String: String])?["pod"] } == ["a", "b", "c"])
            // A label named twice groups as once (it trapped the server: a fuzzer found it).
            let twice = try await Self.json(http, "/api/v1/query/series?service=checkout-api&type=cpu&sample_type=cpu&step=1m&group_by=pod,pod&\(Self.range)")
            #expect((twice["series"] as? [[String: Any]] ?? []).map { $0["labels"] as? [String: String] } == lines.map { $0["labels"] as? [String: String] })
            let pointSum = lines.flatMap { ($0["points"] as? [[Double]]) ?? [] }.map { $0[1] }.reduce(0, +)
            let golden = try Self.goldenRows("cpu-abc.cpu.top.txt")
            #expect(pointSum == golden.values.map(\.flat).reduce(0, +))
            let hashing = try await Self.json(http, "/api/v1/query/series?service=checkout-api&type=cpu&sample_type=cpu&step=1h&function=crypto/sha256.block&\(Self.range)")
            let hashingSum = ((hashing["series"] as? [[String: Any]])?.first?["points"] as? [[Double]] ?? []).map { $0[1] }.reduce(0, +)
            #expect(hashingSum == golden["crypto/sha256.block"]?.cum)

            // Discovery.
            let types = try await Self.json(http, "/api/v1/profile-types?\(Self.range)")
            let entry = (types["types"] as? [[String: Any]])?.first
            #expect(entry?["type"] as? String == "cpu")
            #expect(entry?["services"] as? [String] == ["checkout-api"])
            let names = try await Self.json(http, "/api/v1/labels?\(Self.range)")
            #expect(names["data"] as? [String] == ["pod", "service", "service_name", "version"])
            let values = try await Self.json(http, "/api/v1/labels/pod/values?selector=%7Bversion%21%3D%221.1%22%7D&\(Self.range)")
            #expect(values["data"] as? [String] == ["a", "c"])

            // Diff: pod b against pod a, baseline scaled to the current total.
            let diff = try await Self.json(http, "/api/v1/query/diff?service=checkout-api&type=cpu&selector=%7Bpod%3D%22b%22%7D&baseline_selector=%7Bpod%3D%22a%22%7D&baseline_from=\(Self.base - 60)&baseline_to=\(Self.base + 3600)&\(Self.range)")
            let root = diff["root"] as? [String: Any] ?? [:]
            #expect((diff["current"] as? [String: Any])?["profiles"] as? Int == 1)
            #expect((diff["baseline"] as? [String: Any])?["profiles"] as? Int == 1)
            #expect(abs((root["baseline_total"] as? Double ?? 0) - (root["total"] as? Double ?? -1)) < 1)
        }
    }

    @Test func badInputSaysWhatAndWhere() async throws {
        try await Self.withPostedProfiles { http in
            let selector = try await http.execute(uri: "/api/v1/query/top?type=cpu&selector=%7Bpod%3D~%22a%22%2C%7D%7D", method: .get) { ($0.status, String(buffer: $0.body)) }
            #expect(selector.0 == .badRequest)
            #expect(selector.1.contains("selector") && selector.1.contains("column"), "\(selector.1)")
            let type = try await http.execute(uri: "/api/v1/query/top?type=wallclock", method: .get) { ($0.status, String(buffer: $0.body)) }
            #expect(type.0 == .badRequest)
            #expect(type.1.contains("cpu, heap, allocs, goroutine, block, mutex"), "\(type.1)")
            let sampleType = try await http.execute(uri: "/api/v1/query/flamegraph?type=cpu&sample_type=bytes&\(Self.range)", method: .get) { ($0.status, String(buffer: $0.body)) }
            #expect(sampleType.0 == .badRequest)
            #expect(sampleType.1.contains("cpu") && sampleType.1.contains("samples"), "\(sampleType.1)")
            // A range with nothing in it is an empty answer.
            let empty = try await Self.json(http, "/api/v1/query/top?type=cpu&from=1000&to=2000")
            #expect(empty["profiles"] as? Int == 0)
            #expect((empty["functions"] as? [Any])?.isEmpty == true)
            let nodes = try await http.execute(uri: "/api/v1/query/flamegraph?type=cpu&max_nodes=0", method: .get) { $0.status }
            #expect(nodes == .badRequest)
        }
    }
}
