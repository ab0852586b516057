/// The type of a metric family, from its `# TYPE` line.
///
/// Prometheus 0.0.4's `untyped` and a family without a `# TYPE` line are both ``unknown``.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    case counter
    case gauge
    case histogram
    case gaugehistogram
    case summary
    case info
    case stateset
    case unknown
}
