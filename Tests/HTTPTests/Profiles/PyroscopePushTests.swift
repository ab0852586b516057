import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport

/// Pyroscope's Connect push API through the router against a real PostgreSQL, with the Go
/// runtime's CPU profile (its samples carry `span_id` labels) inside the `PushRequest`.
@Suite("Pyroscope push (push.v1.PusherService/Push)")
struct PyroscopePushTests {
    static func withApp(_ body: @Sendable @escaping (any TestClientProtocol, PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in try await body(http, client) }
        }
    }

    static func push(_ http: any TestClientProtocol, _ body: [UInt8], headers: HTTPFields, path: String = "/push.v1.PusherService/Push") async throws -> (HTTPResponse.Status, String?, String) {
        try await http.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body)) {
            ($0.status, $0.headers[.contentType], String(buffer: $0.body))
        }
    }

    static func rows(_ client: PostgresClient, _ sql: PostgresQuery) async throws -> [String] {
        var found: [String] = []
        for try await text in try await client.query(sql).decode(String.self) { found.append(text) }
        return found
    }

    @Test func aProtoPushIsStoredWithItsLabelsAndSpanLinks() async throws {
        try await Self.withApp { http, client in
            let body = try TenantIsolationTests.pyroscopePush(
                profileID: "9b0cc9d8-0d6e-4a4e-9d39-37c4f0e5a001",
                labels: [("__name__", "process_cpu"), ("service_name", "checkout"), ("pod", "a"), ("__session_id__", "1234")]
            )
            let gzipped = [UInt8](try TraceRouteTests.gzip(Data(body)))
            let (status, contentType, text) = try await Self.push(http, gzipped, headers: [.contentType: "application/proto", .contentEncoding: "gzip"])
            #expect(status == .ok, "\(text)")
            #expect(contentType == "application/proto")
            #expect(text.isEmpty, "an empty PushResponse")
            let stored = try await Self.rows(client, "SELECT profile_id || ' ' || service || ' ' || type || ' ' || labels::text FROM profiles")
            #expect(stored == [#"9b0cc9d8-0d6e-4a4e-9d39-37c4f0e5a001 checkout cpu {"pod": "a"}"#])
            // The samples' span_id labels became per-span rows, as for every pprof upload.
            let spans = try await Self.rows(client, "SELECT count(*)::text FROM span_profiles")
            #expect(Int(spans.first ?? "0") ?? 0 > 10)
            // A retry of the same push adds nothing.
            _ = try await Self.push(http, gzipped, headers: [.contentType: "application/proto", .contentEncoding: "gzip"])
            #expect(try await Self.rows(client, "SELECT count(*)::text FROM profiles") == ["1"])
        }
    }

    @Test func aJSONPushIsStored() async throws {
        try await Self.withApp { http, client in
            let raw = try TenantIsolationTests.fixture("pprof-go119/heap.pb.gz")
            let json = #"{"series":[{"labels":[{"name":"__name__","value":"memory"},{"name":"service_name","value":"billing"}],"samples":[{"rawProfile":"\#(Data(raw).base64EncodedString())","ID":"heap-1"}]}]}"#
            let (status, contentType, text) = try await Self.push(http, Array(json.utf8), headers: [.contentType: "application/json"])
            #expect(status == .ok, "\(text)")
            #expect(contentType == "application/json")
            #expect(text == "{}")
            #expect(try await Self.rows(client, "SELECT profile_id || ' ' || service || ' ' || type FROM profiles") == ["heap-1 billing heap"])
        }
    }

    /// py-spy inside the Pyroscope Python SDK can read a frame name half-written, with a NUL in
    /// it (seen in the pyroscope e2e: `py\08859_16.py`). Refusing the push lost the SDK's whole
    /// upload window, which it does not resend; the name is repaired (U+FFFD) and every sample kept.
    @Test func aTornFunctionNameIsRepairedAndTheSamplesKept() async throws {
        try await Self.withApp { http, client in
            var pprof = PprofBuilder()
            pprof.sampleType("samples", "count")
            pprof.function(id: 1, name: "py\u{0}8859_16.py")
            pprof.function(id: 2, name: "main.work")
            pprof.location(id: 1, functions: [1])
            pprof.location(id: 2, functions: [2])
            pprof.sample(locations: [1, 2], values: [3])
            pprof.sample(locations: [2], values: [4])
            var push = TestProtobufWriter()
            push.message(1) { series in
                series.message(1) { pair in pair.string(1, "service_name"); pair.string(2, "torn") }
                series.message(1) { pair in pair.string(1, "__name__"); pair.string(2, "process_cpu") }
                series.message(2) { sample in sample.bytes(1, pprof.encoded()); sample.string(2, "torn-1") }
            }
            let (status, _, text) = try await Self.push(http, push.bytes, headers: [.contentType: "application/proto"])
            #expect(status == .ok, "\(text)")
            #expect(try await Self.rows(client, "SELECT profile_id FROM profiles") == ["torn-1"])
            let top = try await http.execute(uri: "/api/v1/profiles/torn-1/top?sample_type=samples", method: .get) { String(buffer: $0.body) }
            let object = try JSONSerialization.jsonObject(with: Data(top.utf8)) as? [String: Any]
            let functions = object?["functions"] as? [[String: Any]] ?? []
            func flat(_ name: String) -> Int? { functions.first { $0["function"] as? String == name }?["flat"] as? Int }
            #expect(object?["total"] as? Int == 7, "\(top)")
            #expect(flat("py\u{FFFD}8859_16.py") == 3, "\(top)")
            #expect(flat("main.work") == 4, "\(top)")
        }
    }

    @Test func badPushesGetConnectErrorsAndStoreNothing() async throws {
        try await Self.withApp { http, client in
            func expectError(_ result: (HTTPResponse.Status, String?, String), _ status: HTTPResponse.Status, _ code: String, mentioning words: [String]) {
                #expect(result.0 == status, "\(result.2)")
                let object = (try? JSONSerialization.jsonObject(with: Data(result.2.utf8))) as? [String: Any]
                #expect(object?["code"] as? String == code, "\(result.2)")
                let message = object?["message"] as? String ?? ""
                for word in words { #expect(message.contains(word), "'\(word)' in \(message)") }
            }
            // Not a PushRequest: the message names the byte.
            expectError(try await Self.push(http, [0x0a, 0xff, 0xff], headers: [.contentType: "application/proto"]), .badRequest, "invalid_argument", mentioning: ["PushRequest", "byte"])
            // A sample that is not pprof: the field path.
            var request = TestProtobufWriter()
            request.message(1) { series in series.message(2) { sample in sample.bytes(1, Array("not a profile".utf8)) } }
            expectError(try await Self.push(http, request.bytes, headers: [.contentType: "application/proto"]), .badRequest, "invalid_argument", mentioning: ["series[0].samples[0].raw_profile"])
            expectError(try await Self.push(http, Array("[1]".utf8), headers: [.contentType: "application/json"]), .badRequest, "invalid_argument", mentioning: ["JSON"])
            // A label PostgreSQL could not store (NUL): refused, not a 500.
            let nul = try TenantIsolationTests.pyroscopePush(profileID: "nul", labels: [("__name__", "process_cpu"), ("service_name", "checkout"), ("pod", "a\u{0}b")])
            expectError(try await Self.push(http, nul, headers: [.contentType: "application/proto"]), .badRequest, "invalid_argument", mentioning: ["NUL"])
            // A pprof whose sample label holds NUL, on the push and on /api/v1/profiles (a NUL in a
            // function name is repaired instead: aTornFunctionNameIsRepairedAndTheSamplesKept).
            for label in ["span\u{0}"] {
                var pprof = PprofBuilder()
                pprof.sampleType("samples", "count")
                pprof.function(id: 1, name: "main.work")
                pprof.location(id: 1, functions: [1])
                pprof.sample(locations: [1], values: [3], labels: [("span_name", label)])
                var push = TestProtobufWriter()
                push.message(1) { series in series.message(2) { sample in sample.bytes(1, pprof.encoded()) } }
                expectError(try await Self.push(http, push.bytes, headers: [.contentType: "application/proto"]), .badRequest, "invalid_argument", mentioning: ["NUL", "series[0].samples[0]"])
                let plain = try await http.execute(uri: "/api/v1/profiles?service=nul&type=cpu", method: .post, body: ByteBuffer(bytes: pprof.encoded())) { ($0.status, String(buffer: $0.body)) }
                #expect(plain.0 == .badRequest && plain.1.contains("NUL"), "\(plain)")
            }
            expectError(try await Self.push(http, [], headers: [.contentType: "text/plain"]), .badRequest, "invalid_argument", mentioning: ["application/proto"])
            // Another method of the service.
            expectError(try await Self.push(http, [], headers: [.contentType: "application/proto"], path: "/push.v1.PusherService/PushStream"), .notImplemented, "unimplemented", mentioning: ["push.v1.PusherService/PushStream"])
            expectError(try await Self.push(http, [], headers: [.contentType: "application/proto"], path: "/querier.v1.QuerierService/SelectHeatmap"), .notImplemented, "unimplemented", mentioning: ["SelectHeatmap"])
            #expect(try await Self.rows(client, "SELECT count(*)::text FROM profiles") == ["0"])
        }
    }
}
