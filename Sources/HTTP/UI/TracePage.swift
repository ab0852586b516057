import Correlator
import Exemplars
import Foundation
import ProfileIndex

/// The model of `/ui/traces/{trace_id}`: the span waterfall (callers above callees, children by
/// start) with timing bars, and each span's linked profiles in the resolver's order (strongest
/// kind first).
struct TracePage {
    struct LinkRow {
        var kind: String
        var profileID: String
        var profileType: String
        var url: String
        var topFunction: String?
        var overlap: String?
    }

    struct SpanRow {
        var spanID: String
        var name: String
        var service: String
        var indent: Int
        var offset: String
        var width: String
        var duration: String
        var startOffset: String
        var isError: Bool
        var links: [LinkRow]
    }

    struct CauseRow {
        var kind: String
        var function: String
        var extra: String
        var confidence: String
        var summary: String
        /// Root first, ` → ` between frames.
        var stack: String
    }

    var search: String
    var traceID: String
    var hasExplanation = false
    var explanationSummary = ""
    var causes: [CauseRow] = []
    var hasCauses = false
    var spanCount: Int
    var duration: String
    var start: String
    var reason: String?
    var spans: [SpanRow]
    /// Links whose span is not stored (an exemplar without a span id, samples of an unknown span).
    var traceLinks: [LinkRow]
    // Stored, not computed: mustache reads values through Mirror, which sees stored properties only.
    var hasSpans: Bool
    var hasTraceLinks: Bool

    init(traceID: String, spans stored: [StoredSpan], links found: TraceLinks?, explanation: RequestExplanation? = nil, templates: JumpLinkTemplates) {
        search = traceID
        self.traceID = traceID
        if let explanation {
            hasExplanation = true
            explanationSummary = explanation.summary
            causes = explanation.causes.map { cause in
                CauseRow(
                    kind: cause.kind.rawValue.replacingOccurrences(of: "_", with: " "), function: cause.function.isEmpty ? "(unknown)" : cause.function,
                    extra: PprofUnits.scaledLabel(Int64((cause.extraMsPerRequest * 1e6).rounded()), unit: "nanoseconds", to: "minimum"),
                    confidence: cause.confidence.rawValue, summary: cause.summary, stack: cause.stack.joined(separator: " → ")
                )
            }
            hasCauses = !causes.isEmpty
        }
        reason = found?.reason
        let links = found?.links ?? []
        func row(_ link: ProfileLink) -> LinkRow {
            LinkRow(
                kind: link.kind.rawValue, profileID: link.profileID, profileType: link.profileType,
                url: JumpURLs.urls(for: link, templates: templates)["profile"] ?? "",
                topFunction: link.top.first?.function,
                overlap: link.overlap.map { String(format: "%.0f%%", $0 * 100) }
            )
        }
        var linksBySpan: [String: [LinkRow]] = [:]
        let spanIDs = Set(stored.map(\.spanID.hexString))
        var orphans: [LinkRow] = []
        for link in links {
            if spanIDs.contains(link.spanID) {
                linksBySpan[link.spanID, default: []].append(row(link))
            } else {
                orphans.append(row(link))
            }
        }
        traceLinks = orphans

        let first = stored.map(\.startUnixNano).min() ?? 0
        let last = stored.map { $0.startUnixNano + $0.durationNanos }.max() ?? 0
        let total = max(last - first, 1)
        spanCount = stored.count
        duration = PprofUnits.scaledLabel(last - first, unit: "nanoseconds", to: "minimum")
        start = stored.isEmpty ? "" : Timestamp.rfc3339(first)

        // Depth-first from the roots (spans without a stored parent), children by start.
        var children: [String: [StoredSpan]] = [:]
        var roots: [StoredSpan] = []
        for span in stored {
            if let parent = span.parentSpanID?.hexString, spanIDs.contains(parent), parent != span.spanID.hexString {
                children[parent, default: []].append(span)
            } else {
                roots.append(span)
            }
        }
        var rows: [SpanRow] = []
        var visited: Set<String> = []
        func visit(_ span: StoredSpan, depth: Int) {
            let id = span.spanID.hexString
            guard visited.insert(id).inserted else { return }
            let offset = Double(span.startUnixNano - first) / Double(total) * 100
            let width = max(Double(span.durationNanos) / Double(total) * 100, 0.2)
            rows.append(SpanRow(
                spanID: id, name: span.name, service: span.service, indent: 4 + 14 * min(depth, 30),
                offset: String(format: "%.3f", min(offset, 99.8)), width: String(format: "%.3f", min(width, 100 - min(offset, 99.8))),
                duration: PprofUnits.scaledLabel(span.durationNanos, unit: "nanoseconds", to: "minimum"),
                startOffset: PprofUnits.scaledLabel(span.startUnixNano - first, unit: "nanoseconds", to: "minimum"),
                isError: span.statusCode == 2, links: linksBySpan[id] ?? []
            ))
            for child in (children[id] ?? []).sorted(by: { ($0.startUnixNano, $0.spanID.hexString) < ($1.startUnixNano, $1.spanID.hexString) }) {
                visit(child, depth: depth + 1)
            }
        }
        for root in roots { visit(root, depth: 0) }
        // A parent cycle leaves spans unvisited: list them at the top level rather than drop them.
        for span in stored where !visited.contains(span.spanID.hexString) { visit(span, depth: 0) }
        spans = rows
        hasSpans = !rows.isEmpty
        hasTraceLinks = !orphans.isEmpty
    }
}
