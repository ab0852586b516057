/// The label keys that tie samples to spans, and how their values read.
///
/// `span_id` / `trace_id` / `span_name` are what OpenTelemetry-aware Go code sets with
/// `pprof.Do`; `profile_id` is the legacy name of the span id; Datadog's profiler writes
/// `span id` and `local root span id` as decimal uint64s, which are rendered as 16 hex digits so
/// they compare with OpenTelemetry span ids.
enum SpanLabelRole: UInt8 {
    case none
    case spanID
    case legacyProfileID
    case datadogSpanID
    case datadogLocalRootSpanID
    case traceID
    case spanName

    init(key: String) {
        switch key {
        case "span_id": self = .spanID
        case "profile_id": self = .legacyProfileID
        case "span id": self = .datadogSpanID
        case "local root span id": self = .datadogLocalRootSpanID
        case "trace_id": self = .traceID
        case "span_name": self = .spanName
        default: self = .none
        }
    }

    /// Priority among the labels that can name a sample's span; lower wins.
    var spanPriority: Int? {
        switch self {
        case .spanID: 0
        case .legacyProfileID: 1
        case .datadogSpanID: 2
        case .datadogLocalRootSpanID: 3
        default: nil
        }
    }

    /// The value as an id: Datadog decimal ids become 16 hex digits.
    func normalized(_ label: ProfileLabel) -> String {
        switch self {
        case .datadogSpanID, .datadogLocalRootSpanID:
            if let text = label.stringValue, let number = UInt64(text) { return Self.hex16(number) }
            if label.stringValue == nil { return Self.hex16(UInt64(bitPattern: label.numericValue)) }
            return label.stringValue ?? ""
        default:
            return label.stringValue ?? label.displayValue
        }
    }

    static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
