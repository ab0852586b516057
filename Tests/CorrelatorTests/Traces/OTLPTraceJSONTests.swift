import Exemplars
import Foundation
import Testing
@testable import Correlator

/// OTLP JSON's departures from proto3 JSON, and JSON bodies that are not OTLP.
@Suite struct OTLPTraceJSONTests {
    let decoder = OTLPTraceDecoder()

    func decode(_ text: String) throws -> DecodedTraceExport {
        try decoder.decode(json: Array(text.utf8))
    }

    static func request(span: String, resource: String = #"{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]}"#) -> String {
        #"{"resourceSpans":[{"resource":\#(resource),"scopeSpans":[{"scope":{"name":"s","unknownField":1},"spans":[\#(span)]}]}],"extra":true}"#
    }

    @Test func acceptsNumbersOrStringsForInt64AndEnumNamesOrNumbers() throws {
        let span = #"""
            {"traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"B7AD6B7169203331","parentSpanId":"",
             "name":"GET /","kind":"SPAN_KIND_SERVER","startTimeUnixNano":1700000000000000001,
             "endTimeUnixNano":"1700000000000000011","status":{"code":"STATUS_CODE_ERROR","message":"boom"},
             "attributes":[{"key":"n","value":{"intValue":-7}},{"key":"s","value":{"intValue":"9007199254740993"}},
                           {"key":"d","value":{"doubleValue":"NaN"}},{"key":"e","value":{"doubleValue":1.5}},
                           {"key":"b","value":{"boolValue":false}},{"key":"x","value":{}},
                           {"key":"pyroscope.profile.id","value":{"bytesValue":"3q2+7w=="}}],
             "droppedAttributesCount":0,"flags":257}
            """#
        let export = try decode(Self.request(span: span))
        #expect(export.rejectedSpans == 0)
        let row = export.spans[0]
        #expect(row.traceID.hexString == "0af7651916cd43dd8448eb211c80319c")
        #expect(row.spanID.hexString == "b7ad6b7169203331")
        #expect(row.parentSpanID == nil)
        #expect(row.service == "api")
        #expect(row.kind == 2)
        #expect(row.startUnixNano == 1_700_000_000_000_000_001)
        #expect(row.durationNanos == 10)
        #expect(row.statusCode == 2 && row.statusMessage == "boom")
        #expect(row.profileID == "deadbeef")
        #expect(
            row.attributesJSON
                == #"{"resource":{"service.name":"api"},"scope":{"otel.scope.name":"s"},"span":{"n":-7,"s":9007199254740993,"d":"NaN","e":1.5,"b":false,"x":null,"pyroscope.profile.id":"3q2+7w=="}}"#
        )
    }

    @Test func base64IdsAreRejectedSpansNotErrors() throws {
        // What plain proto3 JSON (e.g. MessageToJson without OTLP's hex rule) would send.
        let span = #"{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE=","startTimeUnixNano":"1","endTimeUnixNano":"2"}"#
        let export = try decode(Self.request(span: span))
        #expect(export.spans.isEmpty)
        #expect(export.rejectedSpans == 1)
        #expect(export.message == "rejected 1 span: span #0: trace_id is not hex (OTLP JSON ids are hex, not base64)")
    }

    @Test(arguments: [
        ("[1]", "malformed OTLP JSON: expected an object"),
        (#"{"resourceSpans":{}}"#, "malformed OTLP JSON: expected an array at resourceSpans"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","startTimeUnixNano":"1","endTimeUnixNano":"2","name":5}]}]}]}"#,
         "malformed OTLP JSON: expected a string at resourceSpans[0].scopeSpans[0].spans[0].name"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","startTimeUnixNano":"x"}]}]}]}"#,
         "malformed OTLP JSON: expected a decimal uint64 at resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano"),
        (#"{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"boolValue":1}}]}}]}"#,
         "malformed OTLP JSON: expected true or false at resourceSpans[0].resource.attributes[0].value.boolValue"),
    ])
    func malformedBodiesSayWhere(body: String, description: String) {
        #expect {
            try decode(body)
        } throws: { error in
            let error = error as! OTLPTraceDecodingError
            return error.code == .malformedJSON && error.description == description
        }
    }

    @Test func notJSONIsAnError() {
        #expect {
            try decode(#"{"resourceSpans": [}"#)
        } throws: { error in
            let error = error as! OTLPTraceDecodingError
            return error.code == .malformedJSON && error.description.hasPrefix("malformed OTLP JSON: not JSON")
        }
    }
}

@Suite struct OTLPResponseEncodingTests {
    @Test func fullyAcceptedIsEmpty() {
        let response = ExportTraceServiceResponse()
        #expect(response.protobuf() == [])
        #expect(String(decoding: response.json(), as: UTF8.self) == "{}")
    }

    @Test func partialSuccessInBothEncodings() throws {
        let response = ExportTraceServiceResponse(rejectedSpans: 3, errorMessage: "bad \"ids\"")
        // 1: partial_success { 1: 3, 2: "bad \"ids\"" }
        #expect(response.protobuf() == [0x0A, 0x0D, 0x08, 0x03, 0x12, 0x09] + Array(#"bad "ids""#.utf8))
        #expect(
            String(decoding: response.json(), as: UTF8.self)
                == #"{"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad \"ids\""}}"#
        )
        let warning = ExportTraceServiceResponse(rejectedSpans: 0, errorMessage: "w")
        #expect(warning.protobuf() == [0x0A, 0x03, 0x12, 0x01, 0x77])
        #expect(String(decoding: warning.json(), as: UTF8.self) == #"{"partialSuccess":{"errorMessage":"w"}}"#)
    }

    @Test func statusInBothEncodings() throws {
        let error = OTLPTraceDecodingError(code: .malformedProtobuf, reason: "message truncated", offset: 12)
        let status = RPCStatus(error)
        #expect(status.code == .invalidArgument)
        #expect(status.message == "malformed OTLP protobuf: message truncated at byte 12")
        #expect(status.protobuf() == [0x08, 0x03, 0x12, UInt8(status.message.utf8.count)] + Array(status.message.utf8))
        #expect(
            String(decoding: status.json(), as: UTF8.self)
                == #"{"code":3,"message":"malformed OTLP protobuf: message truncated at byte 12"}"#
        )
        #expect(RPCStatus(.tooManySpans(limit: 1)).code == .resourceExhausted)
    }
}

@Suite struct JSONWriterTests {
    func render(_ bytes: [UInt8], limit: Int = .max) -> (String, Bool?) {
        var writer = JSONWriter()
        let result = bytes.withUnsafeBytes { writer.string(utf8: $0, limit: limit) }
        return (String(decoding: writer.bytes, as: UTF8.self), result)
    }

    @Test func escapesWhatJSONRequiresAndReplacesNUL() throws {
        let (text, truncated) = render(Array("a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}\0é🚀".utf8))
        #expect(truncated == false)
        #expect(text == "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7F}\u{FFFD}é🚀\"")
        // And the result parses back.
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) as? String
        #expect(parsed == "a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}\u{FFFD}é🚀")
    }

    @Test(arguments: [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x00, 0x01, 0x0A, 0x1F, 0x7F, UInt8(ascii: "!")])
    func escapesASpecialByteAtEveryPositionOfTheEightByteFastPath(special: UInt8) throws {
        for length in [7, 8, 9, 16, 23] {
            for position in 0..<length {
                var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                bytes[position] = special
                let (text, truncated) = render(bytes)
                #expect(truncated == false)
                let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) as? String
                let original = String(decoding: bytes, as: UTF8.self)
                #expect(parsed == (special == 0 ? original.replacingOccurrences(of: "\0", with: "\u{FFFD}") : original))
            }
        }
        // Non-ASCII never needs escaping, but must still be validated past the fast path.
        #expect(render(Array("xxxxxxxxé".utf8)).1 == false)
        #expect(render(Array("xxxxxxxx".utf8) + [0xC3]).1 == nil)
    }

    @Test(arguments: [
        [0xC3, 0x28], [0xA0], [0xE2, 0x82], [0xED, 0xA0, 0x80] /* surrogate */, [0xC0, 0xAF] /* overlong */,
        [0xF4, 0x90, 0x80, 0x80] /* past U+10FFFF */, [0xFF],
    ] as [[UInt8]])
    func refusesInvalidUTF8(bytes: [UInt8]) {
        let (text, result) = render(bytes)
        #expect(result == nil)
        #expect(text.isEmpty)
    }

    @Test func truncatesAtACharacterBoundary() {
        #expect(render(Array("ab🚀".utf8), limit: 5) == ("\"ab\"", true))
        #expect(render(Array("ab🚀".utf8), limit: 6) == ("\"ab🚀\"", false))
    }

    @Test func numbers() {
        var writer = JSONWriter()
        for value in [Int64.min, -1, 0, 9, 10, Int64.max] {
            writer.int(value)
            writer.byte(UInt8(ascii: " "))
        }
        writer.uint(UInt64.max)
        for value in [0.25, 3.0, -0.5, 1e300, .nan, .infinity, -.infinity] {
            writer.byte(UInt8(ascii: " "))
            writer.double(value)
        }
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == #"-9223372036854775808 -1 0 9 10 9223372036854775807 18446744073709551615 0.25 3.0 -0.5 1e+300 "NaN" "Infinity" "-Infinity""#
        )
    }

    @Test func base64MatchesFoundation() {
        for length in 0..<10 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            var writer = JSONWriter()
            data.withUnsafeBytes { writer.base64String($0) }
            #expect(String(decoding: writer.bytes, as: UTF8.self) == "\"" + Data(data).base64EncodedString() + "\"")
        }
    }
}

@Suite struct SpanIdentityTests {
    @Test func idsRoundTripThroughHexAndBytes() throws {
        let trace = try #require(TraceID(hex: "0AF7651916CD43DD8448EB211C80319C"))
        #expect(trace.hexString == "0af7651916cd43dd8448eb211c80319c")
        #expect(TraceID(bytes: trace.bytes) == trace)
        #expect(TraceID(hex: String(repeating: "0", count: 32)) == nil)
        #expect(TraceID(hex: "0af7651916cd43dd8448eb211c80319") == nil)
        let span = try #require(SpanID(hex: "b7ad6b7169203331"))
        #expect(span.bytes == [0xB7, 0xAD, 0x6B, 0x71, 0x69, 0x20, 0x33, 0x31])
        #expect(SpanID(bytes: [0, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(SpanID(hex: "b7ad6b716920333g") == nil)
    }

    @Test func removeDuplicateSpansKeepsTheFirstOfEachKey() throws {
        var batch = SpanBatch()
        func add(_ trace: UInt64, _ span: UInt64, _ name: String) {
            batch.append(
                traceID: TraceID(high: 0, low: trace), spanID: SpanID(span), parentSpanID: nil, service: "s",
                name: name, kind: 1, startUnixNano: 1, durationNanos: 1, statusCode: 0, statusMessage: "",
                profileID: nil, attributesJSON: #"{"n":"\#(name)"}"#
            )
        }
        add(1, 1, "a")
        add(1, 2, "b")
        add(1, 1, "a-again")
        add(2, 1, "c")
        add(1, 2, "b-again")
        #expect(batch.removeDuplicateSpans() == 2)
        #expect(batch.names == ["a", "b", "c"])
        #expect((0..<3).map(batch.attributesJSON(at:)) == [#"{"n":"a"}"#, #"{"n":"b"}"#, #"{"n":"c"}"#])
    }
}
