import Foundation
import ProtobufWire

/// The exemplars of an OTLP metrics export (`ExportMetricsServiceRequest`), with what
/// Prometheus's OTLP translation needs to name their series. Correlator keeps exemplars, not
/// metric samples, so everything else of the data points is read past.
///
/// Fields (opentelemetry-proto `collector/metrics/v1`, `metrics/v1`, `common/v1`):
/// - `ExportMetricsServiceRequest`: `resource_metrics` 1;
/// - `ResourceMetrics`: `resource` 1 (`Resource.attributes` 1), `scope_metrics` 2;
/// - `ScopeMetrics`: `metrics` 2; `Metric`: `name` 1, `unit` 3, `gauge` 5, `sum` 7,
///   `histogram` 9, `exponential_histogram` 10 (each: `data_points` 1; `Sum.is_monotonic` 3);
/// - `NumberDataPoint`: `attributes` 7, `exemplars` 5;
/// - `HistogramDataPoint`: `attributes` 9, `explicit_bounds` 7 (packed double), `exemplars` 8;
/// - `ExponentialHistogramDataPoint`: `attributes` 1, `exemplars` 11;
/// - `Exemplar`: `filtered_attributes` 7, `time_unix_nano` 2 (fixed64), `as_double` 3,
///   `as_int` 6 (sfixed64), `span_id` 4, `trace_id` 5 (bytes);
/// - `KeyValue`: `key` 1, `value` 2; `AnyValue`: `string_value` 1, `bool_value` 2,
///   `int_value` 3, `double_value` 4, `array_value` 5, `kvlist_value` 6, `bytes_value` 7.
///
/// JSON is OTLP's JSON mapping: lowerCamelCase keys, ids as hex, 64-bit integers as strings.
public struct OTLPMetricExemplar: Sendable {
    public enum Kind: Sendable, Equatable {
        case gauge
        case sum(monotonic: Bool)
        case histogram(bounds: [Double])
        case exponentialHistogram
    }

    public var resource: [String: String]
    public var metricName: String
    public var unit: String
    public var kind: Kind
    public var attributes: [(String, String)]
    public var traceID: [UInt8]
    public var spanID: [UInt8]
    public var value: Double
    public var timeNanos: UInt64
    public var filteredAttributes: [(String, String)]

    public init(
        resource: [String: String], metricName: String, unit: String, kind: Kind, attributes: [(String, String)],
        traceID: [UInt8], spanID: [UInt8], value: Double, timeNanos: UInt64, filteredAttributes: [(String, String)]
    ) {
        self.resource = resource
        self.metricName = metricName
        self.unit = unit
        self.kind = kind
        self.attributes = attributes
        self.traceID = traceID
        self.spanID = spanID
        self.value = value
        self.timeNanos = timeNanos
        self.filteredAttributes = filteredAttributes
    }
}

/// An OTLP metrics body that could not be read: what and where (byte offset or JSON path).
public struct OTLPMetricsDecodingError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

public enum OTLPMetricsDecoder {
    // MARK: Protobuf

    public static func exemplars(protobuf bytes: UnsafeRawBufferPointer) throws -> [OTLPMetricExemplar] {
        do {
            var found: [OTLPMetricExemplar] = []
            var request = ProtobufReader(bytes)
            while let key = try request.nextField() {
                guard key.number == 1, key.wireType == .lengthDelimited else { try request.skip(key); continue }
                var resourceMetrics = try request.readMessage()
                var resource: [String: String] = [:]
                var scopes: [ProtobufReader] = []
                while let field = try resourceMetrics.nextField() {
                    switch (field.number, field.wireType) {
                    case (1, .lengthDelimited):
                        var message = try resourceMetrics.readMessage()
                        while let attribute = try message.nextField() {
                            if attribute.number == 1, attribute.wireType == .lengthDelimited {
                                let (name, value) = try keyValue(message.readMessage())
                                resource[name] = value
                            } else {
                                try message.skip(attribute)
                            }
                        }
                    case (2, .lengthDelimited): scopes.append(try resourceMetrics.readMessage())
                    default: try resourceMetrics.skip(field)
                    }
                }
                for var scope in scopes {
                    while let field = try scope.nextField() {
                        guard field.number == 2, field.wireType == .lengthDelimited else { try scope.skip(field); continue }
                        try metric(scope.readMessage(), resource: resource, into: &found)
                    }
                }
            }
            return found
        } catch {
            throw OTLPMetricsDecodingError(description: "ExportMetricsServiceRequest (protobuf): \(error)")
        }
    }

    private static func metric(_ message: ProtobufReader, resource: [String: String], into found: inout [OTLPMetricExemplar]) throws(ProtobufDecodingError) {
        var reader = message
        var name = "", unit = ""
        var body: (kind: Int, reader: ProtobufReader)?
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): name = try reader.readString()
            case (3, .lengthDelimited): unit = try reader.readString()
            case (5, .lengthDelimited), (7, .lengthDelimited), (9, .lengthDelimited), (10, .lengthDelimited):
                body = (field.number, try reader.readMessage())
            default: try reader.skip(field)
            }
        }
        guard let (kindNumber, dataReader) = body else { return }
        var data = dataReader
        var monotonic = false
        var points: [ProtobufReader] = []
        while let field = try data.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): points.append(try data.readMessage())
            case (3, .varint) where kindNumber == 7: monotonic = try data.readBool()
            default: try data.skip(field)
            }
        }
        // Field numbers of the data point's attributes and exemplars, by metric kind.
        let (attributesField, exemplarsField): (Int, Int) = switch kindNumber {
        case 9: (9, 8)
        case 10: (1, 11)
        default: (7, 5)
        }
        for var point in points {
            var attributes: [(String, String)] = []
            var bounds: [Double] = []
            var exemplars: [ProtobufReader] = []
            while let field = try point.nextField() {
                switch field.number {
                case attributesField where field.wireType == .lengthDelimited:
                    attributes.append(try keyValue(point.readMessage()))
                case exemplarsField where field.wireType == .lengthDelimited:
                    exemplars.append(try point.readMessage())
                case 7 where kindNumber == 9:
                    try point.readRepeatedFixed64(field) { bounds.append(Double(bitPattern: $0)) }
                default:
                    try point.skip(field)
                }
            }
            let kind: OTLPMetricExemplar.Kind = switch kindNumber {
            case 5: .gauge
            case 7: .sum(monotonic: monotonic)
            case 9: .histogram(bounds: bounds)
            default: .exponentialHistogram
            }
            for var exemplar in exemplars {
                var item = OTLPMetricExemplar(
                    resource: resource, metricName: name, unit: unit, kind: kind, attributes: attributes,
                    traceID: [], spanID: [], value: 0, timeNanos: 0, filteredAttributes: []
                )
                while let field = try exemplar.nextField() {
                    switch (field.number, field.wireType) {
                    case (7, .lengthDelimited): item.filteredAttributes.append(try keyValue(exemplar.readMessage()))
                    case (2, .fixed64): item.timeNanos = try exemplar.readFixed64()
                    case (3, .fixed64): item.value = Double(bitPattern: try exemplar.readFixed64())
                    case (6, .fixed64): item.value = Double(Int64(bitPattern: try exemplar.readFixed64()))
                    case (4, .lengthDelimited): item.spanID = Array(try exemplar.readBytes())
                    case (5, .lengthDelimited): item.traceID = Array(try exemplar.readBytes())
                    default: try exemplar.skip(field)
                    }
                }
                found.append(item)
            }
        }
    }

    private static func keyValue(_ message: ProtobufReader) throws(ProtobufDecodingError) -> (String, String) {
        var reader = message
        var key = "", value = ""
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): key = try reader.readString()
            case (2, .lengthDelimited): value = try anyValue(reader.readMessage())
            default: try reader.skip(field)
            }
        }
        return (key, value)
    }

    /// An attribute value as Prometheus's translation renders it as a label value.
    private static func anyValue(_ message: ProtobufReader) throws(ProtobufDecodingError) -> String {
        var reader = message
        var value = ""
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): value = try reader.readString()
            case (2, .varint): value = try reader.readBool() ? "true" : "false"
            case (3, .varint): value = String(Int64(bitPattern: try reader.readVarint()))
            case (4, .fixed64): value = formatDouble(Double(bitPattern: try reader.readFixed64()))
            case (7, .lengthDelimited): value = Data(try reader.readBytes()).base64EncodedString()
            default: try reader.skip(field)
            }
        }
        return value
    }

    static func formatDouble(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    // MARK: JSON

    public static func exemplars(json data: Data) throws -> [OTLPMetricExemplar] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw OTLPMetricsDecodingError(description: "ExportMetricsServiceRequest (JSON): not JSON: \(error.localizedDescription)")
        }
        guard let request = root as? [String: Any] else {
            throw OTLPMetricsDecodingError(description: "ExportMetricsServiceRequest (JSON): expected an object")
        }
        var found: [OTLPMetricExemplar] = []
        for (r, resourceMetrics) in (request["resourceMetrics"] as? [[String: Any]] ?? []).enumerated() {
            let resource = Dictionary(try jsonAttributes((resourceMetrics["resource"] as? [String: Any])?["attributes"], path: "resourceMetrics[\(r)].resource.attributes"), uniquingKeysWith: { $1 })
            for (s, scope) in (resourceMetrics["scopeMetrics"] as? [[String: Any]] ?? []).enumerated() {
                for (m, metric) in (scope["metrics"] as? [[String: Any]] ?? []).enumerated() {
                    let path = "resourceMetrics[\(r)].scopeMetrics[\(s)].metrics[\(m)]"
                    let name = metric["name"] as? String ?? ""
                    let unit = metric["unit"] as? String ?? ""
                    for kindName in ["gauge", "sum", "histogram", "exponentialHistogram"] {
                        guard let body = metric[kindName] as? [String: Any] else { continue }
                        for (p, point) in (body["dataPoints"] as? [[String: Any]] ?? []).enumerated() {
                            let pointPath = "\(path).\(kindName).dataPoints[\(p)]"
                            let kind: OTLPMetricExemplar.Kind = switch kindName {
                            case "gauge": .gauge
                            case "sum": .sum(monotonic: body["isMonotonic"] as? Bool ?? false)
                            case "histogram": .histogram(bounds: (point["explicitBounds"] as? [Any] ?? []).compactMap(jsonDouble))
                            default: .exponentialHistogram
                            }
                            let attributes = try jsonAttributes(point["attributes"], path: "\(pointPath).attributes")
                            for (e, exemplar) in (point["exemplars"] as? [[String: Any]] ?? []).enumerated() {
                                let exemplarPath = "\(pointPath).exemplars[\(e)]"
                                guard let traceID = hexBytes(exemplar["traceId"] as? String ?? "", path: "\(exemplarPath).traceId"),
                                      let spanID = hexBytes(exemplar["spanId"] as? String ?? "", path: "\(exemplarPath).spanId")
                                else {
                                    throw OTLPMetricsDecodingError(description: "\(exemplarPath): traceId and spanId must be hex")
                                }
                                let value = jsonDouble(exemplar["asDouble"] ?? exemplar["asInt"] ?? 0) ?? 0
                                let time = UInt64(exemplar["timeUnixNano"] as? String ?? "") ?? (exemplar["timeUnixNano"] as? NSNumber)?.uint64Value ?? 0
                                found.append(OTLPMetricExemplar(
                                    resource: resource, metricName: name, unit: unit, kind: kind, attributes: attributes,
                                    traceID: traceID, spanID: spanID, value: value, timeNanos: time,
                                    filteredAttributes: try jsonAttributes(exemplar["filteredAttributes"], path: "\(exemplarPath).filteredAttributes")
                                ))
                            }
                        }
                    }
                }
            }
        }
        return found
    }

    private static func jsonDouble(_ value: Any) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String { return Double(text) ?? (text == "Infinity" ? .infinity : text == "-Infinity" ? -.infinity : nil) }
        return nil
    }

    private static func hexBytes(_ text: String, path: String) -> [UInt8]? {
        guard text.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = hexValue(high), let l = hexValue(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }

    private static func jsonAttributes(_ value: Any?, path: String) throws -> [(String, String)] {
        guard let list = value else { return [] }
        guard let items = list as? [[String: Any]] else { throw OTLPMetricsDecodingError(description: "\(path): expected an array of {key, value}") }
        return items.map { item in
            let key = item["key"] as? String ?? ""
            let any = item["value"] as? [String: Any] ?? [:]
            let text: String
            if let string = any["stringValue"] as? String { text = string }
            else if let bool = any["boolValue"] as? Bool { text = bool ? "true" : "false" }
            else if let int = any["intValue"] { text = "\(int)" }
            else if let double = any["doubleValue"].flatMap(jsonDouble) { text = formatDouble(double) }
            else { text = "" }
            return (key, text)
        }
    }
}
