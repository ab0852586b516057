import Exemplars
import Foundation
import ProtobufWire

/// Locates `Tests/Fixtures/otlp` from this file's path. The path is resolved through symlinks
/// first and then walked up, so it works in the repository and in packages that link the test
/// folder elsewhere.
enum OTLPFixtures {
    static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("Fixtures/otlp")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("spans.pb").path) {
                return candidate
            }
            url.deleteLastPathComponent()
        }
        fatalError("Tests/Fixtures/otlp not found above \(#filePath)")
    }()

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    /// One span as `make_fixtures.py` recorded it from the OpenTelemetry Python SDK.
    struct ExpectedSpan: Decodable {
        var trace_id: String
        var span_id: String
        var parent_span_id: String?
        var service: String
        var name: String
        var kind: Int16
        var start_unix_nano: Int64
        var duration_nanos: Int64
        var status_code: Int16
        var status_message: String
        var profile_id: String?
    }

    struct Expected: Decodable {
        var sdk: String
        var spans: [ExpectedSpan]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: data("expected.json"))
    }

    /// The `attributes` member of each expected span, as raw JSON objects.
    static func expectedAttributes() throws -> [Any] {
        let root = try JSONSerialization.jsonObject(with: data("expected.json")) as! [String: Any]
        return (root["spans"] as! [[String: Any]]).map { $0["attributes"]! }
    }

    /// JSON text with sorted keys, for comparing documents regardless of member order.
    static func canonical(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    static func canonical(json text: String) throws -> String {
        try canonical(JSONSerialization.jsonObject(with: Data(text.utf8)))
    }
}

/// Builds OTLP protobuf requests by hand for the invalid and edge cases the SDK never produces.
struct OTLPRequestBuilder: Sendable {
    /// Writes the content of an `AnyValue`.
    typealias Value = @Sendable (inout ProtobufWriter) -> Void

    struct Span: Sendable {
        var traceID: [UInt8] = Array(repeating: 0xAB, count: 16)
        var spanID: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        var parentSpanID: [UInt8] = []
        var name = "span"
        var kind: UInt64 = 2
        var start: UInt64 = 1_700_000_000_000_000_000
        var end: UInt64 = 1_700_000_000_001_000_000
        var attributes: [(String, Value)] = []
    }

    var serviceName: String? = "svc"
    var spans: [Span] = []

    static func string(_ value: String) -> Value { { $0.writeStringField(1, value) } }
    static func bytes(_ value: [UInt8]) -> Value { { $0.writeBytesField(7, value) } }
    static func int(_ value: Int64) -> Value { { $0.writeInt64Field(3, value) } }

    func protobuf() -> [UInt8] {
        var request = ProtobufWriter()
        request.writeMessageField(1) { resourceSpans in
            if let serviceName {
                resourceSpans.writeMessageField(1) { resource in
                    resource.writeMessageField(1) { keyValue in
                        keyValue.writeStringField(1, "service.name")
                        keyValue.writeMessageField(2) { $0.writeStringField(1, serviceName) }
                    }
                }
            }
            resourceSpans.writeMessageField(2) { scopeSpans in
                for span in spans {
                    scopeSpans.writeMessageField(2) { message in
                        if !span.traceID.isEmpty { message.writeBytesField(1, span.traceID) }
                        if !span.spanID.isEmpty { message.writeBytesField(2, span.spanID) }
                        if !span.parentSpanID.isEmpty { message.writeBytesField(4, span.parentSpanID) }
                        message.writeStringField(5, span.name)
                        message.writeVarintField(6, span.kind)
                        message.writeFixed64Field(7, span.start)
                        message.writeFixed64Field(8, span.end)
                        for (key, value) in span.attributes {
                            message.writeMessageField(9) { keyValue in
                                keyValue.writeStringField(1, key)
                                keyValue.writeMessageField(2, value)
                            }
                        }
                    }
                }
            }
        }
        return request.bytes
    }
}
