import Exemplars

/// Decoded spans in columns, one array per column of the `spans` table, ready for a COPY.
///
/// A batch is what `OTLPTraceDecoder` produces from one export request and what the store
/// writes. Columns keep per-span allocations down: ids are fixed-size values, and every span's
/// attributes JSON lives in one shared byte buffer (`attributesUTF8`) cut by `attributesEnds`.
///
/// The attributes JSON of a span is an object with these members, in this order:
///
/// ```json
/// {"resource": {"service.name": "checkout", ...},
///  "scope":    {"otel.scope.name": "io.opentelemetry.http", "otel.scope.version": "1.0", ...},
///  "span":     {"http.request.method": "GET", ...},
///  "events":   [{"name": "exception", "time_unix_nano": 1700000000003000000, "attributes": {...}}],
///  "links":    [{"trace_id": "…32 hex…", "span_id": "…16 hex…", "attributes": {...}}]}
/// ```
///
/// `resource` and `span` are always present; `scope` only when the instrumentation scope has a
/// name, version or attributes (its name and version use the OpenTelemetry non-OTLP names
/// `otel.scope.name`, `otel.scope.version`); `events` and `links` only when the span has any.
/// Values map from OTLP `AnyValue`: string → string, bool → bool, int → number (exact, 64-bit),
/// double → number (NaN and ±infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`),
/// bytes → base64 string, array → array, key-value list → object, empty → `null`. Keys keep the
/// order they arrived in; a key repeated by the producer is repeated in the text (PostgreSQL
/// `jsonb` keeps the last). String and bytes values longer than
/// `OTLPTraceDecoder.Options.maxAttributeValueBytes` are truncated. U+0000 becomes U+FFFD
/// everywhere (PostgreSQL text and `jsonb` cannot hold it).
public struct SpanBatch: Sendable {
    /// Trace ids (valid: never all zero).
    public internal(set) var traceIDs: [TraceID] = []
    /// Span ids (valid: never all zero).
    public internal(set) var spanIDs: [SpanID] = []
    /// Parent span ids; `nil` for a root span (OTLP sends an empty or an all-zero parent).
    public internal(set) var parentSpanIDs: [SpanID?] = []
    /// The resource's `service.name`, or `"unknown_service"` when it has none (the
    /// OpenTelemetry SDKs' default).
    public internal(set) var services: [String] = []
    /// Span names.
    public internal(set) var names: [String] = []
    /// OTLP `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    public internal(set) var kinds: [Int16] = []
    /// Start time, nanoseconds since the Unix epoch.
    public internal(set) var startUnixNanos: [Int64] = []
    /// End minus start, in nanoseconds (never negative).
    public internal(set) var durationNanos: [Int64] = []
    /// OTLP `Status.code`: 0 unset, 1 ok, 2 error.
    public internal(set) var statusCodes: [Int16] = []
    /// OTLP `Status.message` (empty when none).
    public internal(set) var statusMessages: [String] = []
    /// The profile id named by a span attribute (`pyroscope.profile.id`, `profile.id`,
    /// `profile_id`, configurable), or nil.
    public internal(set) var profileIDs: [String?] = []
    /// Every span's attributes JSON, back to back (UTF-8). Span `i` occupies
    /// `attributesStart(i)..<attributesEnds[i]`.
    public internal(set) var attributesUTF8: [UInt8] = []
    /// End offset in `attributesUTF8` of each span's attributes JSON.
    public internal(set) var attributesEnds: [Int] = []

    /// An empty batch.
    public init() {}

    /// An empty batch with room for `spans` spans and `attributeBytes` bytes of attributes JSON.
    public init(reservingCapacity spans: Int, attributeBytes: Int = 0) {
        reserveCapacity(spans, attributeBytes: attributeBytes)
    }

    /// The number of spans.
    public var count: Int { traceIDs.count }

    /// Whether the batch has no spans.
    public var isEmpty: Bool { traceIDs.isEmpty }

    /// Reserves room in every column.
    public mutating func reserveCapacity(_ spans: Int, attributeBytes: Int = 0) {
        traceIDs.reserveCapacity(spans)
        spanIDs.reserveCapacity(spans)
        parentSpanIDs.reserveCapacity(spans)
        services.reserveCapacity(spans)
        names.reserveCapacity(spans)
        kinds.reserveCapacity(spans)
        startUnixNanos.reserveCapacity(spans)
        durationNanos.reserveCapacity(spans)
        statusCodes.reserveCapacity(spans)
        statusMessages.reserveCapacity(spans)
        profileIDs.reserveCapacity(spans)
        attributesEnds.reserveCapacity(spans)
        if attributeBytes > 0 { attributesUTF8.reserveCapacity(attributeBytes) }
    }

    /// Where span `index`'s attributes JSON starts in `attributesUTF8`.
    @inlinable
    public func attributesStart(_ index: Int) -> Int {
        index == 0 ? 0 : attributesEnds[index - 1]
    }

    /// Span `index`'s attributes JSON as UTF-8 bytes (a view, no copy).
    public func attributesJSONBytes(at index: Int) -> ArraySlice<UInt8> {
        attributesUTF8[attributesStart(index)..<attributesEnds[index]]
    }

    /// Span `index`'s attributes JSON as text.
    public func attributesJSON(at index: Int) -> String {
        String(decoding: attributesJSONBytes(at: index), as: UTF8.self)
    }

    /// Appends one span. The caller vouches for the values (the decoder validates them; tests
    /// and the store may build batches by hand). `attributesJSON` must be a JSON object.
    public mutating func append(
        traceID: TraceID,
        spanID: SpanID,
        parentSpanID: SpanID?,
        service: String,
        name: String,
        kind: Int16,
        startUnixNano: Int64,
        durationNanos: Int64,
        statusCode: Int16,
        statusMessage: String,
        profileID: String?,
        attributesJSON: String
    ) {
        attributesUTF8.append(contentsOf: attributesJSON.utf8)
        appendColumns(
            attributesEnd: attributesUTF8.count,
            traceID: traceID, spanID: spanID, parentSpanID: parentSpanID, service: service, name: name,
            kind: kind, startUnixNano: startUnixNano, durationNanos: durationNanos, statusCode: statusCode,
            statusMessage: statusMessage, profileID: profileID
        )
    }

    /// Appends every column but the attributes, whose JSON the caller has already written to
    /// `attributesUTF8` (or to a buffer that becomes it) up to `attributesEnd`.
    @inline(__always)
    mutating func appendColumns(
        attributesEnd: Int,
        traceID: TraceID,
        spanID: SpanID,
        parentSpanID: SpanID?,
        service: String,
        name: String,
        kind: Int16,
        startUnixNano: Int64,
        durationNanos: Int64,
        statusCode: Int16,
        statusMessage: String,
        profileID: String?
    ) {
        traceIDs.append(traceID)
        spanIDs.append(spanID)
        parentSpanIDs.append(parentSpanID)
        services.append(service)
        names.append(name)
        kinds.append(kind)
        startUnixNanos.append(startUnixNano)
        self.durationNanos.append(durationNanos)
        statusCodes.append(statusCode)
        statusMessages.append(statusMessage)
        profileIDs.append(profileID)
        attributesEnds.append(attributesEnd)
    }
}
