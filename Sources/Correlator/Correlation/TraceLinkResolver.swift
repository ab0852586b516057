import Foundation
import Logging
import PostgresNIO

/// Resolves traces to the profiles that explain them, with the evidence (DESIGN.md "Links").
/// One SQL round trip for any number of traces (``TraceLinkQuery``), a second one only to
/// explain a trace without links.
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
    public func traceLinks(tenant: String, traceID: String) async throws -> TraceLinks? {
        let links = try await links(tenant: tenant, traceIDs: [traceID])[traceID] ?? []
        if !links.isEmpty {
            return TraceLinks(traceID: traceID, links: links, reason: nil)
        }
        guard let reason = try await noLinkReason(tenant: tenant, traceID: traceID) else { return nil }
        return TraceLinks(traceID: traceID, links: [], reason: reason)
    }

    /// The links of several traces at once, by lowercase hex trace id (traces without links absent).
    public func links(tenant: String, traceIDs: [String]) async throws -> [String: [ProfileLink]] {
        guard !traceIDs.isEmpty else { return [:] }
        let statement = TraceLinkQuery(
            tenant: tenant, traceIDs: traceIDs,
            lookbackNanos: Int64(maxProfileDuration.components.seconds) * 1_000_000_000, topLimit: topLimit
        )
        let rows = try await client.execute(statement, logger: logger)
        var result: [String: [ProfileLink]] = [:]
        let decoder = JSONDecoder()
        for try await row in rows {
            let (rank, traceID, spanID, spanName, service, profileID, type, start, duration, overlap, unit, topJSON, spansOwn) =
                (row.rank, row.traceID, row.spanID, row.spanName, row.service, row.profileID, row.type, row.start, row.duration,
                 row.overlap, row.unit, row.topJSON, row.spansOwnTop)
            guard let kind = ProfileLinkKind(rank: rank) else { continue }
            let stored = (try? decoder.decode([StoredTopFunction].self, from: Data(topJSON.utf8))) ?? []
            let top = stored
                .sorted { ($0.flat, $0.cum) > ($1.flat, $1.cum) }
                .prefix(topLimit)
                .map { TopFunction(function: $0.function, file: $0.file ?? "", flat: $0.flat, cum: $0.cum, unit: unit) }
            let link = ProfileLink(
                kind: kind, traceID: traceID, spanID: spanID ?? "", spanName: spanName ?? "", service: service,
                profileID: profileID, profileType: type, startNanos: start, durationNanos: duration,
                overlap: kind == .timeWindow ? min(max(overlap ?? 0, 0), 1) : nil,
                top: Array(top), topIsSpans: spansOwn
            )
            result[traceID, default: []].append(link)
        }
        return result
    }

    /// Nil when the trace is unknown, else a sentence saying why nothing links it.
    func noLinkReason(tenant: String, traceID: String) async throws -> String? {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: TraceLinkQuery.traceSummarySQL, binds: {
                var bindings = PostgresBindings(capacity: 2)
                bindings.append(tenant)
                bindings.append(traceID)
                return bindings
            }()),
            logger: logger
        )
        for try await (spanCount, exemplarCount, services, first, last, exemplarTime) in rows.decode(
            (Int64, Int64, String, Int64?, Int64?, Int64?).self
        ) {
            if spanCount == 0 && exemplarCount == 0 { return nil }
            if spanCount == 0 {
                let when = exemplarTime.map { " (exemplar at \(Timestamp.rfc3339($0)))" } ?? ""
                return "no spans stored for this trace\(when), and its exemplars carry no profile id of a stored profile"
            }
            let names = services.split(separator: ",").joined(separator: ", ")
            return "no profiles for service \(names) between \(Timestamp.rfc3339(first ?? 0)) and \(Timestamp.rfc3339(last ?? 0))"
        }
        return nil
    }
}

/// An element of `span_profiles.top` or of the aggregated profile top.
struct StoredTopFunction: Decodable {
    var function: String
    var file: String?
    var flat: Int64
    var cum: Int64
}
