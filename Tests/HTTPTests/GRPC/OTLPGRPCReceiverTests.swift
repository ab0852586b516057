import Correlator
import Exemplars
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import PostgresNIO
import ProtobufWire
import Testing
import TestSupport

@testable import HTTP

/// The OTLP/gRPC receiver on a real port, called by grpc-swift's own HTTP/2 client (gzip'd, as
/// the SDKs send with `compression=gzip`), storing into a real PostgreSQL: what is stored, what
/// the Export response says, and the status of every refusal.
@Suite("OTLP/gRPC receiver against a real PostgreSQL")
struct OTLPGRPCReceiverTests {
    static let traceExport = OTLPGRPCReceiver.traceExport.descriptor
    static let metricsExport = OTLPGRPCReceiver.metricsExport.descriptor

    /// The receiver as `correlator serve` runs it (transport, gate, shared ingest paths) on a
    /// free port, and a client connected to it.
    static func withReceiver(
        _ configuration: CorrelatorConfiguration = CorrelatorConfiguration(), store: Store, refusals: RefusalLog = RefusalLog(),
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        let gate = IngestGate(limits: configuration.limits, refusals: refusals)
        let receiver = OTLPGRPCReceiver(store: store, configuration: configuration, gate: gate)
        let transport = try OTLPGRPCServer.transport(
            address: ListenAddress(host: "127.0.0.1", port: 0), maxMessageBytes: receiver.maxMessageBytes, limits: configuration.limits
        )
        let server = GRPCServer(transport: transport, services: [receiver])
        try await withThrowingTaskGroup { group in
            group.addTask { try await server.serve() }
            let port = try #require(try await transport.listeningAddress.ipv4?.port)
            let client = GRPCClient(
                transport: try .http2NIOPosix(
                    target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext,
                    config: .defaults { $0.compression = .init(algorithm: .gzip, enabledAlgorithms: .gzip) }
                )
            )
            group.addTask { try await client.runConnections() }
            defer {
                client.beginGracefulShutdown()
                server.beginGracefulShutdown()
            }
            try await body(client)
        }
    }

    /// Calls `method` with `message` as it is on the wire; the response message or the error.
    static func call(
        _ client: GRPCClient<HTTP2ClientTransport.Posix>, _ method: MethodDescriptor, _ message: [UInt8], metadata: Metadata = [:]
    ) async throws -> Result<[UInt8], RPCError> {
        var options = CallOptions.defaults
        options.compression = .gzip
        return try await client.unary(
            request: ClientRequest(message: message, metadata: metadata), descriptor: method,
            serializer: WireBytes(), deserializer: WireBytes(), options: options
        ) { response in
            response.accepted.flatMap(\.message)
        }
    }

    // MARK: Messages, written with ProtobufWire as an SDK would send them

    struct Span {
        var traceID: [UInt8]
        var spanID: [UInt8]
        var name: String
        var start: UInt64 = 1_700_000_000_000_000_000
        var end: UInt64 = 1_700_000_000_000_500_000
    }

    static func keyValue(_ writer: inout ProtobufWriter, field: Int, _ key: String, _ value: String) {
        writer.writeMessageField(field) { pair in
            pair.writeStringField(1, key)
            pair.writeMessageField(2) { $0.writeStringField(1, value) }
        }
    }

    /// An `ExportTraceServiceRequest` of one resource (`service.name`) and scope.
    static func traceRequest(service: String = "grpc-shop", _ spans: [Span]) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.writeMessageField(1) { resourceSpans in
            resourceSpans.writeMessageField(1) { resource in keyValue(&resource, field: 1, "service.name", service) }
            resourceSpans.writeMessageField(2) { scope in
                for span in spans {
                    scope.writeMessageField(2) { message in
                        message.writeBytesField(1, span.traceID)
                        message.writeBytesField(2, span.spanID)
                        message.writeStringField(5, span.name)
                        message.writeVarintField(6, 2)
                        message.writeFixed64Field(7, span.start)
                        message.writeFixed64Field(8, span.end)
                    }
                }
            }
        }
        return writer.bytes
    }

    /// An `ExportMetricsServiceRequest`: one histogram `checkout.request.duration` in `s`,
    /// bounds 0.1 and 1, with one exemplar of `value` naming the trace and span.
    static func metricsRequest(traceID: [UInt8], spanID: [UInt8], value: Double) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.writeMessageField(1) { resourceMetrics in
            resourceMetrics.writeMessageField(1) { resource in keyValue(&resource, field: 1, "service.name", "grpc-shop") }
            resourceMetrics.writeMessageField(2) { scope in
                scope.writeMessageField(2) { metric in
                    metric.writeStringField(1, "checkout.request.duration")
                    metric.writeStringField(3, "s")
                    metric.writeMessageField(9) { histogram in
                        histogram.writeMessageField(1) { point in
                            keyValue(&point, field: 9, "http.route", "/checkout")
                            point.writeBytesField(7, [0.1, 1.0].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
                            point.writeMessageField(8) { exemplar in
                                exemplar.writeFixed64Field(2, UInt64(Date().timeIntervalSince1970) * 1_000_000_000)
                                exemplar.writeFixed64Field(3, value.bitPattern)
                                exemplar.writeBytesField(4, spanID)
                                exemplar.writeBytesField(5, traceID)
                            }
                        }
                    }
                }
            }
        }
        return writer.bytes
    }

    static func count(_ client: PostgresClient, _ sql: PostgresQuery) async throws -> Int {
        var rows = 0
        for try await count in try await client.query(sql).decode(Int.self) { rows = count }
        return rows
    }

    static let trace = Array(1...16).map(UInt8.init)

    // MARK: Tests

    @Test func spansAndExemplarsExportedOverGRPCAreStoredForTheTenantOfTheMetadata() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            try await Self.withReceiver(store: store) { grpc in
                let spans = [
                    Span(traceID: Self.trace, spanID: [1, 1, 1, 1, 1, 1, 1, 1], name: "GET /checkout"),
                    Span(traceID: Self.trace, spanID: [2, 2, 2, 2, 2, 2, 2, 2], name: "SELECT"),
                ]
                let answer = try await Self.call(grpc, Self.traceExport, Self.traceRequest(spans), metadata: ["x-scope-orgid": "team-grpc"])
                #expect(try answer.get() == [], "everything accepted: the empty ExportTraceServiceResponse")
                let stored = try await store.spans(ofTrace: try #require(TraceID(bytes: Self.trace)), tenant: "team-grpc")
                #expect(stored.map(\.name).sorted() == ["GET /checkout", "SELECT"])
                #expect(stored.allSatisfy { $0.service == "grpc-shop" })
                #expect(try await store.spans(ofTrace: try #require(TraceID(bytes: Self.trace)), tenant: "default").isEmpty)

                // A retry of the same export adds no row.
                _ = try await Self.call(grpc, Self.traceExport, Self.traceRequest(spans), metadata: ["x-scope-orgid": "team-grpc"])
                #expect(try await Self.count(client, "SELECT count(*)::int FROM spans") == 2)

                let metrics = try await Self.call(grpc, Self.metricsExport, Self.metricsRequest(traceID: Self.trace, spanID: [1, 1, 1, 1, 1, 1, 1, 1], value: 0.42))
                #expect(try metrics.get() == [])
                let series = try await store.queryExemplars(
                    tenant: "default", selector: try SeriesSelector(parsing: "checkout_request_duration_seconds_bucket"),
                    start: 0, end: 4_000_000_000_000
                )
                let exemplar = try #require(series.first?.exemplars.first)
                #expect(series.first?.series["le"] == "1" && series.first?.series["job"] == "grpc-shop")
                #expect(exemplar.value == 0.42)
                #expect(exemplar.labels["trace_id"] == "0102030405060708090a0b0c0d0e0f10" && exemplar.labels["span_id"] == "0101010101010101")
            }
        }
    }

    @Test func rejectedSpansComeBackAsPartialSuccessAndTheOthersAreStored() async throws {
        let log = CapturedLog()
        try await TestDatabase.withFreshDatabase { client, _ in
            try await Self.withReceiver(store: try TestDatabase.makeStore(client), refusals: RefusalLog(logger: log.logger)) { grpc in
                let request = Self.traceRequest([
                    Span(traceID: Self.trace, spanID: [3, 3, 3, 3, 3, 3, 3, 3], name: "good"),
                    Span(traceID: Array(repeating: 0, count: 16), spanID: [4, 4, 4, 4, 4, 4, 4, 4], name: "zero trace"),
                ])
                let response = try await Self.call(grpc, Self.traceExport, request).get()
                // ExportTraceServiceResponse { partial_success { rejected_spans, error_message } }
                let (rejected, message) = try response.withUnsafeBytes { bytes in
                    var reader = ProtobufReader(bytes)
                    var rejected: UInt64 = 0
                    var message = ""
                    while let field = try reader.nextField() {
                        #expect(field.number == 1)
                        var partial = try reader.readMessage()
                        while let inner = try partial.nextField() {
                            switch inner.number {
                            case 1: rejected = try partial.readVarint()
                            case 2: message = try partial.readString()
                            default: try partial.skip(inner)
                            }
                        }
                    }
                    return (rejected, message)
                }
                #expect(rejected == 1)
                #expect(message.contains("trace_id is all zeros"), "\(message)")
                #expect(try await Self.count(client, "SELECT count(*)::int FROM spans") == 1)
                // The lost span is in the server's log, with what the exporter was told.
                let warning = try #require(log.records.first { $0.message == "refused an ingest request" })
                #expect(warning.metadata["route"] == "/opentelemetry.proto.collector.trace.v1.TraceService/Export")
                #expect(warning.metadata["status"] == "partial_success")
                #expect(warning.metadata["reason"] == message)
            }
        }
    }

    @Test func refusalsCarryTheStatusOTLPExpectsAndSayWhatAndWhere() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.limits.routeMaxBodyBytes["/v1/traces"] = 4096
        let frozen = configuration
        let log = CapturedLog()
        try await TestDatabase.withFreshDatabase { client, _ in
            try await Self.withReceiver(frozen, store: try TestDatabase.makeStore(client), refusals: RefusalLog(logger: log.logger)) { grpc in
                let malformed = try await Self.call(grpc, Self.traceExport, [0x0a, 0x05, 0x61])
                #expect(malformed.failure?.code == .invalidArgument)
                #expect(malformed.failure?.message.contains("byte") == true, "\(String(describing: malformed.failure))")

                let spans = (0..<200).map { Span(traceID: Self.trace, spanID: [9, 9, 9, 9, 9, 9, 9, UInt8($0)], name: "span \($0)") }
                let oversized = try await Self.call(grpc, Self.traceExport, Self.traceRequest(spans))
                #expect(oversized.failure?.code == .resourceExhausted)
                #expect(oversized.failure?.message.contains("max_body_bytes") == true, "\(String(describing: oversized.failure))")

                let badTenant = try await Self.call(grpc, Self.traceExport, Self.traceRequest([]), metadata: ["x-scope-orgid": "a/b"])
                #expect(badTenant.failure?.code == .invalidArgument)

                // A NUL PostgreSQL cannot store in a profile's resource attribute: refused, not a
                // failed write (INTERNAL), and nothing stored.
                let nul = try await Self.call(
                    grpc, OTLPGRPCReceiver.profilesExport.descriptor, OTLPRequest.bytes(resourceAttribute: ("host.name", "a\u{0}b"))
                )
                #expect(nul.failure?.code == .invalidArgument)
                #expect(nul.failure?.message.contains("resource attribute 'host.name'") == true, "\(String(describing: nul.failure))")
                #expect(try await Self.count(client, "SELECT count(*)::int FROM profiles") == 0)

                let unknown = try await Self.call(grpc, MethodDescriptor(fullyQualifiedService: "opentelemetry.proto.collector.logs.v1.LogsService", method: "Export"), [])
                #expect(unknown.failure?.code == .unimplemented)

                // And the receiver still serves.
                let fine = try await Self.call(grpc, Self.traceExport, Self.traceRequest([Span(traceID: Self.trace, spanID: [5, 5, 5, 5, 5, 5, 5, 5], name: "after")]))
                #expect(try fine.get() == [])
                #expect(try await Self.count(client, "SELECT count(*)::int FROM spans") == 1)
            }
        }
        // Each refusal of what the client sent is in the log as a warning with its method,
        // code and message; the bad tenant was refused before it was known, as HTTP's
        // authentication is, and is not an ingest refusal.
        let warnings = log.records.map { [$0.metadata["route"] ?? "", $0.metadata["status"] ?? "", $0.metadata["tenant"] ?? ""] }
        let traces = OTLPGRPCReceiver.traceExport.path
        let profiles = OTLPGRPCReceiver.profilesExport.path
        #expect(warnings == [
            [traces, "\(RPCError.Code.invalidArgument)", "default"], [traces, "\(RPCError.Code.resourceExhausted)", "default"],
            [profiles, "\(RPCError.Code.invalidArgument)", "default"],
        ])
        #expect(log.records.last?.metadata["reason"]?.contains("resource attribute 'host.name'") == true)
    }

    @Test func withTokensTheAuthorizationMetadataPicksTheTenantAndItsScope() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.auth = AuthConfiguration(tokens: [
            .init(secret: "ingest-token-0123456789", tenant: "team-a", scopes: [.ingest]),
            .init(secret: "reader-token-0123456789", tenant: "team-a", scopes: [.read]),
        ])
        let frozen = configuration
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try TestDatabase.makeStore(client)
            try await Self.withReceiver(frozen, store: store) { grpc in
                let request = Self.traceRequest([Span(traceID: Self.trace, spanID: [6, 6, 6, 6, 6, 6, 6, 6], name: "authorised")])
                #expect(try await Self.call(grpc, Self.traceExport, request).failure?.code == .unauthenticated)
                #expect(try await Self.call(grpc, Self.traceExport, request, metadata: ["authorization": "Bearer not-a-token-at-all"]).failure?.code == .unauthenticated)
                let reader = try await Self.call(grpc, Self.traceExport, request, metadata: ["authorization": "Bearer reader-token-0123456789"])
                #expect(reader.failure?.code == .permissionDenied)
                #expect(reader.failure?.message.contains("ingest") == true)
                let otherTenant = try await Self.call(
                    grpc, Self.traceExport, request, metadata: ["authorization": "Bearer ingest-token-0123456789", "x-scope-orgid": "team-b"]
                )
                #expect(otherTenant.failure?.code == .permissionDenied)
                #expect(try await Self.call(grpc, Self.traceExport, request, metadata: ["authorization": "Bearer ingest-token-0123456789"]).get() == [])
                #expect(try await store.spans(ofTrace: try #require(TraceID(bytes: Self.trace)), tenant: "team-a").count == 1)
            }
        }
    }

    @Test func aDatabaseThatIsAwayIsUnavailableWithTheDelayToRetryAfter() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.limits.writeTimeout = .milliseconds(300)
        let frozen = configuration
        try await TestDatabase.withFreshDatabase { client, postgres in
            // A writers' pool that never runs: every write waits for a connection that never comes.
            let away = PostgresClient(configuration: postgres)
            let store = try TestDatabase.makeStore(client, writer: away)
            try await Self.withReceiver(frozen, store: store) { grpc in
                let request = Self.traceRequest([Span(traceID: Self.trace, spanID: [7, 7, 7, 7, 7, 7, 7, 7], name: "lost")])
                let answer = try await Self.call(grpc, Self.traceExport, request)
                let error = try #require(answer.failure)
                #expect(error.code == .unavailable, "\(error)")
                #expect(error.message.contains("write_timeout"), "\(error.message)")
                let details = try #require(error.metadata[binaryValues: "grpc-status-details-bin"].first { _ in true })
                #expect(details.contains(Array("type.googleapis.com/google.rpc.RetryInfo".utf8)), "RetryInfo in \(details)")
            }
            #expect(try await Self.count(client, "SELECT count(*)::int FROM spans") == 0)
        }
    }
}

/// Message bytes as they are on the wire, for calling the receiver with what an SDK sends.
struct WireBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(_ other: [UInt8]) -> Bool {
        guard other.count <= count else { return false }
        return (0...(count - other.count)).contains { Array(self[$0..<$0 + other.count]) == other }
    }
}
