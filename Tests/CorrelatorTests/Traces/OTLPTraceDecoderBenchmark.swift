import Exemplars
import Foundation
import Testing
@testable import Correlator

/// Decoder throughput on requests shaped like the benchmark (512 spans each).
/// Run with `CORRELATOR_BENCH=1 swift test -c release --filter OTLPTraceDecoderBenchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CORRELATOR_BENCH"] != nil))
struct OTLPTraceDecoderBenchmark {
    static func request(spans count: Int) -> [UInt8] {
        var builder = OTLPRequestBuilder()
        builder.serviceName = "checkout"
        builder.spans = (0..<count).map { index in
            var span = OTLPRequestBuilder.Span()
            span.traceID = withUnsafeBytes(of: (UInt64(index / 8 + 1).bigEndian, UInt64(0xABCD).bigEndian)) { Array($0) }
            span.spanID = withUnsafeBytes(of: UInt64(index + 1).bigEndian) { Array($0) }
            span.parentSpanID = index % 8 == 0 ? [] : withUnsafeBytes(of: UInt64(index).bigEndian) { Array($0) }
            span.name = index % 8 == 0 ? "GET /api/v1/orders/{id}" : "SELECT orders"
            span.attributes = [
                ("http.request.method", OTLPRequestBuilder.string("GET")),
                ("http.route", OTLPRequestBuilder.string("/api/v1/orders/{id}")),
                ("http.response.status_code", OTLPRequestBuilder.int(200)),
                ("db.system", OTLPRequestBuilder.string("postgresql")),
                ("db.statement", OTLPRequestBuilder.string("SELECT * FROM orders WHERE id = $1")),
                ("pyroscope.profile.id", OTLPRequestBuilder.string("b7ad6b7169203331")),
            ]
            return span
        }
        return builder.protobuf()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test func protobufThroughput() throws {
        let decoder = OTLPTraceDecoder()
        let body = Self.request(spans: 512)
        let rounds = 400
        var spans = 0
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<rounds { spans += try decoder.decode(protobuf: body).spans.count }
        }
        print("OTLP protobuf: \(body.count) bytes × \(rounds): \(Int(Double(spans) / Self.seconds(elapsed))) spans/s")
        #expect(spans == 512 * rounds)
    }

    @Test func jsonThroughput() throws {
        let decoder = OTLPTraceDecoder()
        let clock = ContinuousClock()

        let json = OTLPTraceDecoderValidationTests.json(OTLPRequestBuilder(spans: (0..<512).map { _ in .init() }))
        var jsonSpans = 0
        let jsonElapsed = try clock.measure {
            for _ in 0..<20 { jsonSpans += try decoder.decode(json: json).spans.count }
        }
        print("OTLP JSON: \(Int(Double(jsonSpans) / Self.seconds(jsonElapsed))) spans/s (without attributes)")
    }
}
