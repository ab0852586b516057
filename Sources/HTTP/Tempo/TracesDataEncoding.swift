import Correlator
import Exemplars
import Foundation
import ProtobufWire

/// Stored spans as OTLP `TracesData` (`opentelemetry.proto.trace.v1`), the body of Tempo's
/// trace-by-id answers: spans grouped by resource (service and resource attributes), one
/// scope each. Fields written:
/// - `TracesData` (and Tempo's `Trace`): `resource_spans` 1;
/// - `ResourceSpans`: `resource` 1 (`Resource.attributes` 1), `scope_spans` 2;
/// - `ScopeSpans`: `scope` 1 (`name` 1), `spans` 2;
/// - `Span`: `trace_id` 1, `span_id` 2, `parent_span_id` 4, `name` 5, `kind` 6,
///   `start_time_unix_nano` 7 and `end_time_unix_nano` 8 (fixed64), `attributes` 9,
///   `status` 15 (`message` 2, `code` 3);
/// - `KeyValue`: `key` 1, `value` 2; `AnyValue`: `string_value` 1, `bool_value` 2,
///   `int_value` 3, `double_value` 4.
///
/// In JSON (OTLP's mapping): lowerCamelCase keys, ids as lowercase hex, times as strings,
/// enums as integers.
struct TracesDataEncoding {
    struct Attribute {
        enum Value {
            case string(String), bool(Bool), int(Int64), double(Double)
        }

        var key: String
        var value: Value
    }

    struct Resource {
        var attributes: [Attribute]
        var spans: [(span: StoredSpan, attributes: [Attribute])]
    }

    let resources: [Resource]

    /// Groups `spans` by resource; `profiled`: the hex ids of spans whose own profile samples
    /// are stored, which get `pyroscope.profile.id` = their span id (Grafana's "Profiles for
    /// this span") unless they carry one already.
    init(spans: [StoredSpan], profiled: Set<String>) {
        var order: [String] = []
        var grouped: [String: Resource] = [:]
        for span in spans {
            let stored = (try? JSONDecoder().decode(StoredAttributes.self, from: Data(span.attributesJSON.utf8))) ?? StoredAttributes()
            var resourceAttributes = stored.resource.keys.sorted().map { Attribute(key: $0, value: stored.resource[$0]!.value) }
            if !resourceAttributes.contains(where: { $0.key == "service.name" }) {
                resourceAttributes.insert(Attribute(key: "service.name", value: .string(span.service)), at: 0)
            }
            var spanAttributes = stored.span.keys.sorted().map { Attribute(key: $0, value: stored.span[$0]!.value) }
            let spanHex = span.spanID.hexString
            if profiled.contains(spanHex), !spanAttributes.contains(where: { $0.key == "pyroscope.profile.id" }) {
                spanAttributes.append(Attribute(key: "pyroscope.profile.id", value: .string(spanHex)))
            }
            let key = resourceAttributes.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}") + "\u{0}" + span.service
            if grouped[key] == nil {
                order.append(key)
                grouped[key] = Resource(attributes: resourceAttributes, spans: [])
            }
            grouped[key]?.spans.append((span, spanAttributes))
        }
        resources = order.compactMap { grouped[$0] }
    }

    /// The stored attributes: `{"span": {key: value}, "resource": {key: value}}`, values as JSON.
    struct StoredAttributes: Decodable {
        var span: [String: StoredValue] = [:]
        var resource: [String: StoredValue] = [:]
    }

    /// A stored attribute value: a JSON scalar as itself, an array or object as its JSON text.
    struct StoredValue: Decodable {
        var value: Attribute.Value

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                value = .bool(flag)
            } else if let number = try? container.decode(Int64.self) {
                value = .int(number)
            } else if let number = try? container.decode(Double.self) {
                value = .double(number)
            } else if let text = try? container.decode(String.self) {
                value = .string(text)
            } else if let list = try? container.decode([StoredValue].self) {
                value = .string("[" + list.map(\.jsonText).joined(separator: ",") + "]")
            } else {
                value = .string("{}")
            }
        }

        var jsonText: String {
            switch value {
            case .string(let text): String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self)
            case .bool(let flag): flag ? "true" : "false"
            case .int(let number): String(number)
            case .double(let number): "\(number)"
            }
        }
    }

    // MARK: Protobuf

    func protobuf() -> [UInt8] {
        var writer = ProtobufWriter(capacity: 1024)
        for resource in resources {
            writer.writeMessageField(1) { resourceSpans in
                resourceSpans.writeMessageField(1) { message in
                    for attribute in resource.attributes { message.writeMessageField(1) { Self.write(attribute, to: &$0) } }
                }
                resourceSpans.writeMessageField(2) { scope in
                    scope.writeMessageField(1) { $0.writeStringField(1, "correlator") }
                    for (span, attributes) in resource.spans {
                        scope.writeMessageField(2) { message in
                            message.writeBytesField(1, span.traceID.bytes)
                            message.writeBytesField(2, span.spanID.bytes)
                            if let parent = span.parentSpanID { message.writeBytesField(4, parent.bytes) }
                            message.writeStringField(5, span.name)
                            if span.kind != 0 { message.writeVarintField(6, UInt64(span.kind)) }
                            message.writeFixed64Field(7, UInt64(bitPattern: span.startUnixNano))
                            message.writeFixed64Field(8, UInt64(bitPattern: span.startUnixNano &+ span.durationNanos))
                            for attribute in attributes { message.writeMessageField(9) { Self.write(attribute, to: &$0) } }
                            if span.statusCode != 0 || !span.statusMessage.isEmpty {
                                message.writeMessageField(15) { status in
                                    if !span.statusMessage.isEmpty { status.writeStringField(2, span.statusMessage) }
                                    if span.statusCode != 0 { status.writeVarintField(3, UInt64(span.statusCode)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return writer.bytes
    }

    private static func write(_ attribute: Attribute, to writer: inout ProtobufWriter) {
        writer.writeStringField(1, attribute.key)
        writer.writeMessageField(2) { value in
            switch attribute.value {
            case .string(let text): value.writeStringField(1, text)
            case .bool(let flag): value.writeBoolField(2, flag)
            case .int(let number): value.writeInt64Field(3, number)
            case .double(let number): value.writeDoubleField(4, number)
            }
        }
    }

    // MARK: JSON

    /// `[{"resource": …, "scopeSpans": […]}, …]`, the array both Tempo's `batches` and OTLP's
    /// `resourceSpans` hold.
    func jsonResourceSpans() -> [[String: Any]] {
        resources.map { resource -> [String: Any] in
            let scope: [String: Any] = ["scope": ["name": "correlator"], "spans": resource.spans.map(Self.json(span:attributes:))]
            let attributes: [[String: Any]] = resource.attributes.map(Self.json)
            return ["resource": ["attributes": attributes], "scopeSpans": [scope]]
        }
    }

    private static func json(span: StoredSpan, attributes: [Attribute]) -> [String: Any] {
        var status: [String: Any] = ["code": Int(span.statusCode)]
        if !span.statusMessage.isEmpty { status["message"] = span.statusMessage }
        var object: [String: Any] = [:]
        object["traceId"] = span.traceID.hexString
        object["spanId"] = span.spanID.hexString
        if let parent = span.parentSpanID { object["parentSpanId"] = parent.hexString }
        object["name"] = span.name
        object["kind"] = Int(span.kind)
        object["startTimeUnixNano"] = String(span.startUnixNano)
        object["endTimeUnixNano"] = String(span.startUnixNano &+ span.durationNanos)
        object["attributes"] = attributes.map(json)
        object["status"] = status
        return object
    }

    private static func json(_ attribute: Attribute) -> [String: Any] {
        let value: [String: Any] = switch attribute.value {
        case .string(let text): ["stringValue": text]
        case .bool(let flag): ["boolValue": flag]
        case .int(let number): ["intValue": String(number)]
        case .double(let number): ["doubleValue": number]
        }
        return ["key": attribute.key, "value": value]
    }
}
