import Correlator
import Foundation
import Hummingbird
import Logging

/// Trace → profile links, slow requests with their links, the reverse jump from a function to
/// traces, and `/jump/trace/{id}` redirects.
struct CorrelationController {
    let resolver: TraceLinkResolver
    let explainer: RequestExplainer
    let functions: FunctionTraceFinder
    let templates: JumpLinkTemplates

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/api/v1/traces/:id/profiles") { request, context in
            try await traceProfiles(request, context: context)
        }
        router.get("/api/v1/slow-requests") { request, context in
            try await slowRequests(request, context: context)
        }
        router.get("/api/v1/functions/traces") { request, context in
            try await functionTraces(request, context: context)
        }
        router.get("/jump/trace/:id") { request, context in
            try await jump(request, context: context)
        }
    }

    @Sendable func traceProfiles(_ request: Request, context: CorrelatorRequestContext) async throws -> TraceLinksResponse {
        let traceID = try HexID.trace(context.parameters.require("id"))
        guard let found = try await withDatabaseErrors({ try await resolver.traceLinks(tenant: context.tenant, traceID: traceID) }) else {
            throw HTTPError(.notFound, message: "trace \(traceID) is unknown: no span and no exemplar names it")
        }
        return TraceLinksResponse(
            traceID: traceID, links: found.links.map { LinkResponse($0, templates: templates) }, reason: found.reason
        )
    }

    @Sendable func slowRequests(_ request: Request, context: CorrelatorRequestContext) async throws -> SlowRequestsResponse {
        let parameters = QueryParameters(request)
        let filter = SlowRequestFinder.Filter(
            metric: parameters.string("metric"), service: parameters.string("service"), route: parameters.string("route"),
            minValue: try parameters.double("min_seconds"), range: try parameters.range(),
            limit: try parameters.limit(default: 20, maximum: 200), cursor: try parameters.cursor(fields: 3)
        )
        let (page, causes) = try await withDatabaseErrors {
            let page = try await SlowRequestFinder(resolver: resolver).slowRequests(tenant: context.tenant, filter: filter)
            let causes = try await explainer.firstCauses(tenant: context.tenant, requests: page.items.map { ($0.traceID, $0.spanID) })
            return (page, causes)
        }
        return SlowRequestsResponse(
            slowRequests: page.items.map { item in
                SlowRequestsResponse.Item(
                    metric: item.metric, value: item.value.isFinite ? item.value : nil, time: Timestamp.rfc3339(item.timeNanos),
                    labels: LabelsJSON.object(item.seriesJSON), traceID: item.traceID, spanID: item.spanID,
                    profileID: item.profileID, links: item.links.map { LinkResponse($0, templates: templates) },
                    cause: causes[item.traceID]
                )
            },
            nextCursor: page.nextCursor
        )
    }

    @Sendable func functionTraces(_ request: Request, context: CorrelatorRequestContext) async throws -> FunctionTracesResponse {
        let parameters = QueryParameters(request)
        guard let function = parameters.string("function") else {
            throw HTTPError(.badRequest, message: "function: required (a function name as pprof prints it, e.g. main.hashPayload)")
        }
        let range = try parameters.range()
        let limit = try parameters.limit(default: 20, maximum: 500)
        let cursor = try parameters.cursor(fields: 1)
        let page = try await withDatabaseErrors {
            try await functions.traces(
                tenant: context.tenant, function: function, service: parameters.string("service"),
                range: range, limit: limit, cursor: cursor
            )
        }
        return FunctionTracesResponse(
            function: function,
            traces: page.items.map { item in
                FunctionTracesResponse.Item(
                    traceID: item.traceID, spanID: item.spanID, spanName: item.spanName, service: item.service,
                    profileID: item.profileID, flat: item.flat, cum: item.cum, unit: item.unit,
                    durationSeconds: item.durationNanos.map { Double($0) / 1e9 },
                    start: item.startNanos.map(Timestamp.rfc3339),
                    jump: [
                        "trace": "/jump/trace/\(item.traceID)",
                        "profile": "/ui/profiles/\(item.profileID)?span_id=\(item.spanID)",
                    ]
                )
            },
            nextCursor: page.nextCursor
        )
    }

    /// 302 to the best view of the strongest link: the built-in profile page filtered to the span.
    @Sendable func jump(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let traceID = try HexID.trace(context.parameters.require("id"))
        guard let found = try await withDatabaseErrors({ try await resolver.traceLinks(tenant: context.tenant, traceID: traceID) }) else {
            throw HTTPError(.notFound, message: "trace \(traceID) is unknown: no span and no exemplar names it")
        }
        guard let best = found.links.first else {
            throw HTTPError(.notFound, message: "trace \(traceID) has no linked profile: \(found.reason ?? "")")
        }
        let location = JumpURLs.urls(for: best, templates: templates)["profile"]!
        return Response(status: .found, headers: [.location: location])
    }
}

struct SlowRequestsResponse: ResponseEncodable, Sendable {
    struct Item: Codable, Sendable {
        var metric: String
        var value: Double?
        var time: String
        var labels: [String: String]
        var traceID: String
        var spanID: String?
        var profileID: String?
        var links: [LinkResponse]
        /// The first cause of `/api/v1/traces/{id}/explain` (the first 20 rows of a page).
        var cause: ExplainedCause?

        enum CodingKeys: String, CodingKey {
            case metric, value, time, labels, traceID = "trace_id", spanID = "span_id", profileID = "profile_id", links, cause
        }
    }

    var slowRequests: [Item]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case slowRequests = "slow_requests", nextCursor = "next_cursor"
    }
}

struct FunctionTracesResponse: ResponseEncodable, Sendable {
    struct Item: Codable, Sendable {
        var traceID: String
        var spanID: String
        var spanName: String
        var service: String
        var profileID: String
        var flat: Int64
        var cum: Int64
        var unit: String
        var durationSeconds: Double?
        var start: String?
        var jump: [String: String]

        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id", spanID = "span_id", spanName = "span_name", service, profileID = "profile_id"
            case flat, cum, unit, durationSeconds = "duration_seconds", start, jump
        }
    }

    var function: String
    var traces: [Item]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case function, traces, nextCursor = "next_cursor"
    }
}

/// Stored label objects (jsonb) as string maps.
enum LabelsJSON {
    static func object(_ json: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let string as String: result[key] = string
            case let number as NSNumber: result[key] = number.stringValue
            default:
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
                    result[key] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        return result
    }
}
