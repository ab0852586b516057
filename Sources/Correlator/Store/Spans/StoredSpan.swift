import Exemplars

/// One span as a row of the `spans` table: as read back, or one of a `SpanBatch` as a value.
public struct StoredSpan: Sendable, Hashable {
    public var traceID: TraceID
    public var spanID: SpanID
    /// nil for a root span.
    public var parentSpanID: SpanID?
    public var service: String
    public var name: String
    /// OTLP `SpanKind` (0 unspecified … 5 consumer).
    public var kind: Int16
    /// Start, nanoseconds since the Unix epoch (exact, as received).
    public var startUnixNano: Int64
    public var durationNanos: Int64
    /// OTLP `Status.code` (0 unset, 1 ok, 2 error).
    public var statusCode: Int16
    /// Empty when the span had none.
    public var statusMessage: String
    /// The stored attributes, as JSON text (an object: resource, scope, span, events, links).
    public var attributesJSON: String
    /// The profile id a span attribute named, or nil.
    public var profileID: String?

    public init(
        traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, service: String, name: String, kind: Int16,
        startUnixNano: Int64, durationNanos: Int64, statusCode: Int16, statusMessage: String,
        attributesJSON: String, profileID: String?
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.service = service
        self.name = name
        self.kind = kind
        self.startUnixNano = startUnixNano
        self.durationNanos = durationNanos
        self.statusCode = statusCode
        self.statusMessage = statusMessage
        self.attributesJSON = attributesJSON
        self.profileID = profileID
    }

    /// The start as RFC 3339 in UTC with nanoseconds, e.g. `2023-11-14T22:13:20.001500000Z`.
    public var startRFC3339: String { UTCTime(unixNano: startUnixNano).rfc3339 }
}

extension StoredSpan {
    /// The body of `GET /api/v1/traces/{trace_id}`:
    /// `{"trace_id":"…","spans":[{"trace_id","span_id","parent_span_id","service","name","kind",
    /// "start","start_unix_nano","duration_ns","status_code","status_message","attributes",
    /// "profile_id"}, …]}`, ids in lowercase hex, `parent_span_id` and `profile_id` null when
    /// absent, `attributes` the stored JSON object.
    public static func traceDocument(traceID: TraceID, spans: [StoredSpan]) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + spans.reduce(0) { $0 + 320 + $1.attributesJSON.utf8.count })
        writer.ascii("{\"trace_id\":")
        writer.hexString(traceID)
        writer.ascii(",\"spans\":[")
        for (position, span) in spans.enumerated() {
            if position > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.ascii("{\"trace_id\":")
            writer.hexString(span.traceID)
            writer.ascii(",\"span_id\":")
            writer.hexString(span.spanID)
            writer.ascii(",\"parent_span_id\":")
            if let parent = span.parentSpanID { writer.hexString(parent) } else { writer.null() }
            writer.ascii(",\"service\":")
            _ = writer.string(span.service)
            writer.ascii(",\"name\":")
            _ = writer.string(span.name)
            writer.ascii(",\"kind\":")
            writer.int(Int64(span.kind))
            writer.ascii(",\"start\":")
            _ = writer.string(span.startRFC3339)
            writer.ascii(",\"start_unix_nano\":")
            writer.int(span.startUnixNano)
            writer.ascii(",\"duration_ns\":")
            writer.int(span.durationNanos)
            writer.ascii(",\"status_code\":")
            writer.int(Int64(span.statusCode))
            writer.ascii(",\"status_message\":")
            _ = writer.string(span.statusMessage)
            writer.ascii(",\"attributes\":")
            writer.bytes.append(contentsOf: span.attributesJSON.utf8)
            writer.ascii(",\"profile_id\":")
            if let profileID = span.profileID { _ = writer.string(profileID) } else { writer.null() }
            writer.byte(UInt8(ascii: "}"))
        }
        writer.ascii("]}")
        return writer.bytes
    }
}

// Here, not in Traces/, so that the decoders there build without the store (the fuzz target
// compiles Traces/ on its own).
extension SpanBatch {
    /// One span of the batch as a value (convenient in tests and query code; the columns are
    /// the fast path).
    public subscript(index: Int) -> StoredSpan {
        StoredSpan(
            traceID: traceIDs[index], spanID: spanIDs[index], parentSpanID: parentSpanIDs[index],
            service: services[index], name: names[index], kind: kinds[index],
            startUnixNano: startUnixNanos[index], durationNanos: durationNanos[index],
            statusCode: statusCodes[index], statusMessage: statusMessages[index],
            attributesJSON: attributesJSON(at: index), profileID: profileIDs[index]
        )
    }
}
