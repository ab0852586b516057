/// The two text formats the parser reads.
public enum ExpositionFormat: String, Sendable, Hashable, CaseIterable {
    /// OpenMetrics 1.0 text (`application/openmetrics-text; version=1.0.0`): must end with
    /// `# EOF`, LF only, single spaces, float-second timestamps, exemplars on `_total` and
    /// `_bucket` samples.
    case openMetrics
    /// Prometheus text 0.0.4 (`text/plain; version=0.0.4`): no `# EOF`, blank lines and free
    /// comments, spaces or tabs, integer millisecond timestamps, no exemplars.
    case prometheusText

    /// The `Accept` header a scraper sends, preferring OpenMetrics as Prometheus 2.42 does.
    public static let scrapeAcceptHeader =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    /// The `Content-Type` this format is served with.
    public var contentType: String {
        switch self {
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        }
    }

    /// The format a `Content-Type` header names, found by parsing the media type and its
    /// parameters (never by matching the whole string).
    ///
    /// - `application/openmetrics-text` without a version or with version `1.0.0` or `0.0.1`
    ///   → ``openMetrics``.
    /// - `text/plain` without a version or with version `0.0.4` → ``prometheusText``.
    /// - Anything else, another version, a `charset` other than UTF-8, or an unparsable header
    ///   → nil. A push endpoint answers 415; a scraper may fall back to ``prometheusText``, as
    ///   Prometheus 2.42 does for unknown types.
    public init?(contentType: String) {
        guard let mediaType = MediaType(contentType) else { return nil }
        if let charset = mediaType.parameter("charset"), charset.lowercased() != "utf-8" { return nil }
        let version = mediaType.parameter("version")
        switch (mediaType.type, mediaType.subtype) {
        case ("application", "openmetrics-text"):
            guard version == nil || version == "1.0.0" || version == "0.0.1" else { return nil }
            self = .openMetrics
        case ("text", "plain"):
            guard version == nil || version == "0.0.4" else { return nil }
            self = .prometheusText
        default:
            return nil
        }
    }
}
