import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing
import TestSupport

/// The profile routes against a real PostgreSQL, checked with numbers from `go tool pprof`
/// (the golden files next to the Go 1.19 fixtures). `PprofGoldenFixtures.swift` and
/// `TestProtobufWriter.swift` are links to ProfileIndexTests' helpers, so the golden parsing is
/// the same code.
@Suite("Profile ingest and queries against a real PostgreSQL")
struct ProfileRoutesTests {
    static func withApp(
        limits: IngestLimits = IngestLimits(),
        _ body: @Sendable @escaping (any TestClientProtocol, PostgresClient) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let logger = Logger(label: "test")
            let store = Store(
                client: client, target: "test database",
                migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger
            )
            var configuration = CorrelatorConfiguration()
            configuration.limits = limits
            let app = Application(router: buildRouter(store: store, configuration: configuration))
            try await app.test(.router) { http in try await body(http, client) }
        }
    }

    static func post(
        _ http: any TestClientProtocol, _ uri: String, _ bytes: [UInt8], headers: HTTPFields = [:]
    ) async throws -> (HTTPResponse.Status, String) {
        try await http.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) { response in
            (response.status, String(buffer: response.body))
        }
    }

    static func count(_ client: PostgresClient, _ table: String) async throws -> Int {
        let query: PostgresQuery
        switch table {
        case "profiles": query = "SELECT count(*) FROM profiles"
        case "functions": query = "SELECT count(*) FROM functions"
        case "profile_functions": query = "SELECT count(*) FROM profile_functions"
        default: query = "SELECT count(*) FROM span_profiles"
        }
        for try await count in try await client.query(query).decode(Int.self) { return count }
        return 0
    }

    /// Stored flat and cum per function name (as `-top` groups them) of one sample type.
    static func storedByName(_ client: PostgresClient, profileID: String, sampleType: Int) async throws -> [String: (flat: Int64, cum: Int64)] {
        let rows = try await client.query("""
            SELECT f.name, pf.flat, pf.cum FROM profile_functions pf JOIN functions f USING (function_id)
            WHERE pf.profile_id = \(profileID) AND pf.sample_type = \(Int16(sampleType))
            """)
        var byName: [String: (flat: Int64, cum: Int64)] = [:]
        for try await (name, flat, cum) in rows.decode((String, Int64, Int64).self) {
            byName[name, default: (0, 0)].flat += flat
            byName[name, default: (0, 0)].cum += cum
        }
        return byName
    }

    @Test func everyFixtureIsStoredWithPprofsNumbers() async throws {
        try await Self.withApp { http, client in
            for golden in Fixtures.topGoldens {
                let parts = golden.split(separator: ".")
                let (file, sampleName) = (String(parts[0]), String(parts[1]))
                let id = "fixture-\(file)"
                let (status, body) = try await Self.post(
                    http, "/api/v1/profiles?service=checkout-api&type=\(file)&profile_id=\(id)&env=test", try Fixtures.bytes("\(file).pb.gz")
                )
                #expect(status == .ok, "\(golden): \(body)")
                #expect(body.contains("\"profile_id\":\"\(id)\""))

                // The sample type's index in the stored profile.
                var typesJSON = ""
                for try await (types, kind, service) in try await client.query(
                    "SELECT sample_types::text, type, service FROM profiles WHERE profile_id = \(id)"
                ).decode((String, String, String).self) {
                    typesJSON = types
                    #expect(kind == file)
                    #expect(service == "checkout-api")
                }
                let types = try JSONDecoder().decode([[String: String]].self, from: Data(typesJSON.utf8))
                let index = try #require(types.firstIndex { $0["type"] == sampleName || "inuse_" + ($0["type"] ?? "") == sampleName })
                let unit = types[index]["unit"] ?? ""

                let top = try GoldenTop(try Fixtures.text("golden/" + golden))
                let stored = try await Self.storedByName(client, profileID: id, sampleType: index)
                for row in top.rows {
                    let mine = try #require(stored[row.name], "\(golden): \(row.name) not stored")
                    let flat = try #require(PrintedQuantity(row.flat, rawUnit: unit))
                    let cum = try #require(PrintedQuantity(row.cum, rawUnit: unit))
                    #expect(flat.matches(mine.flat), "\(golden): \(row.name) flat \(mine.flat) vs \(row.flat)")
                    #expect(cum.matches(mine.cum), "\(golden): \(row.name) cum \(mine.cum) vs \(row.cum)")
                }
                let total = try #require(PrintedQuantity(top.total, rawUnit: unit))
                #expect(total.matches(stored.values.reduce(0) { $0 + $1.flat }), "\(golden): total")
                // Functions pprof did not list were dropped below its node fraction, none lost.
                #expect(stored.filter { $0.value.flat != 0 || $0.value.cum != 0 }.count == top.rows.count + top.dropped, "\(golden)")
            }
            // Functions are shared between profiles: one row per name and file.
            let distinct = try await client.query("SELECT count(DISTINCT (name, filename)) FROM functions").decode(Int.self)
            for try await count in distinct { #expect(try await Self.count(client, "functions") == count) }
        }
    }

    @Test func slowSpansHaveTheirSamplesAndTopFunction() async throws {
        try await Self.withApp { http, client in
            let (status, _) = try await Self.post(http, "/api/v1/profiles?service=checkout-api&profile_id=cpu1", try Fixtures.bytes("cpu.pb.gz"))
            #expect(status == .ok)
            // Type inferred from the sample types.
            for try await kind in try await client.query("SELECT type FROM profiles").decode(String.self) { #expect(kind == "cpu") }

            struct Span: Decodable { let trace_id: String; let span_id: String; let name: String; let slow: Bool }
            let spans = try JSONDecoder().decode([Span].self, from: Data(try Fixtures.bytes("spans.json")))
            var stored: [String: (trace: String?, name: String?, top: String)] = [:]
            let rows = try await client.query("""
                SELECT encode(span_id, 'hex'), encode(trace_id, 'hex'), span_name, top::text FROM span_profiles WHERE profile_id = 'cpu1'
                """)
            for try await (span, trace, name, top) in rows.decode((String, String?, String?, String).self) {
                stored[span] = (trace, name, top)
            }
            let slow = spans.filter(\.slow)
            #expect(!slow.isEmpty)
            for span in slow {
                let row = try #require(stored[span.span_id], "slow span \(span.span_id) has no span_profiles row")
                #expect(row.trace == span.trace_id)
                #expect(row.name == span.name)
            }

            // go tool pprof -tagfocus span_id=ad0338ddcc3e722a: 80ms, all in crypto/sha256.block.
            let golden = try GoldenTop(try Fixtures.text("golden/cpu.cpu.tagfocus-span_id.top.txt"))
            let focused = try #require(stored["ad0338ddcc3e722a"])
            struct Entry: Decodable { let function: String; let file: String; let flat: Int64; let cum: Int64 }
            let top = try JSONDecoder().decode([Entry].self, from: Data(focused.top.utf8))
            let first = try #require(top.first)
            #expect(first.function == golden.rows[0].name)
            #expect(try #require(PrintedQuantity(golden.rows[0].flat, rawUnit: "nanoseconds")).matches(first.flat))
            for try await totals in try await client.query("""
                SELECT totals FROM span_profiles WHERE profile_id = 'cpu1' AND span_id = '\\xad0338ddcc3e722a'::bytea
                """).decode([Int64].self) {
                // The span's total is the flat sum pprof shows under the filter.
                let flatSum = golden.rows.compactMap { PrintedQuantity($0.flat, rawUnit: "nanoseconds")?.value }.reduce(0, +)
                #expect(abs(Double(totals[1]) - flatSum) < 5e6, "\(totals[1]) vs \(flatSum)")
            }
        }
    }

    @Test func retriesStoreNothingTwice() async throws {
        try await Self.withApp { http, client in
            let bytes = try Fixtures.bytes("heap.pb.gz")
            for _ in 0..<2 {
                #expect(try await Self.post(http, "/api/v1/profiles?service=a&profile_id=same", bytes).0 == .ok)
            }
            let functionRows = try await Self.count(client, "profile_functions")
            #expect(try await Self.count(client, "profiles") == 1)
            // Without an id, the id derives from the content: a retry is the same profile.
            var ids: [String] = []
            for _ in 0..<2 {
                let (status, body) = try await Self.post(http, "/api/v1/profiles?service=b&from=1795442820", bytes)
                #expect(status == .ok)
                ids.append(body)
            }
            #expect(ids[0] == ids[1])
            #expect(try await Self.count(client, "profiles") == 2)
            #expect(try await Self.count(client, "profile_functions") == 2 * functionRows)
        }
    }

    @Test func overLimitIsRefusedAndNothingIsStored() async throws {
        var limits = IngestLimits()
        limits.maxDecompressedBytes = 1_000
        try await Self.withApp(limits: limits) { http, client in
            let (status, message) = try await Self.post(http, "/api/v1/profiles?service=x", try Fixtures.bytes("cpu.pb.gz"))
            #expect(status == .contentTooLarge)
            #expect(message.contains("limit of 1000 bytes"))
            #expect(try await Self.count(client, "profiles") == 0)
        }
    }

    @Test func badInputIsRefusedAndNothingIsStored() async throws {
        try await Self.withApp { http, client in
            let gzip = try Fixtures.bytes("cpu.pb.gz")
            let cases: [(String, [UInt8], HTTPResponse.Status)] = [
                ("corrupt gzip", Array(gzip.prefix(10)) + [UInt8](repeating: 0xFF, count: 64), .badRequest),
                ("truncated gzip", Array(gzip.dropLast(40)), .badRequest),
                ("not a profile", Array("hello, world".utf8), .badRequest),
                ("empty", [], .badRequest),
            ]
            for (name, bytes, expected) in cases {
                let (status, message) = try await Self.post(http, "/api/v1/profiles?service=x&type=cpu", bytes)
                #expect(status == expected, "\(name): \(status) \(message)")
                #expect(!message.isEmpty)
            }
            // A truncated protobuf (not gzipped) and bad parameters.
            var plain = TestProtobufWriter()
            plain.message(1) { $0.int(1, 1); $0.int(2, 2) }
            plain.string(6, "")
            plain.string(6, "samples")
            plain.string(6, "count")
            #expect(try await Self.post(http, "/api/v1/profiles?type=cpu", Array(plain.bytes.dropLast(2))).0 == .badRequest)
            #expect(try await Self.post(http, "/api/v1/profiles?type=flamegraph", plain.bytes).0 == .badRequest)
            #expect(try await Self.post(http, "/api/v1/profiles?type=cpu&from=yesterday", plain.bytes).0 == .badRequest)
            #expect(try await Self.post(http, "/api/v1/profiles", plain.bytes).0 == .badRequest)  // type unknowable
            for table in ["profiles", "functions", "profile_functions", "span_profiles"] {
                #expect(try await Self.count(client, table) == 0, "\(table)")
            }
        }
    }

    @Test func pyroscopeIngestRawAndMultipart() async throws {
        try await Self.withApp { http, client in
            let bytes = try Fixtures.bytes("cpu.pb.gz")
            let (status, body) = try await Self.post(http, "/ingest?name=shop.cpu%7Benv%3Dprod%2Cregion%3Deu%7D&from=1795442820&until=1795442830&format=pprof&spyName=gospy", bytes)
            #expect(status == .ok, "\(body)")
            let rows = try await client.query("""
                SELECT service, type, labels::text, extract(epoch FROM start_ts)::bigint, duration_ns, length(raw) FROM profiles
                """)
            var seen = 0
            for try await (service, kind, labels, start, duration, length) in rows.decode((String, String, String, Int64, Int64, Int).self) {
                seen += 1
                #expect(service == "shop")
                #expect(kind == "cpu")
                #expect(labels == #"{"env": "prod", "region": "eu", "pyroscope_spy": "gospy"}"#)
                #expect(start == 1_795_442_820)
                #expect(duration == 10_000_000_000)
                #expect(length == bytes.count)
            }
            #expect(seen == 1)

            // Newer clients: multipart/form-data with a `profile` part (and others ignored).
            let boundary = "b0undary"
            var form = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            let heap = try Fixtures.bytes("heap.pb.gz")
            form += heap
            form += Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"sample_type_config\"\r\n\r\n{}\r\n--\(boundary)--\r\n".utf8)
            let (multipartStatus, multipartBody) = try await Self.post(
                http, "/ingest?name=shop.inuse_space&from=1795442820&until=1795442830", form,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"]
            )
            #expect(multipartStatus == .ok, "\(multipartBody)")
            for try await (kind, length) in try await client.query("SELECT type, length(raw) FROM profiles WHERE type <> 'cpu'").decode((String, Int).self) {
                #expect(kind == "heap")
                #expect(length == heap.count)
            }
            #expect(try await Self.post(http, "/ingest?name=shop.cpu&format=trie", bytes).0 == .unsupportedMediaType)

            // Folded text (Pyroscope's default without format) and lines, counts by hand.
            let folded = Array("main;handle;hot 30\nmain;handle;cold 10\n".utf8)
            #expect(try await Self.post(http, "/ingest?name=texty.cpu%7Benv%3Dci%7D&from=1795442820&sampleRate=50", folded).0 == .ok)
            for try await (kind, totals, labels) in try await client.query("SELECT type, totals::text, labels::text FROM profiles WHERE service = 'texty'").decode((String, String, String).self) {
                #expect(kind == "cpu")
                #expect(totals == "{40,800000000}", "40 samples of 20 ms")
                #expect(labels == #"{"env": "ci"}"#)
            }
            #expect(try await Self.post(http, "/ingest?name=lines.cpu&format=lines&from=1795442820", Array("a;b\na;b\na;c\n".utf8)).0 == .ok)
            var linesTotals: [String] = []
            for try await totals in try await client.query("SELECT totals::text FROM profiles WHERE service = 'lines'").decode(String.self) { linesTotals.append(totals) }
            #expect(linesTotals == ["{3,30000000}"])
            // A frame py-spy read half-written (NUL): stored with U+FFFD, its samples kept.
            let torn = Array("main;py\u{0}8859_16.py 3\nmain;work 4\n".utf8)
            let (tornStatus, tornBody) = try await Self.post(http, "/ingest?name=torn.cpu&from=1795442820", torn)
            #expect(tornStatus == .ok, "\(tornBody)")
            var tornNames: [String] = []
            for try await name in try await client.query("SELECT name FROM functions WHERE name LIKE 'py%'").decode(String.self) { tornNames.append(name) }
            #expect(tornNames == ["py\u{FFFD}8859_16.py"])
            var tornTotals: [String] = []
            for try await totals in try await client.query("SELECT totals::text FROM profiles WHERE service = 'torn'").decode(String.self) { tornTotals.append(totals) }
            #expect(tornTotals == ["{7,70000000}"])
            let (badStatus, badBody) = try await Self.post(http, "/ingest?name=texty.cpu&format=folded", Array("a;b 1\na;b x\n".utf8))
            #expect(badStatus == .badRequest && badBody.contains("line 2"), "\(badBody)")
            #expect(try await Self.post(http, "/ingest?name=shop.cpu%7Benv", bytes).0 == .badRequest)
        }
    }

    @Test func rawBytesAndStoredTopComeBack() async throws {
        try await Self.withApp { http, _ in
            let bytes = try Fixtures.bytes("allocs.pb.gz")
            #expect(try await Self.post(http, "/api/v1/profiles?service=a&profile_id=p1&from=2026-11-23T14:07:00Z", bytes).0 == .ok)
            try await http.execute(uri: "/api/v1/profiles/p1/pprof", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/octet-stream")
                #expect(Array(buffer: response.body) == bytes)
            }
            try await http.execute(uri: "/api/v1/profiles/p1/top?sample_type=alloc_space&limit=3", method: .get) { response in
                #expect(response.status == .ok)
                struct Top: Decodable {
                    struct Entry: Decodable { let function: String; let file: String; let flat: Int64; let cum: Int64 }
                    let total: Int64
                    let functions: [Entry]
                }
                let top = try JSONDecoder().decode(Top.self, from: Data(buffer: response.body))
                #expect(top.functions.count == 3)
                #expect(top.functions.map(\.flat) == top.functions.map(\.flat).sorted(by: >))
                // The golden's first row: the largest flat alloc_space function.
                let golden = try GoldenTop(try Fixtures.text("golden/allocs.alloc_space.top.txt"))
                #expect(top.functions.first?.function == golden.rows.first?.name)
            }
            try await http.execute(uri: "/api/v1/profiles/p1/top?sample_type=nope", method: .get) { #expect($0.status == .badRequest) }
            try await http.execute(uri: "/api/v1/profiles/missing/pprof", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func otlpProfilesAreStored() async throws {
        try await Self.withApp { http, client in
            let (status, body) = try await Self.post(http, "/v1development/profiles", OTLPRequest.bytes(), headers: [.contentType: "application/x-protobuf"])
            #expect(status == .ok, "\(body)")
            #expect(body.isEmpty)
            for try await (id, service, kind, totals) in try await client.query(
                "SELECT profile_id, service, type, totals FROM profiles"
            ).decode((String, String, String, [Int64]).self) {
                #expect(id == String(repeating: "42", count: 16))
                #expect(service == "checkout")
                #expect(kind == "cpu")
                #expect(totals == [40])
            }
            for try await (span, trace, name) in try await client.query(
                "SELECT encode(span_id, 'hex'), encode(trace_id, 'hex'), span_name FROM span_profiles"
            ).decode((String, String?, String?).self) {
                #expect(span == "abcd000000000001")
                #expect(trace == "0102030405060708090a0b0c0d0e0f10")
                #expect(name == "GET /x")
            }
            #expect(try await Self.count(client, "span_profiles") == 1)
            // Truncated: 400, nothing stored.
            let truncated = Array(OTLPRequest.bytes().dropLast(3))
            #expect(try await Self.post(http, "/v1development/profiles", truncated).0 == .badRequest)
            #expect(try await Self.count(client, "profiles") == 1)
        }
    }

    /// PostgreSQL text cannot hold NUL: a function name with one (a sampler's torn read) is
    /// stored with U+FFFD in its place, and the samples are kept, as for pprof uploads.
    @Test func otlpProfileWithANULInAFunctionNameIsRepaired() async throws {
        try await Self.withApp { http, client in
            let (status, body) = try await Self.post(
                http, "/v1development/profiles", OTLPRequest.bytes(workName: "main.wo\u{0}rk"), headers: [.contentType: "application/x-protobuf"]
            )
            #expect(status == .ok, "\(body)")
            var names: [String] = []
            for try await name in try await client.query("SELECT name FROM functions ORDER BY name").decode(String.self) { names.append(name) }
            #expect(names == ["main.main", "main.wo\u{FFFD}rk"])
            for try await totals in try await client.query("SELECT totals FROM profiles").decode([Int64].self) {
                #expect(totals == [40])
            }
        }
    }

    /// A NUL where PostgreSQL keeps text (the service, a resource attribute, a sample
    /// attribute) is a 400 naming the profile and the attribute, and nothing is stored, over
    /// HTTP as over gRPC (`OTLPGRPCReceiverTests`); before, each failed the write with a 500.
    @Test func otlpProfileWithANULInAnAttributeIsA400() async throws {
        try await Self.withApp { http, client in
            // The body is JSON, so the `\0` the message shows for a NUL comes escaped once more.
            let cases: [([UInt8], [String])] = [
                (OTLPRequest.bytes(service: "check\u{0}out"), ["OTLP profile 0", "service.name", "NUL"]),
                (OTLPRequest.bytes(resourceAttribute: ("host\u{0}name", "a")), ["OTLP profile 0", #"resource attribute 'host\\0name'"#, "NUL"]),
                (OTLPRequest.bytes(resourceAttribute: ("host.name", "a\u{0}b")), ["OTLP profile 0", "resource attribute 'host.name'", "NUL"]),
                (OTLPRequest.bytes(spanName: "GET \u{0}/x"), ["OTLP profile 0", "sample attribute 'span_name'", "NUL"]),
            ]
            for (body, mentions) in cases {
                let (status, text) = try await Self.post(http, "/v1development/profiles", body, headers: [.contentType: "application/x-protobuf"])
                #expect(status == .badRequest, "\(text)")
                for mention in mentions { #expect(text.contains(mention), "\(mention) in \(text)") }
            }
            #expect(try await Self.count(client, "profiles") == 0)
            #expect(try await Self.count(client, "span_profiles") == 0)
        }
    }
}

/// A hand-built OTLP profiles request (v1.10+ numbering): one CPU profile of `checkout`, one
/// sample linked to a span.
enum OTLPRequest {
    /// `workName`: the name of the leaf function of the first sample; `service`: the
    /// resource's `service.name`; `resourceAttribute`: one more resource attribute;
    /// `spanName`: the value of the sample attribute `span_name`.
    static func bytes(
        workName: String = "main.work", service: String = "checkout",
        resourceAttribute: (key: String, value: String)? = nil, spanName: String = "GET /x"
    ) -> [UInt8] {
        let strings = ["", "cpu", "nanoseconds", "main.main", "main.go", workName, "span_name", spanName]
        var writer = TestProtobufWriter()
        writer.message(1) { resourceProfiles in
            resourceProfiles.message(1) { resource in
                resource.message(1) { keyValue in
                    keyValue.string(1, "service.name")
                    keyValue.message(2) { $0.string(1, service) }
                }
                if let resourceAttribute {
                    resource.message(1) { keyValue in
                        keyValue.string(1, resourceAttribute.key)
                        keyValue.message(2) { $0.string(1, resourceAttribute.value) }
                    }
                }
            }
            resourceProfiles.message(2) { scope in
                scope.message(2) { profile in
                    profile.message(1) { $0.int(1, 1); $0.int(2, 2) }
                    profile.message(2) { sample in
                        sample.int(1, 1)
                        sample.packed(2, [1])
                        sample.int(3, 1)
                        sample.packed(4, [30])
                    }
                    profile.message(2) { sample in
                        sample.int(1, 2)
                        sample.int(4, 10)
                    }
                    profile.fixed64(3, 1_795_442_820_000_000_000)
                    profile.uint(4, 5_000_000_000)
                    profile.bytes(7, Array(repeating: 0x42, count: 16))
                }
            }
        }
        writer.message(2) { dictionary in
            dictionary.message(1) { _ in }
            dictionary.message(2) { _ in }
            dictionary.message(2) { $0.message(3) { $0.int(1, 2) } }
            dictionary.message(2) { $0.message(3) { $0.int(1, 1) } }
            dictionary.message(3) { _ in }
            dictionary.message(3) { $0.int(1, 3); $0.int(3, 4) }
            dictionary.message(3) { $0.int(1, 5); $0.int(3, 4) }
            dictionary.message(4) { _ in }
            dictionary.message(4) { $0.bytes(1, Array(1...16)); $0.bytes(2, [0xAB, 0xCD, 0, 0, 0, 0, 0, 0x01]) }
            for string in strings { dictionary.string(5, string) }
            dictionary.message(6) { _ in }
            dictionary.message(6) { attribute in
                attribute.int(1, 6)
                attribute.message(2) { $0.string(1, spanName) }
            }
            dictionary.message(7) { _ in }
            dictionary.message(7) { $0.packed(1, [1, 2]) }
            dictionary.message(7) { $0.packed(1, [2]) }
        }
        return writer.bytes
    }
}
