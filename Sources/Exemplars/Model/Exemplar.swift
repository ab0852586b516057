/// An exemplar as Correlator stores it: the series it belongs to, its own labels and value, and
/// the trace, span and profile ids extracted from those labels.
///
/// Produced by ``ExpositionParser`` (scrapes and pushed text) and ``RemoteWriteDecoder``.
/// Exemplars without a valid trace id are kept (the ids are nil), and so are label sets longer
/// than OpenMetrics' 128 code points, flagged by ``exceedsLabelLimit``: real clients exceed the
/// limit, and losing the exemplar would lose the link to its trace.
public struct Exemplar: Sendable, Hashable {
    /// The limit OpenMetrics puts on an exemplar's label names and values, in code points.
    public static let labelCodePointLimit = 128

    /// The series' `__name__`, such as `http_server_request_duration_seconds_bucket` (empty if
    /// the series has none).
    public var metricName: String
    /// The series labels, including `__name__` and, for a histogram bucket, `le`.
    public var series: LabelSet
    /// The exemplar's own labels (`trace_id`, `span_id`, …).
    public var labels: LabelSet
    /// The observed value.
    public var value: Double
    /// Milliseconds since the Unix epoch: the exemplar's own timestamp, or the time the caller
    /// supplied when it had none (see ``hasExplicitTimestamp``).
    public var timestamp: Int64
    /// Whether ``timestamp`` came from the input. Without one, every scrape of an unchanged
    /// bucket yields the same exemplar with a new time: deduplicate on the other fields then.
    public var hasExplicitTimestamp: Bool
    /// The trace id, if a trace-id label held a valid one.
    public var traceID: TraceID?
    /// The span id, if a span-id label held a valid one.
    public var spanID: SpanID?
    /// The profile id, if a profile-id label held a non-empty value.
    public var profileID: String?
    /// Whether the label names and values together exceed 128 code points, which OpenMetrics
    /// forbids and Prometheus rejects. Such exemplars are kept; count them in a metric.
    public var exceedsLabelLimit: Bool

    /// An exemplar of `series`, extracting ids from `labels` with `idKeys`.
    public init(
        series: LabelSet,
        labels: LabelSet,
        value: Double,
        timestamp: Int64,
        hasExplicitTimestamp: Bool = true,
        idKeys: ExemplarIDKeys = .default
    ) {
        self.metricName = series.metricName ?? ""
        self.series = series
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
        self.hasExplicitTimestamp = hasExplicitTimestamp
        self.traceID = Exemplar.first(idKeys.traceID, in: labels) { TraceID(hex: $0) }
        self.spanID = Exemplar.first(idKeys.spanID, in: labels) { SpanID(hex: $0) }
        self.profileID = Exemplar.first(idKeys.profileID, in: labels) { $0.isEmpty ? nil : $0 }
        self.exceedsLabelLimit = labels.codePointCount > Exemplar.labelCodePointLimit
    }

    private static func first<T>(_ keys: [String], in labels: LabelSet, _ parse: (String) -> T?) -> T? {
        for key in keys {
            if let raw = labels[key], let parsed = parse(raw) { return parsed }
        }
        return nil
    }
}
