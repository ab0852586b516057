import Correlator
import Foundation
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing
import TestSupport

/// `POST /v1/traces` and `GET /api/v1/traces/{id}` through the router, against a real PostgreSQL.
@Suite("OTLP trace routes against a real PostgreSQL")
struct TraceRouteTests {
    static let fixtures: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("Fixtures/otlp")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("spans.pb").path) { return candidate }
            url.deleteLastPathComponent()
        }
        fatalError("Tests/Fixtures/otlp not found above \(#filePath)")
    }()

    static func fixture(_ name: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// The trace id of the fixture's first trace and how many of its spans it holds (from
    /// the SDK's own report, expected.json).
    static func expectedTrace() throws -> (id: String, spans: [[String: Any]]) {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("expected.json"))) as! [String: Any]
        let spans = root["spans"] as! [[String: Any]]
        let id = spans[0]["trace_id"] as! String
        return (id, spans.filter { $0["trace_id"] as? String == id })
    }

    static let tenantHeader = HTTPField.Name("X-Scope-OrgID")!
    static let protobuf: HTTPFields = [.contentType: "application/x-protobuf"]
    static let json: HTTPFields = [.contentType: "application/json"]

    func withApp(
        configuration: CorrelatorConfiguration = CorrelatorConfiguration(),
        _ body: @escaping @Sendable (any TestClientProtocol, PostgresClient) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let logger = Logger(label: "test")
            let store = Store(
                client: client, target: "test database",
                migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger
            )
            let app = Application(router: buildRouter(store: store, configuration: configuration))
            try await app.test(.router) { http in try await body(http, client) }
        }
    }

    static func document(_ response: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test func protobufAndJSONExportsStoreTheSameTraceAsTheSDKReported() async throws {
        try await withApp { http, _ in
            let (traceID, expected) = try Self.expectedTrace()
            try await http.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: Self.fixture("spans.pb")) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-protobuf")
                #expect(response.body.readableBytes == 0)  // everything accepted: empty message
            }
            var headers = Self.json
            headers[.contentType] = "application/json; charset=utf-8"
            headers[Self.tenantHeader] = "json-tenant"
            try await http.execute(uri: "/v1/traces", method: .post, headers: headers, body: Self.fixture("spans.json")) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == "{}")
            }
            var fromProtobuf = Data()
            try await http.execute(uri: "/api/v1/traces/\(traceID)", method: .get) { response in
                #expect(response.status == .ok)
                fromProtobuf = Data(buffer: response.body)
                let document = try Self.document(response)
                #expect(document["trace_id"] as? String == traceID)
                let spans = try #require(document["spans"] as? [[String: Any]])
                let sortedExpected = expected.sorted { ($0["start_unix_nano"] as! Int64) < ($1["start_unix_nano"] as! Int64) }
                #expect(spans.count == sortedExpected.count)
                for (span, want) in zip(spans, sortedExpected) {
                    #expect(span["span_id"] as? String == want["span_id"] as? String)
                    #expect(span["parent_span_id"] as? String == want["parent_span_id"] as? String)
                    #expect((span["parent_span_id"] is NSNull) == (want["parent_span_id"] is NSNull))
                    #expect(span["name"] as? String == want["name"] as? String)
                    #expect(span["service"] as? String == want["service"] as? String)
                    #expect(span["kind"] as? Int == want["kind"] as? Int)
                    #expect(span["start_unix_nano"] as? Int64 == want["start_unix_nano"] as? Int64)
                    #expect(span["duration_ns"] as? Int64 == want["duration_nanos"] as? Int64)
                    #expect(span["status_code"] as? Int == want["status_code"] as? Int)
                    #expect(span["status_message"] as? String == want["status_message"] as? String)
                    #expect(span["profile_id"] as? String == want["profile_id"] as? String)
                    let attributes = try JSONSerialization.data(withJSONObject: span["attributes"]!, options: .sortedKeys)
                    let wantAttributes = try JSONSerialization.data(withJSONObject: want["attributes"]!, options: .sortedKeys)
                    #expect(attributes == wantAttributes)
                    let start = try #require(span["start"] as? String)
                    #expect(start.hasSuffix("Z") && start.count == 30, "\(start)")
                }
            }
            // The JSON export, in its own tenant, reads back byte for byte the same.
            try await http.execute(uri: "/api/v1/traces/\(traceID)", method: .get, headers: [Self.tenantHeader: "json-tenant"]) { response in
                #expect(response.status == .ok)
                #expect(Data(buffer: response.body) == fromProtobuf)
            }
            // Another tenant sees nothing.
            try await http.execute(uri: "/api/v1/traces/\(traceID)", method: .get, headers: [Self.tenantHeader: "someone-else"]) { response in
                #expect(response.status == .notFound)
                let document = try Self.document(response)
                #expect((document["error"] as? [String: String])?["message"] == "trace \(traceID) not found")
            }
            // Ingest was counted.
            try await http.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("correlator_spans_received_total"))
            }
        }
    }

    @Test func aRetriedExportDoesNotDuplicateSpans() async throws {
        let (traceID, expectedSpans) = try Self.expectedTrace()
        let expectedCount = expectedSpans.count
        try await withApp { http, client in
            for _ in 0..<3 {
                try await http.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: Self.fixture("spans.pb")) { response in
                    #expect(response.status == .ok)
                }
            }
            try await http.execute(uri: "/api/v1/traces/\(traceID)", method: .get) { response in
                let document = try Self.document(response)
                #expect((document["spans"] as? [Any])?.count == expectedCount)
            }
            var count = 0
            for try await value in try await client.query("SELECT count(*) FROM spans").decode(Int.self) { count = value }
            #expect(count == 5)
        }
    }

    @Test func gzipBodiesAreInflated() async throws {
        let (traceID, _) = try Self.expectedTrace()
        let gzipped = try Self.gzip(Data(buffer: Self.fixture("spans.pb")))
        try await withApp { http, _ in
            var headers = Self.protobuf
            headers[.contentEncoding] = "gzip"
            try await http.execute(uri: "/v1/traces", method: .post, headers: headers, body: ByteBuffer(bytes: gzipped)) { response in
                #expect(response.status == .ok)
            }
            try await http.execute(uri: "/api/v1/traces/\(traceID)", method: .get) { response in
                #expect(response.status == .ok)
            }
            // Gzip that is not gzip: 400 with a google.rpc.Status.
            try await http.execute(uri: "/v1/traces", method: .post, headers: headers, body: ByteBuffer(string: "not gzip at all")) { response in
                #expect(response.status == .badRequest)
                #expect(Self.rpcStatus(response.body)?.code == 3)
            }
        }
    }

    @Test func partialSuccessStoresOnlyTheValidSpans() async throws {
        let valid = "0102030405060708090a0b0c0d0e0f10"
        let body = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},
             "scopeSpans":[{"spans":[
              {"traceId":"\(valid)","spanId":"1111111111111111","name":"good","kind":2,
               "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":1700000000000500000},
              {"traceId":"00000000000000000000000000000000","spanId":"2222222222222222","name":"zero trace",
               "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000500000"},
              {"traceId":"\(valid)","spanId":"3333333333333333","name":"ends before it starts",
               "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1600000000000000000"}
             ]}]}]}
            """
        try await withApp { http, _ in
            try await http.execute(uri: "/v1/traces", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let document = try Self.document(response)
                let partial = try #require(document["partialSuccess"] as? [String: Any])
                #expect(partial["rejectedSpans"] as? String == "2")
                let message = try #require(partial["errorMessage"] as? String)
                #expect(message.contains("trace_id is all zeros"), "\(message)")
                #expect(message.contains("before start_time_unix_nano"), "\(message)")
            }
            try await http.execute(uri: "/api/v1/traces/\(valid)", method: .get) { response in
                let document = try Self.document(response)
                let spans = try #require(document["spans"] as? [[String: Any]])
                #expect(spans.map { $0["name"] as? String } == ["good"])
                #expect(spans.first?["parent_span_id"] is NSNull)
                #expect(spans.first?["start"] as? String == "2023-11-14T22:13:20.000000000Z")
                #expect(spans.first?["duration_ns"] as? Int == 500_000)
            }
            try await http.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("correlator_spans_rejected_total"))
            }
        }
    }

    @Test func undecodableBodiesAre400WithAStatusInTheRequestEncoding() async throws {
        try await withApp { http, _ in
            // Field 1, length-delimited, claiming 100 bytes that are not there.
            try await http.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: ByteBuffer(bytes: [0x0A, 0x64, 0x01])) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/x-protobuf")
                let status = try #require(Self.rpcStatus(response.body))
                #expect(status.code == 3)
                #expect(status.message.contains("malformed OTLP protobuf"), "\(status.message)")
            }
            try await http.execute(uri: "/v1/traces", method: .post, headers: Self.json, body: ByteBuffer(string: "{\"resourceSpans\": [")) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/json")
                let document = try Self.document(response)
                #expect(document["code"] as? Int == 3)
                #expect((document["message"] as? String)?.contains("malformed OTLP JSON") == true)
            }
        }
    }

    @Test func otherContentTypesAre415() async throws {
        try await withApp { http, _ in
            for contentType in ["text/plain", "application/xml", "application/jsonl"] {
                try await http.execute(uri: "/v1/traces", method: .post, headers: [.contentType: contentType], body: Self.fixture("spans.json")) { response in
                    #expect(response.status == .unsupportedMediaType, "\(contentType)")
                }
            }
            try await http.execute(uri: "/v1/traces", method: .post, body: Self.fixture("spans.json")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
        }
    }

    @Test func bodiesOverTheLimitsAre413() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.limits.maxBodyBytes = 1300  // spans.pb is 1640 bytes, gzipped about 1150
        configuration.limits.maxDecompressedBytes = 1500
        let gzipped = try Self.gzip(Data(buffer: Self.fixture("spans.pb")))
        #expect(gzipped.count < 1300)
        try await withApp(configuration: configuration) { http, client in
            try await http.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: Self.fixture("spans.pb")) { response in
                #expect(response.status == .contentTooLarge)
                let status = try #require(Self.rpcStatus(response.body))
                #expect(status.code == 8)
                #expect(status.message.contains("max_body_bytes"), "\(status.message)")
            }
            var headers = Self.protobuf
            headers[.contentEncoding] = "gzip"
            try await http.execute(uri: "/v1/traces", method: .post, headers: headers, body: ByteBuffer(bytes: gzipped)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(Self.rpcStatus(response.body)?.message.contains("max_decompressed_bytes") == true)
            }
            var count = 0
            for try await value in try await client.query("SELECT count(*) FROM spans").decode(Int.self) { count = value }
            #expect(count == 0)
        }
    }

    @Test(arguments: [
        "xyz", "0102030405060708", "0102030405060708090a0b0c0d0e0f1", "0102030405060708090a0b0c0d0e0f1g",
        "00000000000000000000000000000000", "0102030405060708090a0b0c0d0e0f1011",
    ])
    func malformedTraceIDsAre400(id: String) async throws {
        try await withApp { http, _ in
            try await http.execute(uri: "/api/v1/traces/\(id)", method: .get) { response in
                #expect(response.status == .badRequest)
                let document = try Self.document(response)
                #expect((document["error"] as? [String: String])?["message"]?.contains("32 hex digits") == true)
            }
        }
    }

    @Test func unknownTracesAre404AndUppercaseIDsAreAccepted() async throws {
        let (traceID, _) = try Self.expectedTrace()
        try await withApp { http, _ in
            try await http.execute(uri: "/api/v1/traces/\(traceID)", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json")
            }
            try await http.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: Self.fixture("spans.pb")) { _ in }
            try await http.execute(uri: "/api/v1/traces/\(traceID.uppercased())", method: .get) { response in
                #expect(response.status == .ok)
                let document = try Self.document(response)
                #expect(document["trace_id"] as? String == traceID)
            }
        }
    }

    @Test func aFailingStoreIs503WithRetryAfter() async throws {
        let (traceID, _) = try Self.expectedTrace()
        try await withApp { http, client in
            try await client.query("DROP TABLE spans")
            for (headers, body) in [(Self.protobuf, "spans.pb"), (Self.json, "spans.json")] {
                try await http.execute(uri: "/v1/traces", method: .post, headers: headers, body: Self.fixture(body)) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "5")
                    #expect(response.headers[.contentType] == headers[.contentType])
                }
            }
            try await http.execute(uri: "/api/v1/traces/\(traceID)", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
            }
        }
    }

    // MARK: - Helpers

    /// Reads a protobuf `google.rpc.Status` (1 code varint, 2 message string).
    static func rpcStatus(_ buffer: ByteBuffer) -> (code: Int, message: String)? {
        let bytes = Array(buffer.readableBytesView)
        var index = 0
        var code = 0
        var message = ""
        func varint() -> Int? {
            var value = 0
            var shift = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                value |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while index < bytes.count {
            guard let tag = varint() else { return nil }
            switch tag {
            case 0x08: guard let value = varint() else { return nil }; code = value
            case 0x12:
                guard let length = varint(), index + length <= bytes.count else { return nil }
                message = String(decoding: bytes[index..<index + length], as: UTF8.self)
                index += length
            default: return nil
            }
        }
        return (code, message)
    }

    /// gzip(1), an independent compressor.
    static func gzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec gzip -c"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return result
    }
}
