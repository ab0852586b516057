import Foundation
import Logging
import PostgresNIO

/// Resolves traces to the profiles that explain them, with the evidence (DESIGN.md "Links").
/// One SQL round trip for any number of traces (``TraceLinkQuery``, or
/// ``CitusTraceLinkQuery`` on Citus), which also explains a single trace without links.
public struct TraceLinkResolver: Sendable {
    public let client: PostgresClient
    /// How long before a span a profile may start and still cover it (the longest profile).
    public var maxProfileDuration: Duration
    /// Top functions returned per link.
    public var topLimit: Int
    let logger: Logger

    public init(client: PostgresClient, maxProfileDuration: Duration = .seconds(600), topLimit: Int = 10, logger: Logger) {
        self.client = client
        self.maxProfileDuration = maxProfileDuration
        self.topLimit = topLimit
        self.logger = logger
    }

    /// The links of one trace; nil when the store knows nothing of it (no span, no exemplar).
    /// One round trip: without links, the same statement says what the store knows of the trace.
    public func traceLinks(tenant: String, traceID: String) async throws -> TraceLinks? {
        let answer = try await run(tenant: tenant, traceIDs: [traceID])
        if let links = answer.links[traceID], !links.isEmpty {
            return TraceLinks(traceID: traceID, links: links, reason: nil)
        }
        guard let summary = answer.summary, let reason = Self.noLinkReason(summary) else { return nil }
        return TraceLinks(traceID: traceID, links: [], reason: reason)
    }

    /// The links of several traces at once, by lowercase hex trace id (traces without links absent).
    public func links(tenant: String, traceIDs: [String]) async throws -> [String: [ProfileLink]] {
        guard !traceIDs.isEmpty else { return [:] }
        return try await run(tenant: tenant, traceIDs: traceIDs).links
    }

    private func run(tenant: String, traceIDs: [String]) async throws -> (links: [String: [ProfileLink]], summary: TraceLinkQuery.LinkRow?) {
        let statement = TraceLinkQuery(
            tenant: tenant, traceIDs: traceIDs,
            lookbackNanos: Int64(maxProfileDuration.components.seconds) * 1_000_000_000, topLimit: topLimit
        )
        var rows: [TraceLinkQuery.LinkRow] = []
        if try await CitusPresence.isInstalled(client, logger: logger) {
            for try await row in try await client.execute(CitusTraceLinkQuery(query: statement), logger: logger) { rows.append(row) }
        } else {
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
        }
        var result: [String: [ProfileLink]] = [:]
        var summary: TraceLinkQuery.LinkRow?
        let decoder = JSONDecoder()
        for row in rows {
            guard let kind = ProfileLinkKind(rank: row.rank) else {
                if row.rank == 0 { summary = row }
                continue
            }
            let stored = (try? decoder.decode([StoredTopFunction].self, from: Data(row.topJSON.utf8))) ?? []
            let top = stored
                .sorted { ($0.flat, $0.cum) > ($1.flat, $1.cum) }
                .prefix(topLimit)
                .map { TopFunction(function: $0.function, file: $0.file ?? "", flat: $0.flat, cum: $0.cum, unit: row.unit) }
            let link = ProfileLink(
                kind: kind, traceID: row.traceID, spanID: row.spanID ?? "", spanName: row.spanName ?? "", service: row.service,
                profileID: row.profileID, profileType: row.type, startNanos: row.start, durationNanos: row.duration,
                overlap: kind == .timeWindow ? min(max(row.overlap ?? 0, 0), 1) : nil,
                top: Array(top), topIsSpans: row.spansOwnTop
            )
            result[row.traceID, default: []].append(link)
        }
        return (result, summary)
    }

    /// Nil when the trace is unknown, else a sentence saying why nothing links it.
    static func noLinkReason(_ summary: TraceLinkQuery.LinkRow) -> String? {
        let spanCount = summary.spanCount ?? 0
        let exemplarCount = summary.exemplarCount ?? 0
        if spanCount == 0 && exemplarCount == 0 { return nil }
        if spanCount == 0 {
            let when = summary.firstExemplarNanos.map { " (exemplar at \(Timestamp.rfc3339($0)))" } ?? ""
            return "no spans stored for this trace\(when), and its exemplars carry no profile id of a stored profile"
        }
        let names = summary.service.split(separator: ",").joined(separator: ", ")
        return "no profiles for service \(names) between \(Timestamp.rfc3339(summary.start)) and \(Timestamp.rfc3339(summary.duration))"
    }
}

/// An element of `span_profiles.top` or of the aggregated profile top.
struct StoredTopFunction: Decodable {
    var function: String
    var file: String?
    var flat: Int64
    var cum: Int64
}
