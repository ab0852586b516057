import Exemplars
import Foundation
import Testing
@testable import Correlator

/// Requests encoded by the real OpenTelemetry Python SDK (`make_fixtures.py`), decoded and
/// compared with what the SDK reported for each span.
@Suite struct OTLPTraceDecoderFixtureTests {
    let decoder = OTLPTraceDecoder()

    static let encodings = ["protobuf", "json"]

    func decode(_ encoding: String) throws -> DecodedTraceExport {
        encoding == "protobuf"
            ? try decoder.decode(protobuf: OTLPFixtures.data("spans.pb"))
            : try decoder.decode(json: OTLPFixtures.data("spans.json"))
    }

    @Test(arguments: encodings)
    func decodesEverySpanAsTheSDKReportedIt(encoding: String) throws {
        let expected = try OTLPFixtures.expected().spans
        let export = try decode(encoding)
        #expect(export.rejectedSpans == 0)
        #expect(export.message.isEmpty)
        #expect(export.response == ExportTraceServiceResponse())
        let batch = export.spans
        try #require(batch.count == expected.count)
        for (index, span) in expected.enumerated() {
            let row = batch[index]
            #expect(row.traceID.hexString == span.trace_id, "span \(span.name)")
            #expect(row.spanID.hexString == span.span_id, "span \(span.name)")
            #expect(row.parentSpanID?.hexString == span.parent_span_id, "span \(span.name)")
            #expect(row.service == span.service)
            #expect(row.name == span.name)
            #expect(row.kind == span.kind, "span \(span.name)")
            #expect(row.startUnixNano == span.start_unix_nano, "span \(span.name)")
            #expect(row.durationNanos == span.duration_nanos, "span \(span.name)")
            #expect(row.statusCode == span.status_code, "span \(span.name)")
            #expect(row.statusMessage == span.status_message, "span \(span.name)")
            #expect(row.profileID == span.profile_id, "span \(span.name)")
        }
    }

    @Test(arguments: encodings)
    func attributesJSONHoldsResourceScopeSpanEventsAndLinks(encoding: String) throws {
        let expected = try OTLPFixtures.expectedAttributes()
        let batch = try decode(encoding).spans
        try #require(batch.count == expected.count)
        for index in 0..<batch.count {
            let text = batch.attributesJSON(at: index)
            let decoded = try OTLPFixtures.canonical(json: text)
            let reported = try OTLPFixtures.canonical(expected[index])
            #expect(decoded == reported, "span \(batch.names[index])")
            // The members come in the documented order: resource first, span after the scope.
            #expect(text.hasPrefix("{\"resource\":{"))
        }
    }

    @Test func protobufAndJSONDecodeIdentically() throws {
        let fromProtobuf = try decode("protobuf").spans
        let fromJSON = try decode("json").spans
        #expect(fromProtobuf.count == fromJSON.count)
        for index in 0..<min(fromProtobuf.count, fromJSON.count) {
            #expect(fromProtobuf[index] == fromJSON[index])
        }
        #expect(fromProtobuf.attributesUTF8 == fromJSON.attributesUTF8)
    }

    @Test func theFixtureCoversWhatItClaims() throws {
        let batch = try decode("protobuf").spans
        #expect(Set(batch.kinds) == [1, 2, 3, 4, 5])
        #expect(Set(batch.statusCodes) == [0, 1, 2])
        #expect(batch.services.contains("unknown_service"))
        #expect(batch.parentSpanIDs.contains(nil))
        #expect(batch.profileIDs.compactMap { $0 }.count == 3)
        let root = try #require(batch.names.firstIndex(of: "GET /checkout"))
        // Pyroscope's convention: the profile id is the span's own id.
        #expect(batch.profileIDs[root] == batch.spanIDs[root].hexString)
        let text = batch.attributesJSON(at: root)
        #expect(text.contains(#""text.escapes":"quote \" backslash \\ newline \n tab \t ctrl \u0001 é 漢 🚀 </script>""#))
        #expect(text.contains(#""infinite":"Infinity""#))
        #expect(text.contains(#""big.int":4611686018427387911"#))
        #expect(text.contains(#""nothing":null"#))
    }

    @Test func truncatedProtobufIsAnErrorWithTheOffset() throws {
        let body = try [UInt8](OTLPFixtures.data("spans.pb"))
        for cut in [1, 7, body.count / 2, body.count - 1] {
            #expect {
                try decoder.decode(protobuf: Array(body[0..<cut]))
            } throws: { error in
                guard let error = error as? OTLPTraceDecodingError else { return false }
                return error.code == .malformedProtobuf && error.offset != nil && error.offset! <= cut
                    && error.description.contains("at byte \(error.offset!)")
            }
        }
    }

    @Test func duplicatesFromARetriedRequestAreDetectable() throws {
        var body = try [UInt8](OTLPFixtures.data("spans.pb"))
        body += body  // two copies of resource_spans: the same spans twice
        var batch = try decoder.decode(protobuf: body).spans
        let single = try decode("protobuf").spans
        #expect(batch.count == 2 * single.count)
        #expect(batch.removeDuplicateSpans() == single.count)
        #expect(batch.count == single.count)
        for index in 0..<single.count { #expect(batch[index] == single[index]) }
        #expect(batch.attributesUTF8 == single.attributesUTF8)
        #expect(batch.removeDuplicateSpans() == 0)
    }
}
