import Correlator
import Exemplars
import Foundation
import Hummingbird
import NIOCore
import ProfileIndex

/// Pyroscope's query API (`querier.v1.QuerierService`, Connect unary, `application/proto` or
/// `application/json`), so that Grafana's Pyroscope data source works against Correlator
/// unmodified: discovery (`ProfileTypes`, `LabelNames`, `LabelValues`, `Series`), merged flame
/// graphs, pprof and series, span profiles and diffs. Answered by the merge engine over the
/// stack aggregates (`Store.mergeProfiles`); the messages are stated in
/// `proto/querier/v1/querier.proto`. Times are Unix milliseconds, `[start, end]`.
///
/// Label selectors match a series' labels plus `service_name` and the labels Pyroscope gives
/// every series of a type (`__name__`, `__profile_type__`, …; see ``PyroscopeProfileType``).
struct QuerierController {
    let store: Store
    let limits: IngestLimits

    static let service = "querier.v1.QuerierService"
    /// Pyroscope's default flame graph size when a request sets none.
    static let defaultMaxNodes: Int64 = 8192
    static let largestMaxNodes: Int64 = 1_000_000

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        route(router, "ProfileTypes", request: "ProfileTypesRequest", profileTypes)
        route(router, "LabelNames", request: "LabelNamesRequest", labelNames)
        route(router, "LabelValues", request: "LabelValuesRequest", labelValues)
        route(router, "Series", request: "SeriesRequest", series)
        route(router, "SelectMergeStacktraces", request: "SelectMergeStacktracesRequest", selectMergeStacktraces)
        route(router, "SelectMergeSpanProfile", request: "SelectMergeSpanProfileRequest", selectMergeSpanProfile)
        route(router, "SelectMergeProfile", request: "SelectMergeProfileRequest", selectMergeProfile)
        route(router, "SelectSeries", request: "SelectSeriesRequest", selectSeries)
        route(router, "Diff", request: "DiffRequest", diff)
    }

    /// A unary method: the body in the request's codec, the answer in the same codec, every
    /// refusal in Connect's error shape.
    private func route(
        _ router: Router<CorrelatorRequestContext>, _ method: String, request name: String,
        _ handler: @escaping @Sendable (ConnectMessage, String) async throws -> ConnectResponseMessage
    ) {
        router.post("/\(Self.service)/\(method)") { request, context in
            guard let codec = ConnectCodec(contentType: request.headers[.contentType]) else {
                throw ConnectError(.invalidArgument, "Content-Type '\(request.headers[.contentType] ?? "")' is not a Connect unary codec: send application/proto or application/json")
            }
            do {
                let collected = try await RequestBody.collect(request, limits: limits)
                let body = try RequestBody.decode(collected, contentEncoding: request.headers[.contentEncoding], limits: limits)
                let message: ConnectMessage
                do {
                    message = try ConnectMessage(body, codec: codec, name: name)
                } catch let error as ConnectMessage.DecodingError {
                    throw ConnectError(.invalidArgument, error.description)
                }
                let answer: ConnectResponseMessage
                do {
                    answer = try await withDatabaseErrors { try await handler(message, context.tenant) }
                } catch let error as ConnectMessage.DecodingError {
                    throw ConnectError(.invalidArgument, error.description)
                }
                return codec.response(try answer.encoded(codec))
            } catch let error as HTTPError {
                throw ConnectError(error)
            }
        }
    }

    // MARK: Requests

    /// `start`/`end` (Unix ms) as `[from, to)` in nanoseconds; `end` 0 is now.
    static func range(_ message: ConnectMessage, start: Int, end: Int) throws -> (from: Int64, to: Int64) {
        let startMillis = try message.int64(start, "start") ?? 0
        var endMillis = try message.int64(end, "end") ?? 0
        if endMillis == 0 { endMillis = Int64(Date().timeIntervalSince1970 * 1000) }
        let limit: Int64 = Int64.max / 1_000_000 - 1
        guard (0...limit).contains(startMillis), (0...limit).contains(endMillis), startMillis <= endMillis else {
            throw ConnectError(.invalidArgument, "\(message.path).start, end: Unix milliseconds with start <= end, got \(startMillis) and \(endMillis)")
        }
        return (startMillis * 1_000_000, (endMillis + 1) * 1_000_000)
    }

    static func profileType(_ message: ConnectMessage, _ number: Int) throws -> PyroscopeProfileType {
        let text = try message.string(number, "profile_typeID")
        guard let type = PyroscopeProfileType(id: text) else {
            throw ConnectError(.invalidArgument, "\(message.path).profile_typeID: '\(text.prefix(120))' is not <name>:<sample type>:<sample unit>:<period type>:<period unit> (e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds)")
        }
        guard !type.kinds.isEmpty else {
            throw ConnectError(.invalidArgument, "\(message.path).profile_typeID: unknown profile type name '\(type.name.prefix(80))'; known: process_cpu, memory, goroutine, block, mutex")
        }
        return type
    }

    /// A label selector (`{service_name="api"}`); empty selects everything.
    static func selector(_ text: String, field: String) throws -> SeriesSelector? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed != "{}" else { return nil }
        do {
            return try SeriesSelector(parsing: trimmed, allowingEmptyMatch: true)
        } catch {
            throw ConnectError(.invalidArgument, "\(field): \(error) in '\(trimmed.prefix(200))'")
        }
    }

    static func maxNodes(_ message: ConnectMessage, _ number: Int) throws -> Int {
        let asked = try message.int64(number, "max_nodes") ?? 0
        guard (0...largestMaxNodes).contains(asked) else {
            throw ConnectError(.invalidArgument, "\(message.path).max_nodes: from 1 to \(largestMaxNodes) (0: \(defaultMaxNodes)), got \(asked)")
        }
        return Int(asked == 0 ? defaultMaxNodes : asked)
    }

    /// `stack_trace_selector.call_site[].name`: the stacks' root-first prefix.
    static func callSite(_ message: ConnectMessage, _ number: Int) throws -> [String] {
        guard let selector = try message.message(number, "stack_trace_selector") else { return [] }
        return try selector.messages(1, "call_site").map { try $0.string(1, "name") }
    }

    // MARK: Series and their labels

    /// A stored series as one of its Pyroscope types, with the labels selectors see.
    struct TypedSeries {
        var series: StoredProfileSeries
        var type: PyroscopeProfileType
        var labels: [String: String]
    }

    /// The stored series with a profile in `[from, to)`, one entry per type, that match any of
    /// `matchers` (all when there are none).
    func typedSeries(tenant: String, from: Int64, to: Int64, matchers: [SeriesSelector]) async throws -> [TypedSeries] {
        var found: [TypedSeries] = []
        for one in try await store.profileSeries(tenant: tenant, service: nil, kind: nil, selector: nil, from: from, to: to) {
            var labels = one.key.labels
            if labels["service_name"] == nil { labels["service_name"] = one.key.service }
            for type in PyroscopeProfileType.types(of: one.key) {
                let all = labels.merging(type.reservedLabels) { mine, _ in mine }
                let set = LabelSet(all.map { Label(name: $0.key, value: $0.value) })
                guard matchers.isEmpty || matchers.contains(where: { $0.matches(set) }) else { continue }
                found.append(TypedSeries(series: one, type: type, labels: all))
            }
        }
        return found
    }

    func matchers(_ message: ConnectMessage, _ number: Int) throws -> [SeriesSelector] {
        try message.strings(number, "matchers").enumerated().compactMap { index, text in
            try Self.selector(text, field: "\(message.path).matchers[\(index)]")
        }
    }

    // MARK: Methods

    @Sendable func profileTypes(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let (from, to) = try Self.range(message, start: 1, end: 2)
        let types = Set(try await typedSeries(tenant: tenant, from: from, to: to, matchers: []).map(\.type))
        return ConnectResponseMessage {
            $0.set(1, "profileTypes", .messages(types.sorted { $0.id < $1.id }.map { type in
                ConnectResponseMessage {
                    $0.set(1, "ID", .string(type.id))
                    $0.set(2, "name", .string(type.name))
                    $0.set(4, "sampleType", .string(type.sampleType))
                    $0.set(5, "sampleUnit", .string(type.sampleUnit))
                    $0.set(6, "periodType", .string(type.periodType))
                    $0.set(7, "periodUnit", .string(type.periodUnit))
                }
            }))
        }
    }

    @Sendable func labelNames(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let matchers = try matchers(message, 1)
        let (from, to) = try Self.range(message, start: 2, end: 3)
        let names = Set(try await typedSeries(tenant: tenant, from: from, to: to, matchers: matchers).flatMap(\.labels.keys))
        return ConnectResponseMessage { $0.set(1, "names", .strings(names.sorted())) }
    }

    @Sendable func labelValues(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let name = try message.string(1, "name")
        guard !name.isEmpty else { throw ConnectError(.invalidArgument, "\(message.path).name: the label name is required") }
        let matchers = try matchers(message, 2)
        let (from, to) = try Self.range(message, start: 3, end: 4)
        let values = Set(try await typedSeries(tenant: tenant, from: from, to: to, matchers: matchers).compactMap { $0.labels[name] }.filter { !$0.isEmpty })
        return ConnectResponseMessage { $0.set(1, "names", .strings(values.sorted())) }
    }

    @Sendable func series(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let matchers = try matchers(message, 1)
        let names = Set(try message.strings(2, "label_names"))
        let (from, to) = try Self.range(message, start: 3, end: 4)
        var sets = Set<[String: String]>()
        for one in try await typedSeries(tenant: tenant, from: from, to: to, matchers: matchers) {
            sets.insert(names.isEmpty ? one.labels : one.labels.filter { names.contains($0.key) })
        }
        let sorted = sets.map { $0.sorted { $0.key < $1.key } }.sorted { $0.map { "\($0.key)=\($0.value)" }.lexicographicallyPrecedes($1.map { "\($0.key)=\($0.value)" }) }
        return ConnectResponseMessage {
            $0.set(2, "labelsSet", .messages(sorted.map { labels in
                ConnectResponseMessage { $0.set(1, "labels", .messages(labels.map { Self.labelPair($0.key, $0.value) })) }
            }))
        }
    }

    /// What a select merges: the profiles of `type` in `[from, to)` whose series match
    /// `selectorText`.
    struct Selection {
        var type: PyroscopeProfileType
        var selector: SeriesSelector?
        /// The matchers on Pyroscope's reserved labels (`__name__`, …) hold for `type`.
        var typeMatches: Bool
        var from: Int64
        var to: Int64

        var emptyMerge: MergedStacks { MergedStacks(sampleType: ProfileValueType(type: type.sampleType, unit: type.sampleUnit)) }

        func query(_ kind: ProfileKind) -> ProfileMergeQuery {
            ProfileMergeQuery(service: nil, kind: kind, sampleType: type.sampleType, selector: selector, from: from, to: to)
        }
    }

    static func selection(_ message: ConnectMessage, type typeField: Int, selector selectorField: Int, start: Int, end: Int) throws -> Selection {
        let type = try profileType(message, typeField)
        let parsed = try selector(try message.string(selectorField, "label_selector"), field: "\(message.path).label_selector")
        let (from, to) = try range(message, start: start, end: end)
        // Matchers on the reserved labels are decided here, against the type; the rest go to
        // the merge, against each series' labels.
        let reserved = type.reservedLabels
        let (onType, onSeries) = (parsed?.matchers ?? []).reduce(into: ([LabelMatcher](), [LabelMatcher]())) { split, matcher in
            if reserved[matcher.name] != nil { split.0.append(matcher) } else { split.1.append(matcher) }
        }
        let typeSet = LabelSet(reserved.map { Label(name: $0.key, value: $0.value) })
        return Selection(
            type: type, selector: onSeries.isEmpty ? nil : SeriesSelector(matchers: onSeries),
            typeMatches: onType.isEmpty || SeriesSelector(matchers: onType).matches(typeSet), from: from, to: to
        )
    }

    /// What `read` answers for the first of the selection's kinds (`memory` is heap or allocs)
    /// where `found` holds it; `none` when no kind does, or the selection's matchers on
    /// Pyroscope's reserved labels exclude its type.
    func firstKind<Answer>(
        _ selection: Selection, none: Answer, found: (Answer) -> Bool, _ read: (ProfileKind) async throws -> Answer
    ) async throws -> Answer {
        guard selection.typeMatches else { return none }
        for kind in selection.type.kinds {
            do {
                let answer = try await read(kind)
                if found(answer) { return answer }
            } catch is UnknownMergeSampleTypeError {
                continue
            }
        }
        return none
    }

    /// The merge of a selection: of the first of the type's kinds that has profiles in range.
    func merge(_ selection: Selection, tenant: String, callSite: [String] = []) async throws -> MergedStacks {
        try await firstKind(selection, none: selection.emptyMerge, found: { $0.profiles > 0 }) { kind in
            try await store.mergeProfiles(tenant: tenant, query: selection.query(kind))
        }.keepingStacks(withCallSite: callSite)
    }

    @Sendable func selectMergeStacktraces(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let selection = try Self.selection(message, type: 1, selector: 2, start: 3, end: 4)
        let maxNodes = try Self.maxNodes(message, 5)
        let format = try message.enumValue(6, "format", names: Self.formats)
        let callSite = try Self.callSite(message, 7)
        let merged = try await merge(selection, tenant: tenant, callSite: callSite)
        switch format {
        case 0, 1:
            return ConnectResponseMessage { $0.set(1, "flamegraph", .message(Self.flameGraph(merged.levelFlameGraph(maxNodes: maxNodes)))) }
        case 4:
            return ConnectResponseMessage { $0.set(5, "pprof", .message(ConnectResponseMessage { $0.set(1, "profile", Self.profile(merged)) })) }
        default:
            throw ConnectError(.unimplemented, "\(message.path).format: \(Self.formats.indices.contains(format) ? Self.formats[format] : String(format)) is not served; ask PROFILE_FORMAT_FLAMEGRAPH or PROFILE_FORMAT_PPROF")
        }
    }

    static let formats = ["PROFILE_FORMAT_UNSPECIFIED", "PROFILE_FORMAT_FLAMEGRAPH", "PROFILE_FORMAT_TREE", "PROFILE_FORMAT_DOT", "PROFILE_FORMAT_PPROF"]

    @Sendable func selectMergeSpanProfile(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let selection = try Self.selection(message, type: 1, selector: 2, start: 4, end: 5)
        let spanIDs = try message.strings(3, "span_selector").enumerated().map { index, text in
            let id = text.lowercased()
            guard id.utf8.count == 16, id.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }) else {
                throw ConnectError(.invalidArgument, "\(message.path).span_selector[\(index)]: '\(text.prefix(40))' is not a span id (16 hex digits)")
            }
            return id
        }
        let maxNodes = try Self.maxNodes(message, 6)
        let format = try message.enumValue(7, "format", names: Self.formats)
        guard format <= 1 else {
            throw ConnectError(.unimplemented, "\(message.path).format: only the flame graph is served for span profiles")
        }
        let merged = try await firstKind(selection, none: selection.emptyMerge, found: { $0.profiles > 0 }) { kind in
            try await store.mergeSpanProfiles(tenant: tenant, query: selection.query(kind), spanIDs: spanIDs)
        }
        return ConnectResponseMessage { $0.set(1, "flamegraph", .message(Self.flameGraph(merged.levelFlameGraph(maxNodes: maxNodes)))) }
    }

    /// Answers a `google.v1.Profile` itself (not wrapped): its fields are the response's.
    @Sendable func selectMergeProfile(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let selection = try Self.selection(message, type: 1, selector: 2, start: 3, end: 4)
        _ = try Self.maxNodes(message, 5)
        let merged = try await merge(selection, tenant: tenant, callSite: try Self.callSite(message, 6))
        return ConnectResponseMessage(wholeMessage: Self.profile(merged))
    }

    @Sendable func selectSeries(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        let selection = try Self.selection(message, type: 1, selector: 2, start: 3, end: 4)
        let groupBy = try message.strings(5, "group_by")
        let stepSeconds = try message.double(6, "step") ?? 0
        let span = selection.to - selection.from
        let step: Int64
        if stepSeconds == 0 {
            step = max(1_000_000_000, span / 200)
        } else {
            guard stepSeconds.isFinite, stepSeconds >= 0.001, stepSeconds <= 3_155_760_000 else {
                throw ConnectError(.invalidArgument, "\(message.path).step: seconds from 0.001 to 100 years, got \(stepSeconds)")
            }
            step = Int64(stepSeconds * 1e9)
        }
        guard span / step <= 11_000 else {
            throw ConnectError(.invalidArgument, "\(message.path).step: more than 11,000 points over the range; use a larger step")
        }
        let average = try message.enumValue(7, "aggregation", names: ["TIME_SERIES_AGGREGATION_TYPE_SUM", "TIME_SERIES_AGGREGATION_TYPE_AVERAGE"]) == 1
        let callSite = try Self.callSite(message, 8)
        let limit = try message.int64(9, "limit") ?? 0
        guard limit >= 0 else { throw ConnectError(.invalidArgument, "\(message.path).limit: not negative, got \(limit)") }
        var lines = try await firstKind(selection, none: [], found: { !$0.isEmpty }) { kind in
            try await store.profileValueSeries(
                tenant: tenant, query: selection.query(kind), step: step, groupBy: groupBy,
                stackFilter: callSite.isEmpty ? nil : .callSite(callSite)
            ).1
        }
        if limit > 0, lines.count > limit {
            lines = Array(lines.sorted { $0.points.reduce(0) { $0 &+ $1.1 } > $1.points.reduce(0) { $0 &+ $1.1 } }.prefix(Int(limit)))
        }
        return ConnectResponseMessage {
            $0.set(1, "series", .messages(lines.map { line in
                ConnectResponseMessage {
                    $0.set(1, "labels", .messages(line.labels.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { Self.labelPair($0.key, $0.value) }))
                    $0.set(2, "points", .messages(zip(line.points, line.profiles).map { point, profiles in
                        ConnectResponseMessage {
                            $0.set(1, "value", .double(average ? Double(point.1) / Double(max(1, profiles)) : Double(point.1)))
                            $0.set(2, "timestamp", .int64(point.0 / 1_000_000))
                        }
                    }))
                }
            }))
        }
    }

    @Sendable func diff(_ message: ConnectMessage, tenant: String) async throws -> ConnectResponseMessage {
        guard let leftMessage = try message.message(1, "left"), let rightMessage = try message.message(2, "right") else {
            throw ConnectError(.invalidArgument, "\(message.path): left and right are required")
        }
        let left = try Self.selection(leftMessage, type: 1, selector: 2, start: 3, end: 4)
        let right = try Self.selection(rightMessage, type: 1, selector: 2, start: 3, end: 4)
        // The left side's max_nodes, else the right's (Grafana sets both alike).
        let leftAsks = (try leftMessage.int64(5, "max_nodes") ?? 0) != 0
        let maxNodes = try Self.maxNodes(leftAsks ? leftMessage : rightMessage, 5)
        _ = try Self.maxNodes(leftAsks ? rightMessage : leftMessage, 5)
        let leftMerge = try await merge(left, tenant: tenant, callSite: try Self.callSite(leftMessage, 7))
        let rightMerge = try await merge(right, tenant: tenant, callSite: try Self.callSite(rightMessage, 7))
        let graph = MergedStacks.levelFlameGraphDiff(left: leftMerge, right: rightMerge, maxNodes: maxNodes)
        return ConnectResponseMessage {
            $0.set(1, "flamegraph", .message(ConnectResponseMessage {
                $0.set(1, "names", .strings(graph.names))
                $0.set(2, "levels", .messages(graph.levels.map { level in ConnectResponseMessage { $0.set(1, "values", .int64s(level)) } }))
                $0.set(3, "total", .int64(graph.total))
                $0.set(4, "maxSelf", .int64(graph.maxSelf))
                $0.set(5, "leftTicks", .int64(graph.leftTicks))
                $0.set(6, "rightTicks", .int64(graph.rightTicks))
            }))
        }
    }

    // MARK: Answers

    static func labelPair(_ name: String, _ value: String) -> ConnectResponseMessage {
        ConnectResponseMessage {
            $0.set(1, "name", .string(name))
            $0.set(2, "value", .string(value))
        }
    }

    static func flameGraph(_ graph: LevelFlameGraph) -> ConnectResponseMessage {
        ConnectResponseMessage {
            $0.set(1, "names", .strings(graph.names))
            $0.set(2, "levels", .messages(graph.levels.map { level in ConnectResponseMessage { $0.set(1, "values", .int64s(level)) } }))
            $0.set(3, "total", .int64(graph.total))
            $0.set(4, "maxSelf", .int64(graph.maxSelf))
        }
    }

    /// The merge as a `google.v1.Profile` (pprof, uncompressed); in JSON, protobuf's JSON
    /// mapping of the same message.
    static func profile(_ merged: MergedStacks) -> ConnectResponseMessage.Value {
        .encodedMessage(merged.pprofEncoder().encoded(), json: PprofJSON.object(merged))
    }
}
