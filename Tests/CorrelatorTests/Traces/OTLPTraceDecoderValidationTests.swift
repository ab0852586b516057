import Exemplars
import Foundation
import ProtobufWire
import Testing
@testable import Correlator

/// Hand-made requests with the mistakes real exporters make: bad ids and times are rejected
/// span by span (partial success), broken bodies are errors that say where.
@Suite struct OTLPTraceDecoderValidationTests {
    typealias Span = OTLPRequestBuilder.Span

    static let invalidSpans: [(String, Span)] = [
        ("trace_id is all zeros", Span(traceID: Array(repeating: 0, count: 16))),
        ("trace_id has 15 bytes, want 16", Span(traceID: Array(repeating: 1, count: 15))),
        ("trace_id has 0 bytes, want 16", Span(traceID: [])),
        ("span_id is all zeros", Span(spanID: Array(repeating: 0, count: 8))),
        ("span_id has 16 bytes, want 8", Span(spanID: Array(repeating: 1, count: 16))),
        ("parent_span_id has 4 bytes, want 8 or none", Span(parentSpanID: [1, 2, 3, 4])),
        ("end_time_unix_nano is before start_time_unix_nano", Span(start: 2_000, end: 1_999)),
        ("start_time_unix_nano is missing", Span(start: 0, end: 10)),
        ("time is past the year 2262", Span(start: 1, end: UInt64.max)),
    ]

    @Test(arguments: invalidSpans)
    func invalidSpanIsRejectedAndTheOthersKept(reason: String, invalid: Span) throws {
        var good = Span()
        good.spanID = [9, 9, 9, 9, 9, 9, 9, 9]
        var other = Span()
        other.spanID = [8, 8, 8, 8, 8, 8, 8, 8]
        var bad = invalid
        bad.name = "bad"
        let request = OTLPRequestBuilder(spans: [good, bad, other])
        let export = try OTLPTraceDecoder().decode(protobuf: request.protobuf())
        #expect(export.spans.count == 2)
        #expect(export.spans.spanIDs.map(\.hexString) == ["0909090909090909", "0808080808080808"])
        #expect(export.rejectedSpans == 1)
        #expect(export.message.hasPrefix("rejected 1 span: span #1"))
        #expect(export.message.hasSuffix(reason))
        #expect(export.response == ExportTraceServiceResponse(rejectedSpans: 1, errorMessage: export.message))

        // The same request as OTLP JSON rejects the same span for the same reason.
        let fromJSON = try OTLPTraceDecoder().decode(json: Self.json(request))
        #expect(fromJSON.spans.count == 2)
        #expect(fromJSON.rejectedSpans == 1)
        #expect(fromJSON.message == export.message)
    }

    @Test func allZeroParentMeansRoot() throws {
        let request = OTLPRequestBuilder(spans: [Span(parentSpanID: Array(repeating: 0, count: 8))])
        let export = try OTLPTraceDecoder().decode(protobuf: request.protobuf())
        #expect(export.rejectedSpans == 0)
        #expect(export.spans.parentSpanIDs == [nil])
    }

    @Test func messageNamesTheFirstFewReasonsAndCountsTheRest() throws {
        var spans = (0..<8).map { _ in Span(traceID: Array(repeating: 0, count: 16)) }
        spans.append(Span())
        var options = OTLPTraceDecoder.Options()
        options.maxReportedRejections = 3
        let export = try OTLPTraceDecoder(options: options).decode(protobuf: OTLPRequestBuilder(spans: spans).protobuf())
        #expect(export.spans.count == 1)
        #expect(export.rejectedSpans == 8)
        #expect(
            export.message
                == "rejected 8 spans: span #0 (0102030405060708): trace_id is all zeros; "
                + "span #1 (0102030405060708): trace_id is all zeros; "
                + "span #2 (0102030405060708): trace_id is all zeros; and 5 more"
        )
    }

    @Test func missingServiceNameFallsBackToTheDefault() throws {
        let request = OTLPRequestBuilder(serviceName: nil, spans: [Span()])
        let export = try OTLPTraceDecoder().decode(protobuf: request.protobuf())
        #expect(export.spans.services == ["unknown_service"])
        #expect(export.spans.attributesJSON(at: 0) == #"{"resource":{},"span":{}}"#)
    }

    @Test func spanLimitIsAnErrorInBothEncodings() throws {
        var options = OTLPTraceDecoder.Options()
        options.maxSpansPerRequest = 2
        let decoder = OTLPTraceDecoder(options: options)
        let request = OTLPRequestBuilder(spans: [Span(), Span(), Span()])
        #expect(throws: OTLPTraceDecodingError.tooManySpans(limit: 2)) {
            try decoder.decode(protobuf: request.protobuf())
        }
        #expect(throws: OTLPTraceDecodingError.tooManySpans(limit: 2)) {
            try decoder.decode(json: Self.json(request))
        }
        let two = OTLPRequestBuilder(spans: [Span(), Span()])
        #expect(try decoder.decode(protobuf: two.protobuf()).spans.count == 2)
    }

    @Test func attributesJSONLimitIsAnErrorInBothEncodings() throws {
        var options = OTLPTraceDecoder.Options()
        options.maxAttributesJSONBytes = 100
        let decoder = OTLPTraceDecoder(options: options)
        // Each span renders {"resource":{"service.name":"svc"},"span":{}}: 45 bytes.
        let two = OTLPRequestBuilder(spans: [Span(), Span()])
        #expect(try decoder.decode(protobuf: two.protobuf()).spans.attributesUTF8.count == 90)
        #expect(try decoder.decode(json: Self.json(two)).spans.attributesUTF8.count == 90)
        let three = OTLPRequestBuilder(spans: [Span(), Span(), Span()])
        for decode in [{ try decoder.decode(protobuf: three.protobuf()) }, { try decoder.decode(json: Self.json(three)) }] {
            #expect {
                try decode()
            } throws: { error in
                let error = error as! OTLPTraceDecodingError
                return error.code == .attributesTooLarge && RPCStatus(error).code == .resourceExhausted
            }
        }
    }

    @Test func longValuesAreTruncatedAtACharacterBoundaryAndReported() throws {
        var options = OTLPTraceDecoder.Options()
        options.maxAttributeValueBytes = 8
        // "aaaaaaa" + "é" is 9 bytes: the cut at 8 would split "é", so the value keeps 7.
        let request = OTLPRequestBuilder(spans: [
            Span(attributes: [
                ("long", OTLPRequestBuilder.string("aaaaaaaé")),
                ("short", OTLPRequestBuilder.string("ok")),
                ("blob", OTLPRequestBuilder.bytes(Array(0..<12))),
                ("profile_id", OTLPRequestBuilder.string("0123456789abcdef")),
            ])
        ])
        let export = try OTLPTraceDecoder(options: options).decode(protobuf: request.protobuf())
        #expect(export.rejectedSpans == 0)
        #expect(export.truncatedValues == 3)
        #expect(export.message == "truncated 3 attribute values to 8 bytes")
        #expect(export.response.rejectedSpans == 0 && export.response.hasPartialSuccess)
        #expect(
            export.spans.attributesJSON(at: 0)
                == #"{"resource":{"service.name":"svc"},"span":{"long":"aaaaaaa","short":"ok","blob":"AAECAwQFBgc=","profile_id":"01234567"}}"#
        )
        // The profile id is read before truncation.
        #expect(export.spans.profileIDs == ["0123456789abcdef"])
    }

    @Test func profileIDFollowsTheConfiguredPreference() throws {
        let attributes: [(String, OTLPRequestBuilder.Value)] = [
            ("profile_id", OTLPRequestBuilder.string("from-profile_id")),
            ("profile.id", OTLPRequestBuilder.bytes([0xDE, 0xAD, 0xBE, 0xEF])),
            ("pyroscope.profile.id", OTLPRequestBuilder.string("")),  // empty counts as absent
        ]
        let request = OTLPRequestBuilder(spans: [Span(attributes: attributes)]).protobuf()
        #expect(try OTLPTraceDecoder().decode(protobuf: request).spans.profileIDs == ["deadbeef"])

        var options = OTLPTraceDecoder.Options()
        options.profileIDAttributeKeys = ["profile_id", "profile.id"]
        #expect(try OTLPTraceDecoder(options: options).decode(protobuf: request).spans.profileIDs == ["from-profile_id"])

        options.profileIDAttributeKeys = ["my.profile"]
        #expect(try OTLPTraceDecoder(options: options).decode(protobuf: request).spans.profileIDs == [nil])

        let numeric = OTLPRequestBuilder(spans: [Span(attributes: [("profile_id", OTLPRequestBuilder.int(42))])])
        #expect(try OTLPTraceDecoder().decode(protobuf: numeric.protobuf()).spans.profileIDs == ["42"])
    }

    @Test func invalidUTF8IsAnErrorAtItsOffset() throws {
        let request = OTLPRequestBuilder(spans: [Span(attributes: [("k", OTLPRequestBuilder.string("ok"))])])
        var body = request.protobuf()
        // Replace the value "ok" with an invalid sequence of the same length.
        let at = try #require(body.lastIndex(of: UInt8(ascii: "o")))
        body[at] = 0xC3
        body[at + 1] = 0x28
        #expect {
            try OTLPTraceDecoder().decode(protobuf: body)
        } throws: { error in
            let error = error as! OTLPTraceDecodingError
            return error.code == .malformedProtobuf && error.reason == "attribute value is not valid UTF-8"
                && error.offset == at - 1  // the value's length prefix
        }
    }

    @Test func wrongWireTypeIsAnError() throws {
        // resource_spans (field 1) sent as a varint.
        #expect {
            try OTLPTraceDecoder().decode(protobuf: [0x08, 0x01])
        } throws: { error in
            (error as! OTLPTraceDecodingError).description == "malformed OTLP protobuf: field has the wrong wire type at byte 0"
        }
    }

    @Test func emptyBodyIsAnEmptyExport() throws {
        let export = try OTLPTraceDecoder().decode(protobuf: [UInt8]())
        #expect(export.spans.isEmpty && export.rejectedSpans == 0)
        #expect(try OTLPTraceDecoder().decode(json: Array("{}".utf8)).spans.isEmpty)
    }

    @Test func deeplyNestedValuesAreRefused() throws {
        var options = OTLPTraceDecoder.Options()
        options.maxAttributeNesting = 3
        @Sendable func nested(_ depth: Int) -> OTLPRequestBuilder.Value {
            { writer in
                if depth == 0 {
                    writer.writeStringField(1, "leaf")
                } else {
                    writer.writeMessageField(5) { $0.writeMessageField(1, nested(depth - 1)) }
                }
            }
        }
        let ok = OTLPRequestBuilder(spans: [Span(attributes: [("a", nested(3))])])
        #expect(try OTLPTraceDecoder(options: options).decode(protobuf: ok.protobuf()).spans.attributesJSON(at: 0).contains(#""a":[[["leaf"]]]"#))
        let deep = OTLPRequestBuilder(spans: [Span(attributes: [("a", nested(4))])])
        #expect(throws: OTLPTraceDecodingError.self) {
            try OTLPTraceDecoder(options: options).decode(protobuf: deep.protobuf())
        }
    }

    /// The builder's request in OTLP JSON (hex ids, times as strings).
    static func json(_ request: OTLPRequestBuilder) -> [UInt8] {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        let spans: [[String: Any]] = request.spans.map { span in
            [
                "traceId": hex(span.traceID), "spanId": hex(span.spanID), "parentSpanId": hex(span.parentSpanID),
                "name": span.name, "kind": span.kind,
                "startTimeUnixNano": String(span.start), "endTimeUnixNano": String(span.end),
            ]
        }
        var resourceSpans: [String: Any] = ["scopeSpans": [["spans": spans]]]
        if let service = request.serviceName {
            resourceSpans["resource"] = ["attributes": [["key": "service.name", "value": ["stringValue": service]]]]
        }
        return try! [UInt8](JSONSerialization.data(withJSONObject: ["resourceSpans": [resourceSpans]]))
    }
}

extension OTLPTraceDecodingError {
    /// Matches on the code and reason, for `#expect(throws:)`.
    static func tooManySpans(limit: Int) -> OTLPTraceDecodingError {
        OTLPTraceDecodingError(code: .tooManySpans, reason: "the request has more than \(limit) spans")
    }
}
