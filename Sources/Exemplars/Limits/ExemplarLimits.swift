/// Bounds on what one request (a pushed or scraped exposition, or a remote-write body) may
/// contain. Each violation is an error that names the limit, the value and where it was found.
///
/// Length limits count UTF-8 bytes of the unescaped name or value, as Prometheus's
/// `label_name_length_limit` and `label_value_length_limit` do, and apply to series labels.
/// Exemplar labels are bounded only by the body size: an over-long exemplar label set is
/// flagged (``Exemplar/exceedsLabelLimit``), never rejected.
public struct ExemplarLimits: Sendable, Hashable {
    /// Longest series label name, in bytes.
    public var maxLabelNameLength: Int
    /// Longest series label value, in bytes.
    public var maxLabelValueLength: Int
    /// Most labels on one series, `__name__` included.
    public var maxLabelsPerSeries: Int
    /// Most series in one request: sample lines in a text exposition, `TimeSeries` messages in
    /// a remote write.
    public var maxSeriesPerRequest: Int
    /// Largest decompressed remote-write body, checked against snappy's length preamble before
    /// anything is allocated.
    public var maxDecompressedBytes: Int

    public init(
        maxLabelNameLength: Int = 1024,
        maxLabelValueLength: Int = 4096,
        maxLabelsPerSeries: Int = 64,
        maxSeriesPerRequest: Int = 1_000_000,
        maxDecompressedBytes: Int = 64 << 20
    ) {
        self.maxLabelNameLength = maxLabelNameLength
        self.maxLabelValueLength = maxLabelValueLength
        self.maxLabelsPerSeries = maxLabelsPerSeries
        self.maxSeriesPerRequest = maxSeriesPerRequest
        self.maxDecompressedBytes = maxDecompressedBytes
    }

    /// Label names ≤ 1 KiB, values ≤ 4 KiB, ≤ 64 labels per series, ≤ 1,000,000 series per
    /// request, ≤ 64 MiB decompressed.
    public static let `default` = ExemplarLimits()
}
