import Exemplars
import Foundation
import Logging
import PostgresNIO

/// The exemplars of one series, as `query_exemplars` returns them.
public struct ExemplarSeries: Sendable, Hashable {
    /// The series labels, `__name__` included.
    public var series: LabelSet
    /// Its exemplars in time order.
    public var exemplars: [StoredExemplar]

    public init(series: LabelSet, exemplars: [StoredExemplar]) {
        self.series = series
        self.exemplars = exemplars
    }
}

/// One stored exemplar: its labels, value and timestamp (milliseconds since the epoch).
public struct StoredExemplar: Sendable, Hashable {
    public var labels: LabelSet
    public var value: Double
    public var timestamp: Int64

    public init(labels: LabelSet, value: Double, timestamp: Int64) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

extension Store {
    /// The tenant's exemplars in `[start, end]` (milliseconds, inclusive) of the series that
    /// `selector` matches, grouped by series. Equality matchers are answered by the database
    /// (jsonb containment on `exemplar_series.series`, the metric name through its index); `!=`,
    /// `=~`, `!~` and empty-value matchers are applied to the rows it returns. At most `limit`
    /// exemplars.
    public func queryExemplars(
        tenant: String,
        selector: SeriesSelector,
        start: Int64,
        end: Int64,
        limit: Int = 100_000
    ) async throws -> [ExemplarSeries] {
        try await measure("query_exemplars") {
            try await selectExemplars(tenant: tenant, selector: selector, start: start, end: end, limit: limit)
        }
    }

    /// The union over `selectors` (the selectors of one PromQL expression): each series once, in
    /// the order the selectors first find them.
    public func queryExemplars(
        tenant: String,
        selectors: [SeriesSelector],
        start: Int64,
        end: Int64,
        limit: Int = 100_000
    ) async throws -> [ExemplarSeries] {
        guard selectors.count > 1 else {
            guard let selector = selectors.first else { return [] }
            return try await queryExemplars(tenant: tenant, selector: selector, start: start, end: end, limit: limit)
        }
        var union: [ExemplarSeries] = []
        var seen: Set<LabelSet> = []
        for selector in selectors {
            for series in try await queryExemplars(tenant: tenant, selector: selector, start: start, end: end, limit: limit)
            where seen.insert(series.series).inserted {
                union.append(series)
            }
        }
        return union
    }

    private func selectExemplars(
        tenant: String,
        selector: SeriesSelector,
        start: Int64,
        end: Int64,
        limit: Int
    ) async throws -> [ExemplarSeries] {
        // PostgreSQL timestamps end in year 294276; intervals overflow long before. Clamp to
        // years 0001–9999 so any Unix time a client sends is a valid bound.
        let start = min(max(start, -62_135_596_800_000), 253_402_300_799_999)
        let end = min(max(end, -62_135_596_800_000), 253_402_300_799_999)
        var containment = JSONWriter(capacity: 64)
        containment.byte(UInt8(ascii: "{"))
        var first = true
        for matcher in selector.matchers where matcher.operator == .equal && !matcher.value.isEmpty {
            if !first { containment.byte(UInt8(ascii: ",")) }
            first = false
            _ = containment.string(matcher.name)
            containment.byte(UInt8(ascii: ":"))
            _ = containment.string(matcher.value)
        }
        containment.byte(UInt8(ascii: "}"))
        let contains = String(decoding: containment.bytes, as: UTF8.self)
        let metric = selector.matchers.first { $0.name == Label.metricNameKey && $0.operator == .equal }?.value
        // The series first (by metric through its index, by labels through containment, and
        // only those with an exemplar on or after the start's day), then each one's exemplars
        // in the window through the primary key.
        let rows = try await client.query("""
            SELECT s.series::text, e.series_fp, exemplar_labels(e.labels, e.trace_id, e.span_id)::text, e.value, (extract(epoch FROM e.ts) * 1000)::bigint
            FROM exemplar_series s
            JOIN exemplars e ON e.tenant = s.tenant AND e.series_fp = s.series_fp
            WHERE s.tenant = \(tenant)
              AND (\(metric)::text IS NULL OR s.metric = \(metric))
              AND s.series @> \(contains)::jsonb
              AND s.last_day >= ((timestamptz 'epoch' + \(start) * interval '1 millisecond') AT TIME ZONE 'UTC')::date
              AND e.ts >= timestamptz 'epoch' + \(start) * interval '1 millisecond'
              AND e.ts <= timestamptz 'epoch' + \(end) * interval '1 millisecond'
            ORDER BY e.series_fp, e.ts
            LIMIT \(limit)
            """, logger: logger)
        var result: [ExemplarSeries] = []
        var lastFingerprint: Int64?
        var lastMatched = false
        for try await (seriesJSON, fingerprint, labelsJSON, value, timestamp) in rows.decode((String, Int64, String, Double, Int64).self) {
            if fingerprint != lastFingerprint {
                lastFingerprint = fingerprint
                let series = try Self.labelSet(fromJSON: seriesJSON)
                lastMatched = selector.matches(series)
                if lastMatched { result.append(ExemplarSeries(series: series, exemplars: [])) }
            }
            guard lastMatched else { continue }
            let labels = try Self.labelSet(fromJSON: labelsJSON)
            result[result.count - 1].exemplars.append(StoredExemplar(labels: labels, value: value, timestamp: timestamp))
        }
        return result
    }

    static func labelSet(fromJSON text: String) throws -> LabelSet {
        let object = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        return LabelSet(object.map { Label(name: $0.key, value: $0.value) })
    }
}
