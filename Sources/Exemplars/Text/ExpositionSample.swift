/// One sample line of a text exposition, with its exemplar if it has one.
public struct ExpositionSample: Sendable, Hashable {
    /// The metric family the sample belongs to: `http_requests` for `http_requests_total` after
    /// `# TYPE http_requests counter`; the sample's own name when no `# TYPE` line claims it.
    public var family: String
    /// The family's type (``MetricType/unknown`` without a `# TYPE` line).
    public var type: MetricType
    /// The series labels, including `__name__` (the sample name, e.g. `…_bucket`).
    public var series: LabelSet
    /// The sample value.
    public var value: Double
    /// The sample's timestamp in milliseconds since the Unix epoch, if the line has one.
    public var timestamp: Int64?
    /// The exemplar after `#`, if any (OpenMetrics only).
    public var exemplar: ExpositionExemplar?

    /// The series' metric name (`__name__`).
    public var metricName: String { series.metricName ?? "" }

    public init(
        family: String,
        type: MetricType,
        series: LabelSet,
        value: Double,
        timestamp: Int64? = nil,
        exemplar: ExpositionExemplar? = nil
    ) {
        self.family = family
        self.type = type
        self.series = series
        self.value = value
        self.timestamp = timestamp
        self.exemplar = exemplar
    }

    /// The exemplar as Correlator stores it, with ids extracted, or nil without one.
    /// - Parameter defaultTimestamp: milliseconds to use when the exemplar has no timestamp
    ///   (the scrape or receive time).
    public func storedExemplar(defaultTimestamp: Int64, idKeys: ExemplarIDKeys = .default) -> Exemplar? {
        guard let exemplar else { return nil }
        return Exemplar(
            series: series,
            labels: exemplar.labels,
            value: exemplar.value,
            timestamp: exemplar.timestamp ?? defaultTimestamp,
            hasExplicitTimestamp: exemplar.timestamp != nil,
            idKeys: idKeys
        )
    }
}

/// An exemplar as written after a sample: `# {trace_id="…"} 0.12 1700000000.123`.
public struct ExpositionExemplar: Sendable, Hashable {
    /// The exemplar's labels.
    public var labels: LabelSet
    /// The exemplar's value.
    public var value: Double
    /// Milliseconds since the Unix epoch (OpenMetrics writes float seconds), if given.
    public var timestamp: Int64?

    public init(labels: LabelSet, value: Double, timestamp: Int64? = nil) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}
