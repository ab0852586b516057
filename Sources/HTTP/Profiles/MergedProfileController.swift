import Correlator
import Exemplars
import Foundation
import Hummingbird
import NIOCore
import ProfileIndex

/// Profiles merged over a time range and a label selector, as every profiler queries them
/// (Pyroscope's `SelectMergeStacktraces`, Parca's merge): the flame graph, top functions, one
/// pprof, the value over time and a diff, plus the discovery of types and labels. Answered
/// from the stack aggregates kept at ingest (`profile_stacks`), never by decoding pprof.
struct MergedProfileController {
    let store: Store

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/api/v1/query/flamegraph") { request, context in try await flameGraph(request, context: context) }
        router.get("/api/v1/query/top") { request, context in try await top(request, context: context) }
        router.get("/api/v1/query/pprof") { request, context in try await pprof(request, context: context) }
        router.get("/api/v1/query/series") { request, context in try await series(request, context: context) }
        router.get("/api/v1/query/diff") { request, context in try await diff(request, context: context) }
        router.get("/api/v1/profile-types") { request, context in try await profileTypes(request, context: context) }
        router.get("/api/v1/labels") { request, context in try await labelNames(request, context: context) }
        router.get("/api/v1/labels/{name}/values") { request, context in try await labelValues(request, context: context) }
    }

    // MARK: Parameters

    /// `selector`: Prometheus matchers; a malformed one is a 400 naming the column.
    static func selector(_ parameters: QueryParameters, name: String = "selector") throws -> SeriesSelector? {
        guard let text = parameters.string(name) else { return nil }
        do {
            return try SeriesSelector(parsing: text, allowingEmptyMatch: true)
        } catch {
            throw HTTPError(.badRequest, message: "\(name): \(error) in '\(text.prefix(200))'")
        }
    }

    /// `type` (default `cpu`): one of the stored kinds, or a name Pyroscope uses for one.
    static func kind(_ parameters: QueryParameters, required: Bool = false) throws -> ProfileKind? {
        guard let text = parameters.string("type") else {
            if required { return .cpu }
            return nil
        }
        guard let kind = ProfileKind(name: text) else {
            throw HTTPError(.badRequest, message: "type: unknown profile type '\(text.prefix(80))'; known: \(ProfileKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    /// The longest range a query may span (100 years): every difference of its times fits.
    static let longestRange: Int64 = 3_155_760_000 * 1_000_000_000

    static func mergeQuery(_ parameters: QueryParameters, prefix: String = "", range: TimeRange? = nil) throws -> ProfileMergeQuery {
        let range = try range ?? parameters.range()
        let (span, overflow) = range.to.subtractingReportingOverflow(range.from)
        guard !overflow, span <= longestRange else {
            throw HTTPError(.badRequest, message: "from/to: a range of at most 100 years")
        }
        return ProfileMergeQuery(
            service: parameters.string("service"), kind: try kind(parameters, required: true) ?? .cpu,
            sampleType: parameters.string("sample_type"), selector: try selector(parameters, name: prefix + "selector"),
            from: range.from, to: range.to
        )
    }

    /// `max_nodes` (default 2,048; 1…100,000): the most nodes a tree has.
    static func maxNodes(_ parameters: QueryParameters) throws -> Int {
        guard let text = parameters.string("max_nodes") else { return 2048 }
        guard let value = Int(text), (1...100_000).contains(value) else {
            throw HTTPError(.badRequest, message: "max_nodes: expected an integer from 1 to 100000, got '\(text.prefix(40))'")
        }
        return value
    }

    /// The span group of `span_name`, `min_duration` (100ms, 1.5s) and `slowest` (5%); nil when
    /// none is given.
    static func spanGroup(_ parameters: QueryParameters) throws -> SpanGroup? {
        let name = parameters.string("span_name")
        let minimum = try parameters.string("min_duration").map { try TempoController.goDuration($0, name: "min_duration") }
        var slowest: Double?
        if let text = parameters.string("slowest") {
            let number = text.hasSuffix("%") ? String(text.dropLast()) : text
            guard let percent = Double(number), percent > 0, percent <= 100 else {
                throw HTTPError(.badRequest, message: "slowest: a percentage above 0 and at most 100 (5%), got '\(text.prefix(40))'")
            }
            slowest = percent
        }
        guard name != nil || minimum != nil || slowest != nil else { return nil }
        return SpanGroup(spanName: name, minDurationNanos: minimum, slowestPercent: slowest)
    }

    /// The merge of whole profiles, or with a span group the merge of its spans' samples only.
    func merge(_ query: ProfileMergeQuery, tenant: String, group: SpanGroup? = nil) async throws -> MergedStacks {
        do {
            return try await withDatabaseErrors {
                guard var group else { return try await store.mergeProfiles(tenant: tenant, query: query) }
                group.service = group.service ?? query.service
                let (ids, _) = try await store.spanGroupIDs(tenant: tenant, group: group, from: query.from, to: query.to)
                var merged = try await store.mergeSpanProfiles(tenant: tenant, query: query, spanIDs: ids)
                merged.spans = ids.count
                return merged
            }
        } catch let error as UnknownMergeSampleTypeError {
            throw HTTPError(.badRequest, message: "sample_type: \(error)")
        }
    }

    // MARK: Routes

    @Sendable func flameGraph(_ request: Request, context: CorrelatorRequestContext) async throws -> MergedFlameGraphResponse {
        let parameters = QueryParameters(request)
        let maxNodes = try Self.maxNodes(parameters)
        let merged = try await merge(try Self.mergeQuery(parameters), tenant: context.tenant, group: try Self.spanGroup(parameters))
        return MergedFlameGraphResponse(
            sampleType: merged.sampleType, profiles: merged.profiles, spans: merged.spans, total: merged.total,
            root: merged.flameGraph(maxNodes: maxNodes)
        )
    }

    @Sendable func top(_ request: Request, context: CorrelatorRequestContext) async throws -> MergedTopResponse {
        let parameters = QueryParameters(request)
        let limit = try parameters.limit(default: 100, maximum: 100_000)
        let merged = try await merge(try Self.mergeQuery(parameters), tenant: context.tenant, group: try Self.spanGroup(parameters))
        return MergedTopResponse(
            sampleType: merged.sampleType, unit: merged.sampleType.unit, profiles: merged.profiles, spans: merged.spans, total: merged.total,
            functions: merged.top(limit: limit)
        )
    }

    @Sendable func pprof(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let parameters = QueryParameters(request)
        let query = try Self.mergeQuery(parameters)
        let merged = try await merge(query, tenant: context.tenant, group: try Self.spanGroup(parameters))
        let name = "\(query.service ?? "merged")-\(query.kind.rawValue).pb.gz"
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(name)\""],
            body: .init(byteBuffer: ByteBuffer(bytes: try merged.pprof()))
        )
    }

    @Sendable func series(_ request: Request, context: CorrelatorRequestContext) async throws -> MergedSeriesResponse {
        let parameters = QueryParameters(request)
        let query = try Self.mergeQuery(parameters)
        let step: Int64
        if let text = parameters.string("step") {
            // At most 100 years, so the nanoseconds never overflow.
            let seconds = PrometheusDuration.parse(text).map { Double($0.components.seconds) } ?? Double(text)
            guard let seconds, seconds.isFinite, (1...3_155_760_000).contains(seconds) else {
                throw HTTPError(.badRequest, message: "step: expected a duration from 1s to 100y (15s, 1m) or seconds, got '\(text.prefix(40))'")
            }
            step = Int64(seconds * 1e9)
        } else {
            // About 200 points over the range, at least a second.
            step = max(1_000_000_000, (query.to - query.from) / 200)
        }
        guard (query.to - query.from) / step <= 11_000 else {
            throw HTTPError(.badRequest, message: "step: more than 11,000 points over the range; use a larger step")
        }
        let groupBy = parameters.string("group_by").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        let function = parameters.string("function")
        let (sampleType, lines) = try await withDatabaseErrors {
            do {
                return try await store.profileValueSeries(tenant: context.tenant, query: query, step: step, groupBy: groupBy, stackFilter: function.map(StackFilter.passingThrough))
            } catch let error as UnknownMergeSampleTypeError {
                throw HTTPError(.badRequest, message: "sample_type: \(error)")
            }
        }
        return MergedSeriesResponse(
            sampleType: sampleType, stepSeconds: Double(step) / 1e9, function: function,
            series: lines.map { line in
                .init(labels: line.labels, points: line.points.map { [Double($0.0) / 1e9, Double($0.1)] })
            }
        )
    }

    @Sendable func diff(_ request: Request, context: CorrelatorRequestContext) async throws -> MergedDiffResponse {
        let parameters = QueryParameters(request)
        let maxNodes = try Self.maxNodes(parameters)
        let current = try Self.mergeQuery(parameters)
        let span = current.to - current.from
        let baseTo = try parameters.time("baseline_to") ?? current.from
        let baseFrom = try parameters.time("baseline_from") ?? (baseTo &- span)
        guard baseFrom < baseTo, baseTo &- baseFrom <= Self.longestRange, baseTo &- baseFrom > 0 else {
            throw HTTPError(.badRequest, message: "baseline_from must be before baseline_to, at most 100 years apart")
        }
        var baseline = current
        baseline.from = baseFrom
        baseline.to = baseTo
        if parameters.string("baseline_selector") != nil {
            baseline.selector = try Self.selector(parameters, name: "baseline_selector")
        }
        let group = try Self.spanGroup(parameters)
        let merged = try await merge(current, tenant: context.tenant, group: group)
        var base = try await merge(baseline, tenant: context.tenant, group: group)
        if base.sampleType != merged.sampleType, merged.profiles > 0, base.profiles > 0 {
            throw HTTPError(.badRequest, message: "sample_type: the baseline has \(base.sampleType), the current range \(merged.sampleType)")
        }
        base.sampleType = merged.sampleType
        return MergedDiffResponse(
            sampleType: merged.sampleType,
            baseline: .init(from: Timestamp.rfc3339(baseFrom), to: Timestamp.rfc3339(baseTo), profiles: base.profiles, total: base.total),
            current: .init(from: Timestamp.rfc3339(current.from), to: Timestamp.rfc3339(current.to), profiles: merged.profiles, total: merged.total),
            root: MergedStacks.diffTree(baseline: base, current: merged, maxNodes: maxNodes)
        )
    }

    /// The stored series the discovery routes describe: `service`, `type` and `selector` as
    /// the merges take them, with a profile in `[from, to)` (default: the last 24 hours).
    func matchingSeries(_ request: Request, context: CorrelatorRequestContext) async throws -> [StoredProfileSeries] {
        let parameters = QueryParameters(request)
        let range = try parameters.range(defaultSpan: 86_400_000_000_000)
        let (service, kind, selector) = (parameters.string("service"), try Self.kind(parameters), try Self.selector(parameters))
        return try await withDatabaseErrors {
            try await store.profileSeries(tenant: context.tenant, service: service, kind: kind, selector: selector, from: range.from, to: range.to)
        }
    }

    @Sendable func profileTypes(_ request: Request, context: CorrelatorRequestContext) async throws -> ProfileTypesResponse {
        var byType: [String: (sampleTypes: [ProfileValueType], services: Set<String>)] = [:]
        for one in try await matchingSeries(request, context: context) {
            var entry = byType[one.key.type] ?? ([], [])
            for type in one.key.sampleTypes where !entry.sampleTypes.contains(type) { entry.sampleTypes.append(type) }
            entry.services.insert(one.key.service)
            byType[one.key.type] = entry
        }
        return ProfileTypesResponse(types: byType.sorted { $0.key < $1.key }.map {
            .init(type: $0.key, sampleTypes: $0.value.sampleTypes, services: $0.value.services.sorted())
        })
    }

    /// Label names of the matching series, `service` and `service_name` included.
    @Sendable func labelNames(_ request: Request, context: CorrelatorRequestContext) async throws -> LabelListResponse {
        let series = try await matchingSeries(request, context: context)
        return LabelListResponse(data: Set(series.flatMap { $0.key.selectorLabels.map(\.name) }).sorted())
    }

    /// The values label `name` takes in the matching series.
    @Sendable func labelValues(_ request: Request, context: CorrelatorRequestContext) async throws -> LabelListResponse {
        let name = try context.parameters.require("name")
        let series = try await matchingSeries(request, context: context)
        return LabelListResponse(data: Set(series.compactMap { $0.key.selectorLabels[name] }).sorted())
    }
}

/// `{"sample_type":{"type","unit"},"profiles","spans"?,"total","root"}`, written by hand as
/// `FlameGraphNode.appendJSON` says why.
struct MergedFlameGraphResponse: ResponseGenerator, Sendable {
    var sampleType: ProfileValueType
    var profiles: Int
    /// With a span group: the spans whose samples were merged.
    var spans: Int?
    var total: Int64
    var root: FlameGraphNode

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        buffer.writeStaticString("{\"sample_type\":{\"type\":")
        JSONText.appendString(sampleType.type, to: &buffer)
        buffer.writeStaticString(",\"unit\":")
        JSONText.appendString(sampleType.unit, to: &buffer)
        buffer.writeStaticString("},\"profiles\":")
        buffer.writeString(String(profiles))
        if let spans {
            buffer.writeStaticString(",\"spans\":")
            buffer.writeString(String(spans))
        }
        buffer.writeStaticString(",\"total\":")
        buffer.writeString(String(total))
        buffer.writeStaticString(",\"root\":")
        root.appendJSON(to: &buffer)
        buffer.writeStaticString("}")
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: buffer))
    }
}

struct MergedTopResponse: ResponseEncodable, Sendable {
    var sampleType: ProfileValueType
    var unit: String
    var profiles: Int
    /// With a span group: the spans whose samples were merged.
    var spans: Int?
    var total: Int64
    var functions: [PprofReport.TopEntry]

    enum CodingKeys: String, CodingKey {
        case sampleType = "sample_type", unit, profiles, spans, total, functions
    }
}

struct MergedSeriesResponse: ResponseEncodable, Sendable {
    struct Line: Codable, Sendable {
        var labels: [String: String]
        /// [Unix seconds, value]
        var points: [[Double]]
    }

    var sampleType: ProfileValueType
    var stepSeconds: Double
    var function: String?
    var series: [Line]

    enum CodingKeys: String, CodingKey {
        case sampleType = "sample_type", stepSeconds = "step_seconds", function, series
    }
}

struct MergedDiffResponse: ResponseEncodable, Sendable {
    struct Window: Codable, Sendable {
        var from: String
        var to: String
        var profiles: Int
        var total: Int64
    }

    var sampleType: ProfileValueType
    var baseline: Window
    var current: Window
    var root: DiffFlameGraphNode

    enum CodingKeys: String, CodingKey {
        case sampleType = "sample_type", baseline, current, root
    }
}

struct ProfileTypesResponse: ResponseEncodable, Sendable {
    struct Entry: Codable, Sendable {
        var type: String
        var sampleTypes: [ProfileValueType]
        var services: [String]

        enum CodingKeys: String, CodingKey {
            case type, sampleTypes = "sample_types", services
        }
    }

    var types: [Entry]
}

/// Prometheus's shape for label names and values: `{"status":"success","data":[…]}`.
struct LabelListResponse: ResponseEncodable, Sendable {
    var status = "success"
    var data: [String]

    init(data: [String]) { self.data = data }
}
