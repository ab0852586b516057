import Exemplars
import ProtobufWire

/// The state of decoding one protobuf request: the batch under construction, the attributes
/// JSON buffer, and the rejection tally.
struct ProtobufTraceDecoding {
    private static let serviceNameKey = Array("service.name".utf8)

    let decoder: OTLPTraceDecoder
    let maxValueBytes: Int
    var batch: SpanBatch
    var json: JSONWriter
    var rejections: SpanRejections
    var values: ProtobufAttributeRenderer
    var spanIndex = 0
    /// Set before throwing when `Options.maxAttributesJSONBytes` is exceeded.
    var attributesTooLarge = false

    init(decoder: OTLPTraceDecoder, spanCount: Int, bodySize: Int) {
        self.decoder = decoder
        self.maxValueBytes = decoder.options.maxAttributeValueBytes
        self.batch = SpanBatch(reservingCapacity: spanCount)
        // Resource attributes repeat on every span, so the JSON usually outgrows the body.
        self.json = JSONWriter(capacity: bodySize * 2)
        self.rejections = SpanRejections(maxReported: decoder.options.maxReportedRejections)
        self.values = .init(options: decoder.options)
    }

    /// Counts the spans of a request without decoding them, so the limit is enforced before
    /// any work and the columns are reserved once.
    static func countSpans(_ request: ProtobufReader) throws(ProtobufDecodingError) -> Int {
        var request = request
        var count = 0
        while let key = try request.nextField() {
            guard key.number == 1 else { try request.skip(key); continue }
            try request.expect(key, .lengthDelimited)
            var resourceSpans = try request.readMessage()
            while let key = try resourceSpans.nextField() {
                guard key.number == 2 else { try resourceSpans.skip(key); continue }
                try resourceSpans.expect(key, .lengthDelimited)
                var scopeSpans = try resourceSpans.readMessage()
                while let key = try scopeSpans.nextField() {
                    if key.number == 2 { count += 1 }
                    try scopeSpans.skip(key)
                }
            }
        }
        return count
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

    // MARK: Request structure

    /// ExportTraceServiceRequest: 1 resource_spans.
    mutating func decodeRequest(_ request: ProtobufReader) throws(ProtobufDecodingError) {
        var request = request
        while let key = try request.nextField() {
            guard key.number == 1 else { try request.skip(key); continue }
            try request.expect(key, .lengthDelimited)
            try decodeResourceSpans(try request.readMessage())
        }
    }

    /// ResourceSpans: 1 resource · 2 scope_spans. The resource is read first wherever it is.
    private mutating func decodeResourceSpans(_ message: ProtobufReader) throws(ProtobufDecodingError) {
        var scan = message
        var resource: ProtobufReader?
        while let key = try scan.nextField() {
            guard key.number == 1 else { try scan.skip(key); continue }
            try scan.expect(key, .lengthDelimited)
            resource = try scan.readMessage()
        }

        // Rendered once, copied in front of each span's attributes.
        var prefix = JSONWriter(capacity: 256)
        prefix.ascii("{\"resource\":{")
        var service = decoder.options.defaultServiceName
        if let resource {
            // Resource: 1 attributes.
            try values.writeAttributes(of: resource, field: 1, into: &prefix) { keyValue in
                if keyValue.keyEquals(Self.serviceNameKey), case .string(let bytes, _) = keyValue.value,
                    !bytes.isEmpty, let name = UTF8Text.string(bytes)
                {
                    service = name
                }
            }
        }
        prefix.byte(UInt8(ascii: "}"))

        scan = message
        while let key = try scan.nextField() {
            guard key.number == 2 else { try scan.skip(key); continue }
            try scan.expect(key, .lengthDelimited)
            try decodeScopeSpans(try scan.readMessage(), prefix: prefix.bytes, service: service)
        }
    }

    /// ScopeSpans: 1 scope · 2 spans. InstrumentationScope: 1 name · 2 version · 3 attributes.
    private mutating func decodeScopeSpans(
        _ message: ProtobufReader, prefix resourcePrefix: [UInt8], service: String
    ) throws(ProtobufDecodingError) {
        var scan = message
        var scope: ProtobufReader?
        while let key = try scan.nextField() {
            guard key.number == 1 else { try scan.skip(key); continue }
            try scan.expect(key, .lengthDelimited)
            scope = try scan.readMessage()
        }

        var prefix = JSONWriter(capacity: resourcePrefix.count + 128)
        prefix.bytes.append(contentsOf: resourcePrefix)
        if let scope {
            var members = JSONWriter(capacity: 64)
            var name: (ProtobufReader.Bytes, Int)?
            var version: (ProtobufReader.Bytes, Int)?
            var fields = scope
            while let key = try fields.nextField() {
                switch key.number {
                case 1:
                    try fields.expect(key, .lengthDelimited)
                    let offset = fields.offset
                    name = (try fields.readBytes(), offset)
                case 2:
                    try fields.expect(key, .lengthDelimited)
                    let offset = fields.offset
                    version = (try fields.readBytes(), offset)
                default:
                    try fields.skip(key)
                }
            }
            if let (bytes, offset) = name, !bytes.isEmpty {
                members.ascii("\"otel.scope.name\":")
                try values.writeString(bytes, offset: offset, into: &members)
            }
            if let (bytes, offset) = version, !bytes.isEmpty {
                if !members.bytes.isEmpty { members.byte(UInt8(ascii: ",")) }
                members.ascii("\"otel.scope.version\":")
                try values.writeString(bytes, offset: offset, into: &members)
            }
            var attributes = JSONWriter(capacity: 64)
            try values.writeAttributes(of: scope, field: 3, into: &attributes) { _ in }
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

        scan = message
        while let key = try scan.nextField() {
            guard key.number == 2 else { try scan.skip(key); continue }
            try scan.expect(key, .lengthDelimited)
            try decodeSpan(try scan.readMessage(), prefix: prefix.bytes, service: service)
        }
    }

    // MARK: Span

    /// Span: 1 trace_id · 2 span_id · 4 parent_span_id · 5 name · 6 kind · 7 start · 8 end ·
    /// 9 attributes · 11 events · 13 links · 15 status. One pass for the scalars, then one pass
    /// per present repeated field so the JSON comes out in a fixed order.
    private mutating func decodeSpan(
        _ message: ProtobufReader, prefix: [UInt8], service: String
    ) throws(ProtobufDecodingError) {
        let index = spanIndex
        spanIndex += 1

        var traceIDBytes = ProtobufReader.Bytes(start: nil, count: 0)
        var spanIDBytes = ProtobufReader.Bytes(start: nil, count: 0)
        var parentBytes = ProtobufReader.Bytes(start: nil, count: 0)
        var nameBytes = ProtobufReader.Bytes(start: nil, count: 0)
        var nameOffset = message.offset
        var kind: UInt64 = 0
        var start: UInt64 = 0
        var end: UInt64 = 0
        var status: ProtobufReader?
        var hasAttributes = false
        var hasEvents = false
        var hasLinks = false

        var fields = message
        while let key = try fields.nextField() {
            switch key.number {
            case 1:
                try fields.expect(key, .lengthDelimited)
                traceIDBytes = try fields.readBytes()
            case 2:
                try fields.expect(key, .lengthDelimited)
                spanIDBytes = try fields.readBytes()
            case 4:
                try fields.expect(key, .lengthDelimited)
                parentBytes = try fields.readBytes()
            case 5:
                try fields.expect(key, .lengthDelimited)
                nameOffset = fields.offset
                nameBytes = try fields.readBytes()
            case 6:
                try fields.expect(key, .varint)
                kind = try fields.readVarint()
            case 7:
                try fields.expect(key, .fixed64)
                start = try fields.readFixed64()
            case 8:
                try fields.expect(key, .fixed64)
                end = try fields.readFixed64()
            case 9:
                hasAttributes = true
                try fields.skip(key)
            case 11:
                hasEvents = true
                try fields.skip(key)
            case 13:
                hasLinks = true
                try fields.skip(key)
            case 15:
                try fields.expect(key, .lengthDelimited)
                status = try fields.readMessage()
            default:
                try fields.skip(key)
            }
        }

        // Validation: reject the span, keep the request.
        let traceID: TraceID
        let spanID: SpanID
        let parentSpanID: SpanID?
        switch SpanValidation.ids(trace: traceIDBytes, span: spanIDBytes, parent: parentBytes) {
        case .valid(let trace, let span, let parent): (traceID, spanID, parentSpanID) = (trace, span, parent)
        case .rejected(let reason):
            reject(index, spanIDBytes, reason)
            return
        }
        if let problem = SpanValidation.timeProblem(start: start, end: end) {
            reject(index, spanIDBytes, problem)
            return
        }
        guard let name = UTF8Text.string(nameBytes) else {
            throw .invalid("span name is not valid UTF-8", at: nameOffset)
        }

        var statusCode: UInt64 = 0
        var statusMessage = ""
        if var status {
            // Status: 2 message · 3 code.
            while let key = try status.nextField() {
                switch key.number {
                case 2:
                    try status.expect(key, .lengthDelimited)
                    let offset = status.offset
                    guard let text = UTF8Text.string(try status.readBytes()) else {
                        throw .invalid("status message is not valid UTF-8", at: offset)
                    }
                    statusMessage = text
                case 3:
                    try status.expect(key, .varint)
                    statusCode = try status.readVarint()
                default:
                    try status.skip(key)
                }
            }
        }

        // Attributes JSON: the resource/scope prefix, then the span's own members.
        json.bytes.append(contentsOf: prefix)
        var profileID: String?
        var profileRank = Int.max
        if hasAttributes {
            let keys = decoder.profileKeysUTF8
            try values.writeAttributes(of: message, field: 9, into: &json) { keyValue in
                guard profileRank > 0 else { return }
                for (rank, key) in keys.enumerated() where rank < profileRank && keyValue.keyEquals(key) {
                    if let value = Self.profileID(keyValue.value) {
                        profileID = value
                        profileRank = rank
                    }
                    break
                }
            }
        }
        json.byte(UInt8(ascii: "}"))
        if hasEvents { try writeEvents(of: message) }
        if hasLinks { try writeLinks(of: message) }
        json.byte(UInt8(ascii: "}"))
        if json.bytes.count > decoder.options.maxAttributesJSONBytes {
            attributesTooLarge = true
            throw .invalid("attributes too large", at: message.offset)
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

    private mutating func reject(_ index: Int, _ spanID: ProtobufReader.Bytes, _ reason: String) {
        let named = spanID.count == 8 ? HexDigits.string(of: spanID) : nil
        rejections.reject(index: index, spanID: named, reason)
    }

    /// A profile id from an attribute value: string as-is, bytes as lowercase hex, int in decimal.
    private static func profileID(_ value: AnyValueReference) -> String? {
        switch value {
        case .string(let bytes, _) where !bytes.isEmpty: UTF8Text.string(bytes)
        case .bytes(let bytes) where !bytes.isEmpty: HexDigits.string(of: bytes)
        case .int(let number): String(number)
        default: nil
        }
    }

    /// Event: 1 time_unix_nano · 2 name · 3 attributes, as
    /// `,"events":[{"name":…,"time_unix_nano":…,"attributes":{…}},…]`.
    private mutating func writeEvents(of span: ProtobufReader) throws(ProtobufDecodingError) {
        json.ascii(",\"events\":[")
        var first = true
        var fields = span
        while let key = try fields.nextField() {
            guard key.number == 11 else { try fields.skip(key); continue }
            try fields.expect(key, .lengthDelimited)
            let event = try fields.readMessage()
            var time: UInt64 = 0
            var name = ProtobufReader.Bytes(start: nil, count: 0)
            var nameOffset = event.offset
            var scan = event
            while let key = try scan.nextField() {
                switch key.number {
                case 1:
                    try scan.expect(key, .fixed64)
                    time = try scan.readFixed64()
                case 2:
                    try scan.expect(key, .lengthDelimited)
                    nameOffset = scan.offset
                    name = try scan.readBytes()
                default:
                    try scan.skip(key)
                }
            }
            if !first { json.byte(UInt8(ascii: ",")) }
            first = false
            json.ascii("{\"name\":")
            try values.writeString(name, offset: nameOffset, into: &json)
            json.ascii(",\"time_unix_nano\":")
            json.uint(time)
            json.ascii(",\"attributes\":{")
            try values.writeAttributes(of: event, field: 3, into: &json) { _ in }
            json.ascii("}}")
        }
        json.byte(UInt8(ascii: "]"))
    }

    /// Link: 1 trace_id · 2 span_id · 4 attributes, as
    /// `,"links":[{"trace_id":"…","span_id":"…","attributes":{…}},…]`.
    private mutating func writeLinks(of span: ProtobufReader) throws(ProtobufDecodingError) {
        json.ascii(",\"links\":[")
        var first = true
        var fields = span
        while let key = try fields.nextField() {
            guard key.number == 13 else { try fields.skip(key); continue }
            try fields.expect(key, .lengthDelimited)
            let link = try fields.readMessage()
            var traceID = ProtobufReader.Bytes(start: nil, count: 0)
            var spanID = ProtobufReader.Bytes(start: nil, count: 0)
            var scan = link
            while let key = try scan.nextField() {
                switch key.number {
                case 1:
                    try scan.expect(key, .lengthDelimited)
                    traceID = try scan.readBytes()
                case 2:
                    try scan.expect(key, .lengthDelimited)
                    spanID = try scan.readBytes()
                default:
                    try scan.skip(key)
                }
            }
            if !first { json.byte(UInt8(ascii: ",")) }
            first = false
            json.ascii("{\"trace_id\":")
            json.hexString(bytes: traceID)
            json.ascii(",\"span_id\":")
            json.hexString(bytes: spanID)
            json.ascii(",\"attributes\":{")
            try values.writeAttributes(of: link, field: 4, into: &json) { _ in }
            json.ascii("}}")
        }
        json.byte(UInt8(ascii: "]"))
    }
}
