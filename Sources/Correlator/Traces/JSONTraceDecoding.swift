import Exemplars
import Foundation
import ProfileIndex

/// The state of decoding one OTLP JSON request; mirrors `ProtobufTraceDecoding`.
struct JSONTraceDecoding {
    typealias Object = [String: Any]

    let decoder: OTLPTraceDecoder
    let maxValueBytes: Int
    var batch = SpanBatch()
    var json = JSONWriter()
    var rejections: SpanRejections
    var values: JSONAttributeRenderer
    var spanIndex = 0

    init(decoder: OTLPTraceDecoder) {
        self.decoder = decoder
        self.maxValueBytes = decoder.options.maxAttributeValueBytes
        self.rejections = SpanRejections(maxReported: decoder.options.maxReportedRejections)
        self.values = .init(options: decoder.options)
    }

    mutating func finish() -> DecodedTraceExport {
        batch.attributesUTF8 = json.bytes
        return DecodedTraceExport(
            spans: batch,
            rejectedSpans: rejections.count,
            truncatedValues: values.truncatedValues,
            message: rejections.message(truncatedValues: values.truncatedValues, limit: maxValueBytes)
        )
    }

    mutating func decodeRequest(_ request: Object) throws(OTLPTraceDecodingError) {
        let resourceSpans = try Self.array(request["resourceSpans"], at: "resourceSpans")

        // Count first: enforce the limit before any work and reserve the columns once.
        var total = 0
        for (r, item) in resourceSpans.enumerated() {
            let path = "resourceSpans[\(r)]"
            let scopes = try Self.array(try Self.object(item, at: path)?["scopeSpans"], at: path + ".scopeSpans")
            for (s, scope) in scopes.enumerated() {
                let scopePath = "\(path).scopeSpans[\(s)]"
                total += try Self.array(try Self.object(scope, at: scopePath)?["spans"], at: scopePath + ".spans").count
            }
        }
        if total > decoder.options.maxSpansPerRequest {
            throw .tooManySpans(limit: decoder.options.maxSpansPerRequest)
        }
        batch.reserveCapacity(total)

        for (r, item) in resourceSpans.enumerated() {
            try decodeResourceSpans(try Self.object(item, at: "resourceSpans[\(r)]") ?? [:], path: "resourceSpans[\(r)]")
        }
    }

    private mutating func decodeResourceSpans(_ resourceSpans: Object, path: String) throws(OTLPTraceDecodingError) {
        var prefix = JSONWriter(capacity: 256)
        prefix.ascii("{\"resource\":{")
        var service = decoder.options.defaultServiceName
        if let resource = try Self.object(resourceSpans["resource"], at: path + ".resource") {
            try values.writeAttributes(resource["attributes"], at: path + ".resource.attributes", into: &prefix) {
                key, value in
                if key == "service.name", let name = (value as? Object)?["stringValue"] as? String, !name.isEmpty {
                    service = name.replacingNUL()
                }
            }
        }
        prefix.byte(UInt8(ascii: "}"))

        let scopes = try Self.array(resourceSpans["scopeSpans"], at: path + ".scopeSpans")
        for (s, item) in scopes.enumerated() {
            let scopePath = "\(path).scopeSpans[\(s)]"
            try decodeScopeSpans(
                try Self.object(item, at: scopePath) ?? [:], path: scopePath, prefix: prefix.bytes, service: service
            )
        }
    }

    private mutating func decodeScopeSpans(
        _ scopeSpans: Object, path: String, prefix resourcePrefix: [UInt8], service: String
    ) throws(OTLPTraceDecodingError) {
        var prefix = JSONWriter(capacity: resourcePrefix.count + 128)
        prefix.bytes.append(contentsOf: resourcePrefix)
        if let scope = try Self.object(scopeSpans["scope"], at: path + ".scope") {
            var members = JSONWriter(capacity: 64)
            if let name = try Self.string(scope["name"], at: path + ".scope.name"), !name.isEmpty {
                members.ascii("\"otel.scope.name\":")
                _ = members.string(name)
            }
            if let version = try Self.string(scope["version"], at: path + ".scope.version"), !version.isEmpty {
                if !members.bytes.isEmpty { members.byte(UInt8(ascii: ",")) }
                members.ascii("\"otel.scope.version\":")
                _ = members.string(version)
            }
            var attributes = JSONWriter(capacity: 64)
            try values.writeAttributes(scope["attributes"], at: path + ".scope.attributes", into: &attributes) { _, _ in }
            if !attributes.bytes.isEmpty {
                if !members.bytes.isEmpty { members.byte(UInt8(ascii: ",")) }
                members.bytes.append(contentsOf: attributes.bytes)
            }
            if !members.bytes.isEmpty {
                prefix.ascii(",\"scope\":{")
                prefix.bytes.append(contentsOf: members.bytes)
                prefix.byte(UInt8(ascii: "}"))
            }
        }
        prefix.ascii(",\"span\":{")

        let spans = try Self.array(scopeSpans["spans"], at: path + ".spans")
        for (index, item) in spans.enumerated() {
            let spanPath = "\(path).spans[\(index)]"
            try decodeSpan(try Self.object(item, at: spanPath) ?? [:], path: spanPath, prefix: prefix.bytes, service: service)
        }
    }

    private mutating func decodeSpan(
        _ span: Object, path: String, prefix: [UInt8], service: String
    ) throws(OTLPTraceDecodingError) {
        let index = spanIndex
        spanIndex += 1

        let traceBytes = try Self.hexBytes(span["traceId"], at: path + ".traceId")
        let spanBytes = try Self.hexBytes(span["spanId"], at: path + ".spanId")
        let parentBytes = try Self.hexBytes(span["parentSpanId"], at: path + ".parentSpanId")
        // Named in rejection messages as the protobuf path names it: any 8 bytes, even zeros.
        let readableSpanID = spanBytes.flatMap { $0.count == 8 ? $0.withUnsafeBytes(HexDigits.string(of:)) : nil }
        for (bytes, field) in [(traceBytes, "trace_id"), (spanBytes, "span_id"), (parentBytes, "parent_span_id")]
        where bytes == nil {
            rejections.reject(index: index, spanID: readableSpanID, "\(field) is not hex (OTLP JSON ids are hex, not base64)")
            return
        }
        let traceID: TraceID
        let spanID: SpanID
        let parentSpanID: SpanID?
        let ids = traceBytes!.withUnsafeBytes { trace in
            spanBytes!.withUnsafeBytes { span in
                parentBytes!.withUnsafeBytes { parent in SpanValidation.ids(trace: trace, span: span, parent: parent) }
            }
        }
        switch ids {
        case .valid(let trace, let span, let parent): (traceID, spanID, parentSpanID) = (trace, span, parent)
        case .rejected(let reason):
            rejections.reject(index: index, spanID: readableSpanID, reason)
            return
        }
        let start = try Self.uint64(span["startTimeUnixNano"], at: path + ".startTimeUnixNano") ?? 0
        let end = try Self.uint64(span["endTimeUnixNano"], at: path + ".endTimeUnixNano") ?? 0
        if let problem = SpanValidation.timeProblem(start: start, end: end) {
            rejections.reject(index: index, spanID: readableSpanID, problem)
            return
        }
        let name = (try Self.string(span["name"], at: path + ".name") ?? "").replacingNUL()
        let kind = try Self.enumValue(span["kind"], at: path + ".kind", names: Self.spanKinds) ?? 0

        var statusCode: UInt64 = 0
        var statusMessage = ""
        if let status = try Self.object(span["status"], at: path + ".status") {
            statusCode = try Self.enumValue(status["code"], at: path + ".status.code", names: Self.statusCodes) ?? 0
            statusMessage = (try Self.string(status["message"], at: path + ".status.message") ?? "").replacingNUL()
        }

        json.bytes.append(contentsOf: prefix)
        var profileID: String?
        var profileRank = Int.max
        let keys = decoder.options.profileIDAttributeKeys
        try values.writeAttributes(span["attributes"], at: path + ".attributes", into: &json) { key, value in
            guard profileRank > 0, let rank = keys.firstIndex(of: key), rank < profileRank else { return }
            if let id = Self.profileID(value) {
                profileID = id
                profileRank = rank
            }
        }
        json.byte(UInt8(ascii: "}"))
        let events = try Self.array(span["events"], at: path + ".events")
        if !events.isEmpty { try writeEvents(events, at: path + ".events") }
        let links = try Self.array(span["links"], at: path + ".links")
        if !links.isEmpty { try writeLinks(links, at: path + ".links") }
        json.byte(UInt8(ascii: "}"))
        if json.bytes.count > decoder.options.maxAttributesJSONBytes {
            throw .attributesTooLarge(limit: decoder.options.maxAttributesJSONBytes)
        }

        batch.appendColumns(
            attributesEnd: json.bytes.count,
            traceID: traceID,
            spanID: spanID,
            parentSpanID: parentSpanID,
            service: service,
            name: name,
            kind: SpanValidation.kind(kind),
            startUnixNano: Int64(start),
            durationNanos: Int64(end - start),
            statusCode: SpanValidation.statusCode(statusCode),
            statusMessage: statusMessage,
            profileID: profileID
        )
    }

    private static let spanKinds: [String: UInt64] = [
        "SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2,
        "SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5,
    ]
    private static let statusCodes: [String: UInt64] = [
        "STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2,
    ]

    /// A profile id from a JSON `AnyValue`: string as-is, bytes (base64) as lowercase hex, int in decimal.
    private static func profileID(_ value: Any) -> String? {
        guard let value = value as? Object else { return nil }
        if let string = value["stringValue"] as? String, !string.isEmpty { return string.replacingNUL() }
        if let base64 = value["bytesValue"] as? String, let data = Data(base64Encoded: base64), !data.isEmpty {
            return data.withUnsafeBytes { HexDigits.string(of: $0) }
        }
        if let int = value["intValue"], let number = try? int64(int, at: "") { return String(number) }
        return nil
    }

    private mutating func writeEvents(_ events: [Any], at path: String) throws(OTLPTraceDecodingError) {
        json.ascii(",\"events\":[")
        for (index, item) in events.enumerated() {
            let eventPath = "\(path)[\(index)]"
            let event = try Self.object(item, at: eventPath) ?? [:]
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            json.ascii("{\"name\":")
            _ = json.string(try Self.string(event["name"], at: eventPath + ".name") ?? "")
            json.ascii(",\"time_unix_nano\":")
            json.uint(try Self.uint64(event["timeUnixNano"], at: eventPath + ".timeUnixNano") ?? 0)
            json.ascii(",\"attributes\":{")
            try values.writeAttributes(event["attributes"], at: eventPath + ".attributes", into: &json) { _, _ in }
            json.ascii("}}")
        }
        json.byte(UInt8(ascii: "]"))
    }

    private mutating func writeLinks(_ links: [Any], at path: String) throws(OTLPTraceDecodingError) {
        json.ascii(",\"links\":[")
        for (index, item) in links.enumerated() {
            let linkPath = "\(path)[\(index)]"
            let link = try Self.object(item, at: linkPath) ?? [:]
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            json.ascii("{\"trace_id\":")
            try writeHexID(link["traceId"], at: linkPath + ".traceId")
            json.ascii(",\"span_id\":")
            try writeHexID(link["spanId"], at: linkPath + ".spanId")
            json.ascii(",\"attributes\":{")
            try values.writeAttributes(link["attributes"], at: linkPath + ".attributes", into: &json) { _, _ in }
            json.ascii("}}")
        }
        json.byte(UInt8(ascii: "]"))
    }

    /// A link's id as lowercase hex (the form the protobuf path renders); kept as sent if not hex.
    private mutating func writeHexID(_ value: Any?, at path: String) throws(OTLPTraceDecodingError) {
        let text = try Self.string(value, at: path) ?? ""
        if let bytes = Self.decodeHex(text) {
            bytes.withUnsafeBytes { json.hexString(bytes: $0) }
        } else {
            _ = json.string(text)
        }
    }
    // MARK: JSON scalars

    // Every helper tries the expected type first and tests for `NSNull` only when that fails:
    // `value is NSNull` on a Swift dictionary or array bridges the whole subtree to Foundation
    // objects, which made decoding 50 times slower.

    /// An object, or nil when absent or `null`.
    static func object(_ value: Any?, at path: String) throws(OTLPTraceDecodingError) -> Object? {
        guard let value else { return nil }
        if let object = value as? Object { return object }
        if value is NSNull { return nil }
        throw .json("expected an object", at: path)
    }

    /// An array, or empty when absent or `null`.
    static func array(_ value: Any?, at path: String) throws(OTLPTraceDecodingError) -> [Any] {
        guard let value else { return [] }
        if let array = value as? [Any] { return array }
        if value is NSNull { return [] }
        throw .json("expected an array", at: path)
    }

    /// A string, or nil when absent or `null`.
    static func string(_ value: Any?, at path: String) throws(OTLPTraceDecodingError) -> String? {
        guard let value else { return nil }
        if let string = value as? String { return string }
        if value is NSNull { return nil }
        throw .json("expected a string", at: path)
    }

    /// Foundation parses `true`/`false` as NSNumbers of type "c" (a CFBoolean on Darwin).
    static func isBool(_ number: NSNumber) -> Bool {
        typeCode(number) == UInt8(ascii: "c")
    }

    /// The first character of the number's Objective-C type encoding ("q" Int64, "Q" UInt64, "d" Double…).
    static func typeCode(_ number: NSNumber) -> UInt8 {
        UInt8(bitPattern: number.objCType.pointee)
    }

    /// Whether Foundation parsed the number as a floating-point value.
    static func isFloatingPoint(_ number: NSNumber) -> Bool {
        let type = typeCode(number)
        return type == UInt8(ascii: "d") || type == UInt8(ascii: "f")
    }

    /// A 64-bit unsigned integer: a decimal string or an integral number. Nil when absent.
    static func uint64(_ value: Any?, at path: String) throws(OTLPTraceDecodingError) -> UInt64? {
        guard let value else { return nil }
        if let string = value as? String {
            guard let number = UInt64(string) else { throw .json("expected a decimal uint64", at: path) }
            return number
        }
        if let number = value as? NSNumber, !isBool(number) {
            if isFloatingPoint(number) {
                if let exact = UInt64(exactly: number.doubleValue) { return exact }
            } else if typeCode(number) == UInt8(ascii: "Q") {
                return number.uint64Value
            } else if number.int64Value >= 0 {
                return UInt64(number.int64Value)
            }
        }
        if value is NSNull { return nil }
        throw .json("expected a decimal uint64 (string or number)", at: path)
    }

    /// A 64-bit signed integer: a decimal string or an integral number.
    static func int64(_ value: Any, at path: String) throws(OTLPTraceDecodingError) -> Int64 {
        if let string = value as? String {
            guard let number = Int64(string) else { throw .json("expected a decimal int64", at: path) }
            return number
        }
        if let number = value as? NSNumber, !isBool(number) {
            if isFloatingPoint(number) {
                if let exact = Int64(exactly: number.doubleValue) { return exact }
            } else if typeCode(number) != UInt8(ascii: "Q") || number.uint64Value <= UInt64(Int64.max) {
                return number.int64Value
            }
        }
        throw .json("expected a decimal int64 (string or number)", at: path)
    }

    /// A double: a number, or a string holding a number, `NaN`, `Infinity` or `-Infinity`.
    static func double(_ value: Any, at path: String) throws(OTLPTraceDecodingError) -> Double {
        if let string = value as? String {
            switch string {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard let number = Double(string) else { throw .json("expected a number", at: path) }
                return number
            }
        }
        if let number = value as? NSNumber, !isBool(number) { return number.doubleValue }
        throw .json("expected a number", at: path)
    }

    /// An enum: an integer (OTLP JSON) or its proto name (proto3 JSON). Nil when absent.
    static func enumValue(_ value: Any?, at path: String, names: [String: UInt64]) throws(OTLPTraceDecodingError) -> UInt64? {
        guard let value else { return nil }
        if let name = value as? String, let number = names[name] { return number }
        if let number = value as? NSNumber, !isBool(number), let exact = Int64(exactly: number.doubleValue) {
            return exact >= 0 ? UInt64(exact) : UInt64.max
        }
        if value is NSNull { return nil }
        throw .json("expected an enum number", at: path)
    }

    /// The bytes of a hex id: empty when absent, nil when not hex (a span rejection, not a
    /// request error: the span is bad, the JSON is fine).
    static func hexBytes(_ value: Any?, at path: String) throws(OTLPTraceDecodingError) -> [UInt8]? {
        guard let text = try string(value, at: path) else { return [] }
        return decodeHex(text)
    }

    static func decodeHex(_ text: String) -> [UInt8]? { HexDigits.decode(text.utf8) }
}
