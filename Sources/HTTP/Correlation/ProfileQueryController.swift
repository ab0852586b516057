import Correlator
import Foundation
import Hummingbird
import NIOCore
import ProfileIndex

/// Profile queries for dashboards: the list, one profile's summary, flame graphs, window diffs.
/// (`/api/v1/profiles/{id}/pprof` and `/top` belong to the profiles controller.)
struct ProfileQueryController {
    let catalog: ProfileCatalog

    /// Query parameters of the list that are not label filters.
    static let listParameters: Set<String> = ["service", "type", "from", "to", "limit", "cursor"]

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/api/v1/profiles") { request, context in try await list(request, context: context) }
        router.get("/api/v1/profiles/:id") { request, context in try await summary(request, context: context) }
        router.get("/api/v1/profiles/:id/flamegraph") { request, context in try await flameGraph(request, context: context) }
        router.get("/api/v1/diff") { request, context in try await diff(request, context: context) }
    }

    @Sendable func list(_ request: Request, context: CorrelatorRequestContext) async throws -> ProfileListResponse {
        let parameters = QueryParameters(request)
        var labels: [String: String] = [:]
        for (key, value) in request.queryParameters where !Self.listParameters.contains(String(key)) {
            labels[String(key)] = String(value)
        }
        let filter = ProfileCatalog.ListFilter(
            service: parameters.string("service"), type: parameters.string("type"), labels: labels,
            range: try parameters.range(), limit: try parameters.limit(default: 50, maximum: 1000),
            cursor: try parameters.cursor(fields: 2)
        )
        let page = try await withDatabaseErrors { try await catalog.list(tenant: context.tenant, filter: filter) }
        return ProfileListResponse(profiles: page.items.map(ProfileResponse.init), nextCursor: page.nextCursor)
    }

    @Sendable func summary(_ request: Request, context: CorrelatorRequestContext) async throws -> ProfileSummaryResponse {
        let id = try context.parameters.require("id")
        guard let (profile, top) = try await withDatabaseErrors({ try await catalog.profile(tenant: context.tenant, id: id) }) else {
            throw HTTPError(.notFound, message: "profile \(id) is unknown")
        }
        return ProfileSummaryResponse(profile: ProfileResponse(profile), top: top)
    }

    @Sendable func flameGraph(_ request: Request, context: CorrelatorRequestContext) async throws -> FlameGraphResponse {
        let id = try context.parameters.require("id")
        let parameters = QueryParameters(request)
        let spanID = try parameters.string("span_id").map { try HexID.span($0) }
        guard let raw = try await withDatabaseErrors({ try await catalog.raw(tenant: context.tenant, id: id) }) else {
            throw HTTPError(.notFound, message: "profile \(id) is unknown or its pprof was not kept")
        }
        let profile: Profile
        do {
            profile = try PprofDecoder().decode(raw)
        } catch {
            throw HTTPError(.internalServerError, message: "stored profile \(id) does not decode: \(error)")
        }
        let sampleType = parameters.string("sample_type")
        guard let index = profile.sampleTypeIndex(named: sampleType) else {
            let known = profile.sampleTypes.map(\.type).joined(separator: ", ")
            throw HTTPError(.badRequest, message: "sample_type: profile \(id) has no sample type '\(sampleType ?? "")' (it has \(known))")
        }
        let root = profile.flameGraph(sampleTypeIndex: index, spanID: spanID)
        return FlameGraphResponse(
            profileID: id, sampleType: profile.sampleTypes[index], spanID: spanID, root: root
        )
    }

    @Sendable func diff(_ request: Request, context: CorrelatorRequestContext) async throws -> DiffResponse {
        let parameters = QueryParameters(request)
        guard let service = parameters.string("service") else {
            throw HTTPError(.badRequest, message: "service: required")
        }
        let type = parameters.string("type") ?? "cpu"
        let current = try parameters.range()
        let baseDefaultEnd = current.from
        let baseTo = try parameters.time("base_to") ?? baseDefaultEnd
        let baseFrom = try parameters.time("base_from") ?? (baseTo - (current.to - current.from))
        guard baseFrom < baseTo else { throw HTTPError(.badRequest, message: "base_from must be before base_to") }
        let base = TimeRange(from: baseFrom, to: baseTo)
        let sampleType = parameters.string("sample_type")
        let (baseSummary, newSummary) = try await withDatabaseErrors {
            async let baseSummary = catalog.windowSummary(tenant: context.tenant, service: service, type: type, range: base, sampleType: sampleType)
            async let newSummary = catalog.windowSummary(tenant: context.tenant, service: service, type: type, range: current, sampleType: sampleType)
            return try await (baseSummary, newSummary)
        }
        guard let newSummary else {
            throw HTTPError(.notFound, message: "no \(type) profiles of service \(service) between \(Timestamp.rfc3339(current.from)) and \(Timestamp.rfc3339(current.to))\(sampleType.map { " with sample type \($0)" } ?? "")")
        }
        guard let baseSummary else {
            throw HTTPError(.notFound, message: "no \(type) profiles of service \(service) in the base window \(Timestamp.rfc3339(base.from)) to \(Timestamp.rfc3339(base.to))")
        }
        guard let diff = ProfileDiff(base: baseSummary, new: newSummary) else {
            throw HTTPError(.badRequest, message: "sample_type: the windows do not share sample type \(newSummary.sampleTypes[0].type)")
        }
        let limit = try parameters.limit(default: 100, maximum: 10000)
        return DiffResponse(
            service: service, type: type, sampleType: diff.sampleType,
            base: .init(from: Timestamp.rfc3339(base.from), to: Timestamp.rfc3339(base.to), profiles: baseSummary.sampleCount, total: diff.baseTotal),
            current: .init(from: Timestamp.rfc3339(current.from), to: Timestamp.rfc3339(current.to), profiles: newSummary.sampleCount, total: diff.newTotal),
            scale: diff.scale,
            functions: diff.entries.prefix(limit).map { entry in
                DiffResponse.Entry(
                    function: entry.name, file: entry.filename, baseFlat: entry.baseFlat, baseCum: entry.baseCum,
                    flat: entry.newFlat, cum: entry.newCum, flatDelta: entry.flatDelta, cumDelta: entry.cumDelta,
                    flatRelative: entry.flatRelative, cumRelative: entry.cumRelative
                )
            }
        )
    }
}

struct ProfileResponse: Codable, Sendable {
    var profileID: String
    var service: String
    var type: String
    var start: String
    var end: String
    var durationSeconds: Double
    var sampleTypes: [ProfileValueType]
    var defaultSampleType: String
    var totals: [Int64]
    var sampleCount: Int
    var labels: [String: String]

    enum CodingKeys: String, CodingKey {
        case profileID = "profile_id", service, type, start, end, durationSeconds = "duration_seconds"
        case sampleTypes = "sample_types", defaultSampleType = "default_sample_type", totals, sampleCount = "sample_count", labels
    }

    init(_ profile: StoredProfile) {
        profileID = profile.profileID
        service = profile.service
        type = profile.type
        start = Timestamp.rfc3339(profile.startNanos)
        end = Timestamp.rfc3339(profile.startNanos + profile.durationNanos)
        durationSeconds = Double(profile.durationNanos) / 1e9
        sampleTypes = profile.sampleTypes
        defaultSampleType = profile.sampleTypes.indices.contains(profile.defaultSampleType) ? profile.sampleTypes[profile.defaultSampleType].type : ""
        totals = profile.totals
        sampleCount = profile.sampleCount
        labels = LabelsJSON.object(profile.labelsJSON)
    }
}

struct ProfileListResponse: ResponseEncodable, Sendable {
    var profiles: [ProfileResponse]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case profiles, nextCursor = "next_cursor"
    }
}

struct ProfileSummaryResponse: ResponseEncodable, Sendable {
    var profile: ProfileResponse
    var top: [TopFunction]
}

struct FlameGraphResponse: ResponseEncodable, Sendable {
    var profileID: String
    var sampleType: ProfileValueType
    var spanID: String?
    var root: FlameGraphNode

    enum CodingKeys: String, CodingKey {
        case profileID = "profile_id", sampleType = "sample_type", spanID = "span_id", root
    }
}

struct DiffResponse: ResponseEncodable, Sendable {
    struct Window: Codable, Sendable {
        var from: String
        var to: String
        var profiles: Int
        var total: Int64
    }

    struct Entry: Codable, Sendable {
        var function: String
        var file: String
        var baseFlat: Double
        var baseCum: Double
        var flat: Int64
        var cum: Int64
        var flatDelta: Double
        var cumDelta: Double
        var flatRelative: Double?
        var cumRelative: Double?

        enum CodingKeys: String, CodingKey {
            case function, file, baseFlat = "base_flat", baseCum = "base_cum", flat, cum
            case flatDelta = "flat_delta", cumDelta = "cum_delta", flatRelative = "flat_relative", cumRelative = "cum_relative"
        }
    }

    var service: String
    var type: String
    var sampleType: ProfileValueType
    var base: Window
    var current: Window
    var scale: Double
    var functions: [Entry]

    enum CodingKeys: String, CodingKey {
        case service, type, sampleType = "sample_type", base, current, scale, functions
    }
}
