import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import ProfileIndex
import Testing
import TestSupport

/// Pyroscope's query API (`/querier.v1.QuerierService/*`) as Grafana's data source calls it,
/// over the three Go CPU profiles of Tests/Fixtures/merge, against `go tool pprof`'s numbers for
/// the same files. The flame graph's level encoding is decoded here from its definition
/// (proto/querier/v1/querier.proto), not with the server's code.
@Suite("Pyroscope querier routes")
struct QuerierRoutesTests {
    typealias Merged = MergedProfileRoutesTests
    static let startMillis = (Merged.base - 60) * 1000
    static let endMillis = (Merged.base + 3600) * 1000
    static let cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds"

    /// A Connect unary call with the JSON codec: the status and the decoded answer.
    static func call(
        _ http: any TestClientProtocol, _ method: String, _ body: [String: Any]
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        let bytes = try JSONSerialization.data(withJSONObject: body)
        return try await http.execute(
            uri: "/querier.v1.QuerierService/\(method)", method: .post,
            headers: [.contentType: "application/json"], body: ByteBuffer(bytes: bytes)
        ) { response in
            (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:])
        }
    }

    static func range(_ extra: [String: Any] = [:]) -> [String: Any] {
        extra.merging(["start": startMillis, "end": endMillis]) { mine, _ in mine }
    }

    /// A node of a level-encoded flame graph, at its absolute position.
    struct Node {
        var level: Int
        var x: Int64
        var total: Int64
        var selfValue: Int64
        var name: String
    }

    /// Decodes `levels` (JSON: int64 as strings): per level, 4 numbers a node — offset from
    /// the end of the previous node of the level, total, self, name index.
    static func nodes(_ flameGraph: [String: Any]) -> [Node] {
        let names = flameGraph["names"] as? [String] ?? []
        var nodes: [Node] = []
        for (level, entry) in (flameGraph["levels"] as? [[String: Any]] ?? []).enumerated() {
            let values = (entry["values"] as? [Any] ?? []).map { Int64("\($0)") ?? -1 }
            var end: Int64 = 0
            for start in stride(from: 0, to: values.count, by: 4) {
                let x = end + values[start]
                nodes.append(Node(level: level, x: x, total: values[start + 1], selfValue: values[start + 2], name: names[Int(values[start + 3])]))
                end = x + values[start + 1]
            }
        }
        return nodes
    }

    static func total(_ rows: [String: (flat: Double, cum: Double)]) -> Int64 {
        Int64(rows.values.reduce(0) { $0 + $1.flat })
    }

    static func int(_ value: Any?) -> Int64 { Int64("\(value ?? "")") ?? -1 }

    @Test func mergedFlameGraphHasPprofsNumbersInPyroscopesLevels() async throws {
        let golden = try Merged.goldenRows("cpu-abc.cpu.top.txt")
        let goldenTotal = Int64(golden.values.reduce(0) { $0 + $1.flat })
        try await Merged.withPostedProfiles { http in
            let (status, answer) = try await Self.call(http, "SelectMergeStacktraces", Self.range([
                "profileTypeID": Self.cpu, "labelSelector": "{service_name=\"checkout-api\"}", "maxNodes": 100_000,
            ]))
            #expect(status == .ok, "\(answer)")
            let graph = answer["flamegraph"] as? [String: Any] ?? [:]
            #expect(Self.int(graph["total"]) == goldenTotal)
            #expect((graph["names"] as? [String])?.first == "total")
            let nodes = Self.nodes(graph)
            #expect(nodes.first?.total == goldenTotal)
            #expect(nodes.reduce(0) { $0 + $1.selfValue } == goldenTotal, "the selves add up to the total")
            // Each node lies in its parent's span, after the parent's self.
            for node in nodes where node.level > 0 {
                let parent = nodes.first { $0.level == node.level - 1 && $0.x + $0.selfValue <= node.x && node.x + node.total <= $0.x + $0.total }
                #expect(parent != nil, "\(node.name) at level \(node.level) x \(node.x) has no parent")
            }
            // Self per function name is pprof's flat.
            var selfByName: [String: Int64] = [:]
            for node in nodes.dropFirst() { selfByName[node.name, default: 0] += node.selfValue }
            for (name, row) in golden where row.flat > 0 {
                #expect(selfByName[name] == Int64(row.flat), "\(name): \(selfByName[name] ?? 0) vs pprof \(row.flat)")
            }
            #expect(Self.int(graph["maxSelf"]) == Int64(golden.values.map(\.flat).max() ?? 0))

            // At most max_nodes nodes (plus the root and the `other` nodes that stand for the rest).
            let (_, small) = try await Self.call(http, "SelectMergeStacktraces", Self.range([
                "profileTypeID": Self.cpu, "labelSelector": "{service_name=\"checkout-api\"}", "maxNodes": 10,
            ]))
            let smallNodes = Self.nodes(small["flamegraph"] as? [String: Any] ?? [:])
            #expect(smallNodes.filter { $0.name != "other" }.count <= 11)
            #expect(smallNodes.reduce(0) { $0 + $1.selfValue } == goldenTotal, "pruned nodes' values stay in `other`")
        }
    }

    @Test func mergedPprofInProtobufCodecHasPprofsTotal() async throws {
        let golden = try Merged.goldenRows("cpu-abc.cpu.top.txt")
        try await Merged.withPostedProfiles { http in
            var request = TestProtobufWriter()
            request.string(1, Self.cpu)
            request.string(2, "{pod=~\"a|b|c\"}")
            request.int(3, Int64(Self.startMillis))
            request.int(4, Int64(Self.endMillis))
            let bytes = try await http.execute(
                uri: "/querier.v1.QuerierService/SelectMergeProfile", method: .post,
                headers: [.contentType: "application/proto"], body: ByteBuffer(bytes: request.bytes)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/proto")
                return [UInt8](buffer: response.body)
            }
            let profile = try PprofDecoder().decode(bytes)
            let index = try #require(profile.sampleTypes.firstIndex { $0.type == "cpu" })
            #expect(profile.flameGraph(sampleTypeIndex: index).total == Int64(golden.values.reduce(0) { $0 + $1.flat }))
        }
    }

    @Test func healthCheckDiscoveryAndSeries() async throws {
        let golden = try Merged.goldenRows("cpu-abc.cpu.top.txt")
        try await Merged.withPostedProfiles { http in
            // Grafana's health check.
            let (health, empty) = try await Self.call(http, "ProfileTypes", ["start": 1000, "end": 4000])
            #expect(health == .ok)
            #expect((empty["profileTypes"] as? [Any] ?? []).isEmpty, "nothing was profiled in 1970")
            let (_, noNames) = try await Self.call(http, "LabelValues", ["name": "pod", "start": 1000, "end": 4000])
            #expect((noNames["names"] as? [String] ?? []).isEmpty)
            let (_, types) = try await Self.call(http, "ProfileTypes", Self.range())
            let ids = (types["profileTypes"] as? [[String: Any]] ?? []).compactMap { $0["ID"] as? String }
            #expect(ids.contains(Self.cpu))
            #expect(ids.contains("process_cpu:samples:count:cpu:nanoseconds"))

            let (_, names) = try await Self.call(http, "LabelNames", Self.range(["matchers": ["{service_name=\"checkout-api\"}"]]))
            let labelNames = names["names"] as? [String] ?? []
            #expect(["pod", "version", "service_name", "__profile_type__"].allSatisfy(labelNames.contains), "\(labelNames)")
            let (_, values) = try await Self.call(http, "LabelValues", Self.range(["name": "pod"]))
            #expect(values["names"] as? [String] == ["a", "b", "c"])
            let (_, none) = try await Self.call(http, "LabelValues", Self.range(["name": "pod", "matchers": ["{service_name=\"other\"}"]]))
            #expect((none["names"] as? [String] ?? []).isEmpty)

            let (_, series) = try await Self.call(http, "Series", Self.range([
                "matchers": ["{__profile_type__=\"\(Self.cpu)\"}"], "labelNames": ["pod"],
            ]))
            let sets = (series["labelsSet"] as? [[String: Any]] ?? []).map { ($0["labels"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String } }
            #expect(sets.sorted { $0.joined() < $1.joined() } == [["a"], ["b"], ["c"]])

            // One point a minute, per pod: together the merged total.
            let (status, lines) = try await Self.call(http, "SelectSeries", Self.range([
                "profileTypeID": Self.cpu, "labelSelector": "{}", "step": 60, "groupBy": ["pod"],
            ]))
            #expect(status == .ok, "\(lines)")
            let all = lines["series"] as? [[String: Any]] ?? []
            #expect(all.count == 3)
            var sum: Double = 0
            for line in all {
                for point in line["points"] as? [[String: Any]] ?? [] {
                    sum += point["value"] as? Double ?? 0
                    let timestamp = Self.int(point["timestamp"])
                    #expect(timestamp >= Int64(Self.startMillis) && timestamp <= Int64(Self.endMillis))
                }
            }
            #expect(sum == golden.values.reduce(0) { $0 + $1.flat })
            // A label named twice groups as once (it trapped the server: a fuzzer found it).
            let (twiceStatus, twice) = try await Self.call(http, "SelectSeries", Self.range([
                "profileTypeID": Self.cpu, "labelSelector": "{}", "step": 60, "groupBy": ["pod", "pod"],
            ]))
            #expect(twiceStatus == .ok, "\(twice)")
            #expect((twice["series"] as? [[String: Any]] ?? []).count == 3)
        }
    }

    @Test func spanProfileAndDiffHavePprofsTotals() async throws {
        let spans = try Merged.goldenRows("cpu-abc.spans-03457f2069e2342e-0483eb353e25d5b5.cpu.top.txt")
        let ac = try Merged.goldenRows("cpu-ac.cpu.top.txt")
        let abc = try Merged.goldenRows("cpu-abc.cpu.top.txt")
        let (spanTotal, acTotal, abcTotal) = (Self.total(spans), Self.total(ac), Self.total(abc))
        try await Merged.withPostedProfiles { http in
            let (status, span) = try await Self.call(http, "SelectMergeSpanProfile", Self.range([
                "profileTypeID": Self.cpu, "labelSelector": "{service_name=\"checkout-api\"}",
                "spanSelector": ["03457f2069e2342e", "0483EB353E25D5B5"],
            ]))
            #expect(status == .ok, "\(span)")
            let graph = span["flamegraph"] as? [String: Any] ?? [:]
            #expect(Self.int(graph["total"]) == spanTotal)
            var selfByName: [String: Int64] = [:]
            for node in Self.nodes(graph).dropFirst() { selfByName[node.name, default: 0] += node.selfValue }
            for (name, row) in spans where row.flat > 0 {
                #expect(selfByName[name] == Int64(row.flat), "\(name)")
            }

            let side = { (selector: String) -> [String: Any] in
                Self.range(["profileTypeID": Self.cpu, "labelSelector": selector])
            }
            let (diffStatus, diff) = try await Self.call(http, "Diff", ["left": side("{pod=~\"a|c\"}"), "right": side("{pod=\"b\"}")])
            #expect(diffStatus == .ok, "\(diff)")
            let flame = diff["flamegraph"] as? [String: Any] ?? [:]
            #expect(Self.int(flame["leftTicks"]) == acTotal)
            #expect(Self.int(flame["rightTicks"]) == abcTotal - acTotal)
            #expect(Self.int(flame["total"]) == abcTotal)
            // Seven numbers a node; the root holds both sides' totals.
            let root = ((flame["levels"] as? [[String: Any]])?.first?["values"] as? [Any] ?? []).map { Self.int($0) }
            #expect(root.count == 7)
            #expect(root.count == 7 && root[1] == acTotal && root[4] == abcTotal - acTotal)
        }
    }

    @Test func refusalsAreConnectErrors() async throws {
        try await Merged.withPostedProfiles { http in
            let (unknownName, _) = try await Self.call(http, "SelectMergeStacktraces", Self.range(["profileTypeID": "nope:cpu:nanoseconds:cpu:nanoseconds"]))
            #expect(unknownName == .badRequest, "an unknown profile type name is refused, whatever its sample type")
            let (unknownType, typeError) = try await Self.call(http, "SelectMergeStacktraces", Self.range(["profileTypeID": "process_cpu:cpu"]))
            #expect(unknownType == .badRequest)
            #expect(typeError["code"] as? String == "invalid_argument")
            #expect((typeError["message"] as? String)?.contains("profile_typeID") == true)

            let (badSelector, selectorError) = try await Self.call(http, "SelectMergeStacktraces", Self.range(["profileTypeID": Self.cpu, "labelSelector": "{pod=}"]))
            #expect(badSelector == .badRequest)
            #expect((selectorError["message"] as? String)?.contains("label_selector") == true)

            let (badSpan, _) = try await Self.call(http, "SelectMergeSpanProfile", Self.range(["profileTypeID": Self.cpu, "spanSelector": ["xyz"]]))
            #expect(badSpan == .badRequest)

            let (garbage, garbageError) = try await http.execute(
                uri: "/querier.v1.QuerierService/SelectMergeStacktraces", method: .post,
                headers: [.contentType: "application/proto"], body: ByteBuffer(bytes: [0x0A, 0xFF])
            ) { response in
                (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:])
            }
            #expect(garbage == .badRequest)
            #expect(garbageError["code"] as? String == "invalid_argument")

            let (unknown, unknownError) = try await Self.call(http, "SelectHeatmapNope", [:])
            #expect(unknown == .notImplemented)
            #expect(unknownError["code"] as? String == "unimplemented")
        }
    }
}
