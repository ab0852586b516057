import Exemplars
import Foundation
import ProtobufWire

/// Decodes an OTLP `ExportTraceServiceRequest` (the body of `POST /v1/traces`) from protobuf or
/// OTLP JSON into a columnar `SpanBatch`.
///
/// Spans that break OpenTelemetry's rules (an all-zero or wrong-length trace or span id, a
/// wrong-length parent id, a missing start time, an end before the start) are *rejected*: left
/// out of the batch and counted, with the first few reasons, in `DecodedTraceExport`; the export
/// as a whole still succeeds (OTLP partial success). A body that cannot be decoded, or that is
/// over a limit of `Options`, throws `OTLPTraceDecodingError`.
///
/// Compressed bodies must be inflated by the caller (the HTTP layer handles `Content-Encoding`).
///
/// ```swift
/// let decoder = OTLPTraceDecoder()
/// let export = try decoder.decode(protobuf: body)        // or decode(json: body)
/// try await store.write(export.spans)
/// return export.response.protobuf()                      // or .json()
/// ```
public struct OTLPTraceDecoder: Sendable {
    /// Limits and conventions of the decoder.
    public struct Options: Sendable {
        /// Spans one request may carry; more throws `.tooManySpans` before any span is decoded.
        public var maxSpansPerRequest: Int = 100_000
        /// The longest string or bytes attribute value kept, in bytes; longer values are
        /// truncated (strings at a character boundary), as the OpenTelemetry SDKs' attribute
        /// length limit does, and counted in `DecodedTraceExport.truncatedValues`. The
        /// profile id is read before truncation.
        public var maxAttributeValueBytes: Int = 32 * 1024
        /// Span attribute keys that carry a profile id, most preferred first: the most preferred
        /// key a span has with a non-empty value wins, wherever it sits among the attributes. A
        /// string value is taken as-is, a bytes value as lowercase hex, an integer in decimal;
        /// other kinds are ignored. Resource attributes are not consulted.
        public var profileIDAttributeKeys: [String] = ["pyroscope.profile.id", "profile.id", "profile_id"]
        /// The service of spans whose resource has no string `service.name`.
        public var defaultServiceName: String = "unknown_service"
        /// How many rejection reasons the partial-success message spells out.
        public var maxReportedRejections: Int = 5
        /// The most attributes JSON one request may produce, in bytes, summed over its spans;
        /// more throws `.attributesTooLarge`. Resource attributes are repeated on every span, so
        /// a small body with a large resource and many spans could otherwise take gigabytes.
        public var maxAttributesJSONBytes: Int = 128 * 1024 * 1024
        /// How deep array and key-value list attribute values may nest; deeper is malformed.
        public var maxAttributeNesting: Int = 32

        public init() {}
    }

    /// The decoder's options.
    public let options: Options
    /// `options.profileIDAttributeKeys` as UTF-8, compared against raw protobuf keys.
    let profileKeysUTF8: [[UInt8]]

    /// A decoder with the given options.
    public init(options: Options = Options()) {
        self.options = options
        self.profileKeysUTF8 = options.profileIDAttributeKeys.map { Array($0.utf8) }
    }

    /// Decodes a protobuf body held in any contiguous byte container (`[UInt8]`, `Data`, …).
    public func decode(protobuf body: some ContiguousBytes) throws(OTLPTraceDecodingError) -> DecodedTraceExport {
        var result: Result<DecodedTraceExport, OTLPTraceDecodingError>?
        body.withUnsafeBytes { raw in
            result = Result { () throws(OTLPTraceDecodingError) in try decode(protobuf: raw) }
        }
        return try result!.get()
    }

    /// Decodes an OTLP JSON body held in any contiguous byte container.
    public func decode(json body: some ContiguousBytes) throws(OTLPTraceDecodingError) -> DecodedTraceExport {
        var result: Result<DecodedTraceExport, OTLPTraceDecodingError>?
        body.withUnsafeBytes { raw in
            result = Result { () throws(OTLPTraceDecodingError) in try decode(json: raw) }
        }
        return try result!.get()
    }
}

/// The checks every span must pass, shared by the protobuf and JSON paths so both reject alike.
enum SpanValidation {
    /// The ids of a span, or why they are unacceptable. A parent of 8 zero bytes is read as
    /// "no parent" (some exporters send that for roots).
    static func ids(
        trace: UnsafeRawBufferPointer, span: UnsafeRawBufferPointer, parent: UnsafeRawBufferPointer
    ) -> SpanIDs {
        guard trace.count == 16 else { return .rejected("trace_id has \(trace.count) bytes, want 16") }
        guard let traceID = TraceID(bytes: trace) else { return .rejected("trace_id is all zeros") }
        guard span.count == 8 else { return .rejected("span_id has \(span.count) bytes, want 8") }
        guard let spanID = SpanID(bytes: span) else { return .rejected("span_id is all zeros") }
        guard !parent.isEmpty else { return .valid(traceID, spanID, parent: nil) }
        guard parent.count == 8 else {
            return .rejected("parent_span_id has \(parent.count) bytes, want 8 or none")
        }
        return .valid(traceID, spanID, parent: SpanID(bytes: parent))  // all zeros: no parent
    }

    enum SpanIDs {
        case valid(TraceID, SpanID, parent: SpanID?)
        case rejected(String)
    }

    /// Why a span with these times is rejected, or nil.
    static func timeProblem(start: UInt64, end: UInt64) -> String? {
        if start == 0 { return "start_time_unix_nano is missing" }
        if start > UInt64(Int64.max) || end > UInt64(Int64.max) { return "time is past the year 2262" }
        if end < start { return "end_time_unix_nano is before start_time_unix_nano" }
        return nil
    }

    /// OTLP `SpanKind` as stored: values outside 0...5 become 0 (unspecified).
    static func kind(_ raw: UInt64) -> Int16 { raw <= 5 ? Int16(raw) : 0 }

    /// OTLP `Status.code` as stored: values outside 0...2 become 0 (unset).
    static func statusCode(_ raw: UInt64) -> Int16 { raw <= 2 ? Int16(raw) : 0 }
}
