/// One active element of a condition's result at an evaluation: what Prometheus calls a sample of
/// the alert expression's vector. Its labels identify the alert (before the rule's labels and
/// `alertname` are added).
public struct AlertSample: Sendable, Hashable {
    /// `service`, and `function` for per-function conditions.
    public var labels: [String: String]
    /// The value compared with the threshold: share or growth (hotspot), rate per second
    /// (allocation), slope per hour (leak).
    public var value: Double
    /// Every number behind the decision, by template variable name: hotspot `share`,
    /// `baseline_share`, `growth`, `total`; allocation `per_second`; leak `slope_per_hour`,
    /// `relative_growth`, `points`, `first`, `last`. Growth may be `+Inf` (absent from the baseline).
    public var details: [String: Double]
    /// The points in the window the value was computed from (per time, functions of the same name
    /// added), as the alert's evidence.
    public var evidence: [SeriesPoint]

    public init(labels: [String: String], value: Double, details: [String: Double] = [:], evidence: [SeriesPoint] = []) {
        self.labels = labels
        self.value = value
        self.details = details
        self.evidence = evidence
    }
}
