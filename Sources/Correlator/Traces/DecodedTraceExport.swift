/// The result of decoding one OTLP trace export request: the accepted spans and what was
/// rejected or altered, which the response reports back to the exporter.
public struct DecodedTraceExport: Sendable {
    /// The spans that passed validation, in request order (duplicates included; see
    /// `SpanBatch.removeDuplicateSpans()`).
    public var spans: SpanBatch
    /// Spans left out because they broke OpenTelemetry's rules (bad ids, bad times).
    public var rejectedSpans: Int
    /// Attribute values cut to `Options.maxAttributeValueBytes`.
    public var truncatedValues: Int
    /// Human-readable account of the rejections (the first few reasons) and truncations, for
    /// `partial_success.error_message`; empty when every span was accepted unaltered.
    public var message: String

    /// The `ExportTraceServiceResponse` to send: partial success when something was rejected,
    /// or a warning message when values were truncated, empty otherwise.
    public var response: ExportTraceServiceResponse {
        ExportTraceServiceResponse(rejectedSpans: Int64(rejectedSpans), errorMessage: message)
    }
}

/// Counts rejected spans and keeps the first few reasons for the partial-success message.
struct SpanRejections {
    let maxReported: Int
    private(set) var count = 0
    private var reasons: [String] = []

    init(maxReported: Int) {
        self.maxReported = maxReported
    }

    /// Records a rejection. `index` is the span's position in the request (0-based, across
    /// resources and scopes); `spanID` is named when it is readable.
    mutating func reject(index: Int, spanID: String?, _ reason: String) {
        count += 1
        guard reasons.count < maxReported else { return }
        if let spanID {
            reasons.append("span #\(index) (\(spanID)): \(reason)")
        } else {
            reasons.append("span #\(index): \(reason)")
        }
    }

    /// The `partial_success.error_message` text.
    func message(truncatedValues: Int, limit: Int) -> String {
        var parts: [String] = []
        if count > 0 {
            var text = "rejected \(count) span\(count == 1 ? "" : "s"): " + reasons.joined(separator: "; ")
            if count > reasons.count { text += "; and \(count - reasons.count) more" }
            parts.append(text)
        }
        if truncatedValues > 0 {
            parts.append(
                "truncated \(truncatedValues) attribute value\(truncatedValues == 1 ? "" : "s") to \(limit) bytes"
            )
        }
        return parts.joined(separator: "; ")
    }
}
