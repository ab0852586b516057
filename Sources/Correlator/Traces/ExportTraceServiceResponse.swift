import ProtobufWire

/// The body of a successful OTLP trace export response (HTTP 200), in either encoding.
///
/// `ExportTraceServiceResponse: 1 partial_success (ExportTracePartialSuccess: 1 rejected_spans
/// int64, 2 error_message string)`. `partial_success` is left out entirely when every span was
/// accepted and there is nothing to say, as the OTLP specification asks; with no rejected
/// spans but a message it carries a warning.
public struct ExportTraceServiceResponse: Sendable, Hashable {
    /// Spans the server did not accept; the exporter must not retry them.
    public var rejectedSpans: Int64
    /// Why spans were rejected, or a warning; empty for none.
    public var errorMessage: String

    /// A response; the defaults mean "everything accepted".
    public init(rejectedSpans: Int64 = 0, errorMessage: String = "") {
        self.rejectedSpans = rejectedSpans
        self.errorMessage = errorMessage
    }

    /// Whether `partial_success` is sent at all.
    public var hasPartialSuccess: Bool { rejectedSpans != 0 || !errorMessage.isEmpty }

    /// The protobuf encoding (`Content-Type: application/x-protobuf`); empty when fully accepted.
    public func protobuf() -> [UInt8] {
        var writer = ProtobufWriter(capacity: 16 + errorMessage.utf8.count)
        if hasPartialSuccess {
            writer.writeMessageField(1) { partial in
                if rejectedSpans != 0 { partial.writeInt64Field(1, rejectedSpans) }
                if !errorMessage.isEmpty { partial.writeStringField(2, errorMessage) }
            }
        }
        return writer.bytes
    }

    /// The OTLP JSON encoding (`Content-Type: application/json`): `{}` when fully accepted,
    /// otherwise `{"partialSuccess":{"rejectedSpans":"3","errorMessage":"…"}}` with the int64
    /// as a decimal string, as proto3 JSON writes 64-bit integers.
    public func json() -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + errorMessage.utf8.count)
        writer.byte(UInt8(ascii: "{"))
        if hasPartialSuccess {
            writer.ascii("\"partialSuccess\":{")
            if rejectedSpans != 0 {
                writer.ascii("\"rejectedSpans\":\"")
                writer.int(rejectedSpans)
                writer.byte(UInt8(ascii: "\""))
            }
            if !errorMessage.isEmpty {
                if rejectedSpans != 0 { writer.byte(UInt8(ascii: ",")) }
                writer.ascii("\"errorMessage\":")
                _ = writer.string(errorMessage)
            }
            writer.byte(UInt8(ascii: "}"))
        }
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }
}
