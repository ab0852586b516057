import Correlator
import Exemplars
import Foundation
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing
import TestSupport
import Yams

/// Authentication and tenancy over every route of the OpenAPI document the running app serves:
/// missing and unknown tokens get 401, tokens without the route's scope or naming another tenant
/// get 403, tenant B never reads A's data and B's writes land in B only.
@Suite("Tenant isolation over every route of /openapi.yaml")
struct TenantIsolationTests {
    static let tokenA = "token-a-ingest-read-0123456789"
    static let tokenAReadOnly = "token-a-read-only-0123456789"
    static let tokenAIngestOnly = "token-a-ingest-only-0123456789"
    static let tokenAAdmin = "token-a-admin-0123456789abcdef"
    static let tokenB = "token-b-ingest-read-0123456789"
    static let tenantHeader = HTTPField.Name("X-Scope-OrgID")!

    static var configuration: CorrelatorConfiguration {
        var configuration = CorrelatorConfiguration()
        configuration.auth = AuthConfiguration(tokens: [
            .init(secret: tokenA, tenant: "tenant-a", scopes: [.ingest, .read]),
            .init(secret: tokenAReadOnly, tenant: "tenant-a", scopes: [.read]),
            .init(secret: tokenAIngestOnly, tenant: "tenant-a", scopes: [.ingest]),
            .init(secret: tokenAAdmin, tenant: "tenant-a", scopes: [.admin]),
            .init(secret: tokenB, tenant: "tenant-b", scopes: [.ingest, .read]),
        ])
        configuration.alerting.tenant = "tenant-a"
        return configuration
    }

    static let fixtures: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(path)))
    }

    /// A valid body for every ingest route, as (query string, headers, body). A new ingest route
    /// in the document without an entry here fails the walk.
    static func ingestPayloads(profileID: String) throws -> [String: (query: String, headers: HTTPFields, body: [UInt8])] {
        [
            "/v1/traces": ("", [.contentType: "application/x-protobuf"], try fixture("otlp/spans.pb")),
            "/api/v1/write": ("", [.contentType: "application/x-protobuf", .contentEncoding: "snappy"], remoteWriteBody()),
            "/api/v1/exemplars": ("", [.contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8"], try fixture("pprof-go119/metrics.om.txt")),
            "/api/v1/profiles": ("?service=checkout&type=cpu&profile_id=\(profileID)", [:], try fixture("pprof-go119/cpu.pb.gz")),
            "/ingest": ("?name=checkout.heap%7Bteam%3D\(profileID)%7D&format=pprof", [:], try fixture("pprof-go119/heap.pb.gz")),
            "/v1development/profiles": ("", [.contentType: "application/x-protobuf"], OTLPRequest.bytes()),
            "/push.v1.PusherService/Push": ("", [.contentType: "application/proto"], try pyroscopePush(profileID: profileID)),
            "/v1/metrics": ("", [.contentType: "application/json"], otlpMetrics()),
        ]
    }

    /// A Pyroscope `PushRequest`: one series (`__name__`, `service_name`, `team`) holding the
    /// fixture CPU profile under sample id `profileID`.
    static func pyroscopePush(profileID: String, file: String = "pprof-go119/cpu.pb.gz", labels: [(String, String)]? = nil) throws -> [UInt8] {
        var request = TestProtobufWriter()
        let raw = try fixture(file)
        request.message(1) { series in
            for (name, value) in labels ?? [("__name__", "process_cpu"), ("service_name", "checkout"), ("team", profileID)] {
                series.message(1) { pair in
                    pair.string(1, name)
                    pair.string(2, value)
                }
            }
            series.message(2) { sample in
                sample.bytes(1, raw)
                sample.string(2, profileID)
            }
        }
        return request.bytes
    }

    /// An OTLP JSON metrics export: one histogram exemplar with a trace id.
    static func otlpMetrics() -> [UInt8] {
        let now = UInt64(Date().timeIntervalSince1970) * 1_000_000_000
        return Array("""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"isolation"}}]},
             "scopeMetrics":[{"metrics":[{"name":"isolation.duration","unit":"s","histogram":{"dataPoints":[{"explicitBounds":[1],
             "exemplars":[{"timeUnixNano":"\(now)","asDouble":0.5,"traceId":"4242aabbccddeeff0011223344556688","spanId":"4242aabbccddeeff"}]}]}}]}]}]}
            """.utf8)
    }

    static let remoteWriteTrace = "4242aabbccddeeff0011223344556677"

    static func remoteWriteBody() -> [UInt8] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let series = LabelSet(["__name__": "isolation_seconds_bucket", "le": "1", "job": "isolation"])
        let exemplar = Exemplar(series: series, labels: LabelSet(["trace_id": remoteWriteTrace]), value: 0.5, timestamp: now)
        return RemoteWriteEncoder.encodeBody(RemoteWriteRequest(timeseries: [
            .init(labels: series, samples: [.init(value: 1, timestamp: now)], exemplars: [exemplar])
        ]))
    }

    /// Query values for required and useful parameters, by name.
    static let queryValues: [String: String] = [
        "query": "{__name__=~\".+\"}", "start": "1600000000", "end": "1900000000",
        "from": "2020-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z", "function": "main",
        "service": "checkout", "limit": "100",
    ]

    struct Operation: CustomStringConvertible {
        let path: String
        let method: HTTPRequest.Method
        let queryParameters: [String]
        var description: String { "\(method) \(path)" }
    }

    /// Every (path, method) of the served document.
    static func operations(_ yaml: String) throws -> [Operation] {
        let document = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var operations: [Operation] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            let methods = try #require(item as? [String: Any])
            for (method, operation) in methods {
                guard let method = HTTPRequest.Method(method.uppercased()), ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(method.rawValue) else { continue }
                let parameters = ((operation as? [String: Any])?["parameters"] as? [[String: Any]]) ?? []
                let query = parameters.filter { $0["in"] as? String == "query" }.compactMap { $0["name"] as? String }
                operations.append(Operation(path: path, method: method, queryParameters: query))
            }
        }
        return operations
    }

    /// The URI of a read operation with A's ids in its path and the known query values.
    static func uri(_ operation: Operation, traceID: String, profileID: String) -> String {
        var path = operation.path
        if path.contains("/profiles/{id}") {
            path = path.replacingOccurrences(of: "{id}", with: profileID)
        } else {
            path = path.replacingOccurrences(of: "{id}", with: traceID)
        }
        let query = operation.queryParameters.compactMap { name in
            queryValues[name].map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" }
        }
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }

    static func rows(_ client: PostgresClient, tenant: String) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["spans", "exemplars", "profiles"] {
            let query: PostgresQuery = switch table {
            case "spans": "SELECT count(*) FROM spans WHERE tenant = \(tenant)"
            case "exemplars": "SELECT count(*) FROM exemplars WHERE tenant = \(tenant)"
            default: "SELECT count(*) FROM profiles WHERE tenant = \(tenant)"
            }
            for try await count in try await client.query(query).decode(Int.self) { counts[table] = count }
        }
        return counts
    }

    @Test func everyRouteIsScopedToTheTokensTenant() async throws {
        let expected = try JSONSerialization.jsonObject(with: Data(Self.fixture("otlp/expected.json"))) as! [String: Any]
        let traceIDs = Set((expected["spans"] as! [[String: Any]]).map { $0["trace_id"] as! String })
        let traceID = (expected["spans"] as! [[String: Any]])[0]["trace_id"] as! String
        let exemplarTrace = "ca75fe17b0f7abd12010a67caae06857"
        let profileA = "isolation-profile-a"
        // What tenant A's data looks like in any answer; none may appear in an answer to B.
        let markers = traceIDs.union([exemplarTrace, profileA, Self.remoteWriteTrace])

        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: Self.configuration))
            try await app.test(.router) { http in
                try await Self.walk(http, client: client, traceIDs: traceIDs, traceID: traceID, profileA: profileA, markers: markers)
            }
        }
    }

    static func walk(
        _ http: any TestClientProtocol, client: PostgresClient, traceIDs: Set<String>, traceID: String, profileA: String, markers: Set<String>
    ) async throws {
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String?, headers: HTTPFields = [:], body: [UInt8] = []) async throws -> (HTTPResponse.Status, String) {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await http.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: body)) { response in
            (response.status, String(buffer: response.body))
        }
    }

    let (documentStatus, yaml) = try await call(.get, "/openapi.yaml", token: nil)
    #expect(documentStatus == .ok)
    let operations = try Self.operations(yaml)
    #expect(operations.count >= 25, "the document lists \(operations.count) operations")
    let payloadsA = try Self.ingestPayloads(profileID: profileA)
    let payloadsB = try Self.ingestPayloads(profileID: "isolation-profile-b")

    // Tenant A writes through every ingest route of the document.
    var ingestRoutes = 0
    for operation in operations where operation.method == .post {
        guard let payload = payloadsA[operation.path] else { continue }
        ingestRoutes += 1
        let (status, text) = try await call(.post, operation.path + payload.query, token: Self.tokenA, headers: payload.headers, body: payload.body)
        #expect((200..<300).contains(status.code), "\(operation) as tenant A: \(status) \(text.prefix(300))")
    }
    #expect(ingestRoutes == payloadsA.count, "every ingest route is in the document")
    let rowsA = try await Self.rows(client, tenant: "tenant-a")
    #expect(rowsA["spans"]! > 0 && rowsA["exemplars"]! > 0 && rowsA["profiles"]! >= 3, "\(rowsA)")

    var walked: Set<String> = []
    var readsShowingA = 0
    // B reads everything before it writes anything (B's writes repeat A's payloads, ids and all).
    let ordered = operations.filter { Self.access($0) != "ingest" } + operations.filter { Self.access($0) == "ingest" }
    for operation in ordered {
        let access = Self.access(operation)
        walked.insert(operation.description)
        let payload = operation.method == .post ? payloadsB[operation.path] : nil
        let uri = payload.map { operation.path + $0.query } ?? Self.uri(operation, traceID: traceID, profileID: profileA)
        let headers = payload?.headers ?? [:]
        let body = payload?.body ?? []
        if access == "open" {
            let (status, _) = try await call(operation.method, uri, token: nil)
            #expect(status == .ok, "\(operation) stays open")
            continue
        }
        // No token, an unknown token, a malformed header: 401 with a challenge.
        for token in [nil, "not-a-configured-token-000000", Self.tokenA + "x", String(Self.tokenA.dropLast())] as [String?] {
            let (status, _) = try await call(operation.method, uri, token: token, headers: headers, body: body)
            #expect(status == .unauthorized, "\(operation) with token \(token == nil ? "none" : "unknown"): \(status)")
        }
        var basicHeaders = headers
        basicHeaders[.authorization] = "Basic " + Data("tenant-a:wrong-password-0000000".utf8).base64EncodedString()
        let basicStatus: HTTPResponse.Status = try await http.execute(uri: uri, method: operation.method, headers: basicHeaders, body: ByteBuffer(bytes: body)) { $0.status }
        #expect(basicStatus == .unauthorized, "\(operation) with a wrong Basic password")
        // A's token naming tenant B in X-Scope-OrgID: 403.
        var foreign = headers
        foreign[Self.tenantHeader] = "tenant-b"
        let (foreignStatus, _) = try await call(operation.method, uri, token: Self.tokenA, headers: foreign, body: body)
        #expect(foreignStatus == .forbidden, "\(operation) with A's token for tenant B: \(foreignStatus)")
        // A token without the route's scope: 403.
        let unscoped = access == "ingest" ? Self.tokenAReadOnly : access == "read" ? Self.tokenAIngestOnly : Self.tokenA
        let (unscopedStatus, _) = try await call(operation.method, uri, token: unscoped, headers: headers, body: body)
        #expect(unscopedStatus == .forbidden, "\(operation) without the \(access) scope: \(unscopedStatus)")

        switch access {
        case "read":
            // Tenant A sees its own data (the walk can fail); B sees none of it.
            let (statusA, textA) = try await call(operation.method, uri, token: Self.tokenA)
            #expect(statusA.code < 500, "\(operation) as A: \(statusA) \(textA.prefix(200))")
            if markers.contains(where: { textA.contains($0) }) { readsShowingA += 1 }
            let (statusB, textB) = try await call(operation.method, uri, token: Self.tokenB)
            if operation.path.contains("{id}") {
                // A's id asked for by B: unknown to B (the answer may repeat the id asked for).
                #expect(statusB == .notFound, "\(operation) with tenant A's id as B: \(statusB) \(textB.prefix(300))")
            } else {
                #expect(statusB.code < 500, "\(operation) as B: \(statusB)")
                let leaked = markers.filter { textB.contains($0) }
                #expect(leaked.isEmpty, "\(operation) shows tenant A's \(leaked.sorted()) to tenant B: \(textB.prefix(300))")
            }
        case "ingest":
            let before = try await Self.rows(client, tenant: "tenant-a")
            let (status, text) = try await call(operation.method, uri, token: Self.tokenB, headers: headers, body: body)
            #expect((200..<300).contains(status.code), "\(operation) as B: \(status) \(text.prefix(200))")
            let after = try await Self.rows(client, tenant: "tenant-a")
            #expect(before == after, "\(operation) as B changed tenant A's rows: \(before) → \(after)")
        default:  // admin
            let (status, _) = try await call(operation.method, uri, token: Self.tokenAAdmin)
            #expect(status == .ok, "\(operation) with the admin scope")
        }
    }
    #expect(readsShowingA >= 5, "only \(readsShowingA) read routes showed tenant A its own data")
    let rowsB = try await Self.rows(client, tenant: "tenant-b")
    #expect(rowsB["spans"] == rowsA["spans"] && rowsB["exemplars"]! > 0 && rowsB["profiles"] == rowsA["profiles"], "B: \(rowsB), A: \(rowsA)")
    #expect(try await Self.rows(client, tenant: "tenant-a") == rowsA, "tenant A's rows are untouched")
    // Every list route as B, now that B has data: still none of A's profile ids.
    for operation in operations where Self.access(operation) == "read" && !operation.path.contains("{id}") {
        let (_, text) = try await call(operation.method, Self.uri(operation, traceID: traceID, profileID: profileA), token: Self.tokenB)
        #expect(!text.contains(profileA), "\(operation) shows A's profile to B")
    }
    #expect(walked.count == operations.count)
    }

    /// The scope the walk expects of an operation: what the README promises.
    static func access(_ operation: Operation) -> String {
        if ["/healthz", "/readyz", "/metrics", "/openapi.yaml"].contains(operation.path) { return "open" }
        if operation.path == "/-/reload" { return "admin" }
        // Pyroscope's query API is Connect, every method a POST: reads.
        if operation.path.hasPrefix("/querier.v1.") { return "read" }
        if operation.method == .post, operation.path != "/api/v1/query_exemplars" { return "ingest" }
        return "read"
    }

    @Test func withoutTokensTheHeaderPicksTheTenant() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                let spans = try Self.fixture("otlp/spans.pb")
                let status = try await http.execute(
                    uri: "/v1/traces", method: .post,
                    headers: [.contentType: "application/x-protobuf", Self.tenantHeader: "header-tenant"], body: ByteBuffer(bytes: spans)
                ) { $0.status }
                #expect(status == .ok)
                let readsDefault = try await http.execute(uri: "/api/v1/profiles", method: .get) { $0.status }
                #expect(readsDefault == .ok)
            }
            #expect(try await Self.rows(client, tenant: "header-tenant")["spans"]! > 0)
            #expect(try await Self.rows(client, tenant: "default")["spans"] == 0)
        }
    }
}
