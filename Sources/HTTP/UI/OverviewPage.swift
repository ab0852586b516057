import Correlator
import Foundation
import ProfileIndex

/// The model of `/ui/`: services seen, the slowest requests of the window with their strongest
/// link, firing alerts, and the newest data per signal and service.
struct OverviewPage {
    struct Service {
        var name: String
        var signals: String
    }

    struct SlowRow {
        var value: String
        var service: String
        var route: String
        var time: String
        var traceID: String
        var traceURL: String
        var hasLink: Bool
        var linkKind: String
        var topFunction: String
        /// True when the top function is the span's own samples', false when it is the whole profile's.
        var topIsSpans: Bool
        var profileURL: String
        /// The first cause of the request's explanation (`kind: function`), and its summary.
        var cause: String?
        var causeSummary: String
        var causeConfidence: String
    }

    struct FiringRow {
        var rule: String
        var labels: String
        var value: String
        var activeAt: String
    }

    struct HealthRow {
        var service: String
        var signal: String
        var last: String
        var age: String
        var count: Int64
    }

    var search = ""
    var from: String
    var to: String
    var services: [Service]
    var slow: [SlowRow]
    var firing: [FiringRow]
    var health: [HealthRow]
    // Stored, not computed: mustache reads values through Mirror, which sees stored properties only.
    var hasSlow: Bool
    /// A dot per slow request over the window (SVG), each a link to its trace.
    var latencyChart: String
    var hasFiring: Bool
    var hasHealth: Bool

    init(
        range: TimeRange, now: Int64, slow: [SlowRequest], causes: [String: ExplainedCause] = [:], alerts: [StoredAlert],
        health: [IngestHealthEntry], templates: JumpLinkTemplates
    ) {
        from = Timestamp.rfc3339(range.from)
        to = Timestamp.rfc3339(range.to)
        var signals: [String: Set<String>] = [:]
        for entry in health where !entry.service.isEmpty {
            signals[entry.service, default: []].insert(entry.signal)
        }
        services = signals.keys.sorted().map { Service(name: $0, signals: signals[$0]!.sorted().joined(separator: ", ")) }
        let points = slow.map { request in
            SVGChart.Point(
                time: request.timeNanos, value: request.value,
                title: "\(Self.format(request.value, metric: request.metric)) at \(Timestamp.rfc3339(request.timeNanos)), trace \(request.traceID)",
                href: "/ui/traces/\(request.traceID)"
            )
        }
        let metric = slow.first?.metric ?? ""
        latencyChart = points.isEmpty ? "" : SVGChart(from: range.from, to: range.to, valueLabel: "slow requests (exemplar values) · click a dot for its trace")
            .scatter(points, id: "latency-chart") { Self.format($0, metric: metric) }
        self.slow = slow.prefix(20).map { request in
            let labels = LabelsJSON.object(request.seriesJSON)
            let best = request.links.first
            return SlowRow(
                value: Self.format(request.value, metric: request.metric),
                service: labels["service"] ?? labels["service_name"] ?? labels["job"] ?? "",
                route: [labels["method"], labels["route"] ?? labels["http_route"]].compactMap { $0 }.joined(separator: " "),
                time: Timestamp.rfc3339(request.timeNanos),
                traceID: request.traceID,
                traceURL: "/ui/traces/\(request.traceID)",
                hasLink: best != nil,
                linkKind: best?.kind.rawValue ?? "",
                topFunction: best?.top.first?.function ?? "(no samples)",
                topIsSpans: best?.topIsSpans ?? false,
                profileURL: best.map { JumpURLs.urls(for: $0, templates: templates)["profile"] ?? "" } ?? "",
                cause: causes[request.traceID].map { "\($0.kind.rawValue.replacingOccurrences(of: "_", with: " ")): \($0.function.isEmpty ? "?" : $0.function)" },
                causeSummary: causes[request.traceID]?.summary ?? "",
                causeConfidence: causes[request.traceID]?.confidence.rawValue ?? ""
            )
        }
        firing = alerts.filter { $0.state == "firing" }.map { alert in
            FiringRow(
                rule: alert.rule, labels: Self.labelText(alert.labels),
                value: alert.value.map { AlertEvidence.format($0) } ?? "",
                activeAt: alert.activeAt.map(UIFormat.time) ?? ""
            )
        }
        self.health = health.map { entry in
            HealthRow(
                service: entry.service.isEmpty ? "(no service label)" : entry.service, signal: entry.signal,
                last: Timestamp.rfc3339(entry.lastNanos), age: Self.age(now - entry.lastNanos), count: entry.count
            )
        }
        hasSlow = !self.slow.isEmpty
        hasFiring = !firing.isEmpty
        hasHealth = !self.health.isEmpty
    }

    /// Seconds of a `*_seconds` metric as a duration, other values as numbers.
    static func format(_ value: Double, metric: String) -> String {
        guard value.isFinite else { return "\(value)" }
        if metric.contains("_seconds") {
            return PprofUnits.scaledLabel(Int64((value * 1e9).rounded()), unit: "nanoseconds", to: "minimum")
        }
        return AlertEvidence.format(value)
    }

    /// `3m ago`, `2h ago`, `5d ago`.
    static func age(_ nanos: Int64) -> String {
        let seconds = max(nanos / 1_000_000_000, 0)
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86400: return "\(seconds / 3600)h ago"
        default: return "\(seconds / 86400)d ago"
        }
    }

    static func labelText(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")
    }
}
