/// Which exemplar label names carry the trace, span and profile ids.
///
/// Instrumentation libraries disagree on the spelling (`trace_id` in the Go and Python clients,
/// `traceID` in Grafana's docs, `trace.id` in Elastic's), so the keys are configurable. For each
/// id the first key in the list whose label holds a *valid* id wins.
public struct ExemplarIDKeys: Sendable, Hashable {
    /// Label names that may hold a trace id (32 or 16 hex digits).
    public var traceID: [String]
    /// Label names that may hold a span id (16 hex digits).
    public var spanID: [String]
    /// Label names that may hold a profile id (any non-empty string).
    public var profileID: [String]

    public init(traceID: [String], spanID: [String], profileID: [String]) {
        self.traceID = traceID
        self.spanID = spanID
        self.profileID = profileID
    }

    /// `trace_id`, `traceID`, `trace.id`, `traceId`; `span_id`, `spanID`, `span.id`, `spanId`;
    /// `profile_id`, `pyroscope.profile.id`.
    public static let `default` = ExemplarIDKeys(
        traceID: ["trace_id", "traceID", "trace.id", "traceId"],
        spanID: ["span_id", "spanID", "span.id", "spanId"],
        profileID: ["profile_id", "pyroscope.profile.id"]
    )
}
