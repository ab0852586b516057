import Exemplars
import Foundation
import PostgresNIO
import ProfileIndex

/// Which stored profiles a merge adds up, and which of their sample types.
public struct ProfileMergeQuery: Sendable {
    /// Only this service's profiles; nil: every service (the selector may still pick some with
    /// `service_name`).
    public var service: String?
    public var kind: ProfileKind
    /// A sample type by name (`cpu`, `samples`, `alloc_space`, …); nil: the kind's usual one.
    public var sampleType: String?
    /// Prometheus-style matchers over the profiles' labels (and `service_name` / `service`).
    public var selector: SeriesSelector?
    /// Profiles that start in `[from, to)`, Unix nanoseconds.
    public var from: Int64
    public var to: Int64

    public init(service: String?, kind: ProfileKind, sampleType: String? = nil, selector: SeriesSelector? = nil, from: Int64, to: Int64) {
        self.service = service
        self.kind = kind
        self.sampleType = sampleType
        self.selector = selector
        self.from = from
        self.to = to
    }
}

/// A stored profile series: what ``ProfileSeriesKey`` says, and its fingerprint.
public struct StoredProfileSeries: Sendable, Hashable {
    public var fingerprint: Int64
    public var key: ProfileSeriesKey
}

/// The sample type name asked for is in no selected series.
public struct UnknownMergeSampleTypeError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var available: [String]
    public var description: String {
        "unknown sample type '\(name)'; the selected profiles have: \(available.isEmpty ? "(none)" : available.joined(separator: ", "))"
    }
}

extension ProfileKind {
    /// The sample type a merge of this kind adds up when none is asked for, as Pyroscope and
    /// `go tool pprof` show them by default (heap: in-use bytes, allocs: allocated bytes).
    public var defaultSampleTypes: [String] {
        switch self {
        case .cpu: ["cpu", "samples"]
        case .heap: ["inuse_space"]
        case .allocs: ["alloc_space"]
        case .goroutine: ["goroutine", "goroutines"]
        case .block, .mutex: ["delay", "contentions"]
        }
    }
}

extension Store {
    /// The series of `kind` (of `service`, when given) whose labels match `selector` and that
    /// have a profile on or after the UTC day of `from`.
    ///
    /// With `to`, only the series with a profile in `[from, to)` (one index probe per matching
    /// series, `profile_series_with_profiles()`), as the discovery routes answer.
    public func profileSeries(
        tenant: String, service: String?, kind: ProfileKind?, selector: SeriesSelector?, from: Int64, to: Int64? = nil
    ) async throws -> [StoredProfileSeries] {
        let fromDay = UTCTime.dateString(day: UTCTime.dayNumber(unixNano: from))
        let rows = try await client.query("""
            SELECT series_fp, service, type, labels::text, sample_types::text FROM profile_series ps
            WHERE tenant = \(tenant) AND (\(service)::text IS NULL OR service = \(service))
              AND (\(kind?.rawValue)::text IS NULL OR type = \(kind?.rawValue))
              AND last_day >= \(fromDay)::date
            """, logger: logger)
        var found: [StoredProfileSeries] = []
        let decoder = JSONDecoder()
        for try await (fingerprint, service, type, labelsJSON, typesJSON) in rows.decode((Int64, String, String, String, String).self) {
            let labels = try decoder.decode([String: String].self, from: Data(labelsJSON.utf8))
            let types = try decoder.decode([ProfileValueType].self, from: Data(typesJSON.utf8))
            let key = ProfileSeriesKey(service: service, type: type, labels: labels, sampleTypes: types)
            if let selector, !selector.matches(key.selectorLabels) { continue }
            found.append(StoredProfileSeries(fingerprint: fingerprint, key: key))
        }
        if let to, !found.isEmpty {
            // Probed apart from the series query: on Citus `profile_series` is a reference table
            // and `profile_stacks` is distributed, and Citus runs no correlated subquery from one
            // to the other.
            var present = Set<Int64>()
            for try await fingerprint in try await client.query("""
                SELECT profile_series_with_profiles(\(tenant), \(found.map(\.fingerprint))::bigint[],
                    timestamptz 'epoch' + \(from / 1000) * interval '1 microsecond',
                    timestamptz 'epoch' + \(to / 1000) * interval '1 microsecond')
                """, logger: logger).decode(Int64.self) {
                present.insert(fingerprint)
            }
            found.removeAll { !present.contains($0.fingerprint) }
        }
        return found.sorted { $0.fingerprint < $1.fingerprint }
    }

    /// Adds up the stacks of every profile `query` selects, for one sample type, from the
    /// stack aggregates kept at ingest (no pprof is decoded). `function`: only the stacks that
    /// pass through a function of that name.
    public func mergeProfiles(tenant: String, query: ProfileMergeQuery) async throws -> MergedStacks {
        try await mergeProfiles(tenant: tenant, query: query, knownSeries: nil)
    }

    /// ``mergeProfiles(tenant:query:)`` over series already read (any kinds: those of
    /// `query.kind` are taken), saving the read when one caller merges several kinds.
    func mergeProfiles(tenant: String, query: ProfileMergeQuery, knownSeries: [StoredProfileSeries]?) async throws -> MergedStacks {
        let series: [StoredProfileSeries]
        if let knownSeries {
            series = knownSeries.filter { $0.key.type == query.kind.rawValue && (query.service == nil || $0.key.service == query.service) }
        } else {
            series = try await profileSeries(tenant: tenant, service: query.service, kind: query.kind, selector: query.selector, from: query.from)
        }
        let (sampleType, indexBySeries) = try Self.sampleTypeIndices(series, asked: query.sampleType, kind: query.kind)
        var merged = MergedStacks(sampleType: sampleType)
        guard !indexBySeries.isEmpty else { return merged }
        try await forEachMergeRow(tenant: tenant, series: Array(indexBySeries.keys), from: query.from, to: query.to) { row in
            guard let index = indexBySeries[row.seriesFingerprint] else { return }
            merged.add(row, sampleTypeIndex: index)
        }
        try await resolveStacks(&merged, tenant: tenant)
        return merged
    }

    /// The series' index of the sample type asked for (by name; its unit must be the one of
    /// the first series that has it), or of the kind's default. Series without it are left out.
    static func sampleTypeIndices(_ series: [StoredProfileSeries], asked: String?, kind: ProfileKind) throws -> (ProfileValueType, [Int64: Int]) {
        let names = asked.map { [$0] } ?? kind.defaultSampleTypes
        var chosen: ProfileValueType?
        for name in names {
            if let type = series.lazy.compactMap({ $0.key.sampleTypes.first { $0.type == name } }).first {
                chosen = type
                break
            }
        }
        if chosen == nil, asked == nil, let last = series.first?.key.sampleTypes.last {
            chosen = last
        }
        guard let chosen else {
            if let asked, !series.isEmpty {
                let available = Set(series.flatMap { $0.key.sampleTypes.map(\.type) }).sorted()
                throw UnknownMergeSampleTypeError(name: asked, available: available)
            }
            return (ProfileValueType(type: asked ?? names.first ?? "", unit: ""), [:])
        }
        var indices: [Int64: Int] = [:]
        for one in series {
            if let index = one.key.sampleTypes.firstIndex(of: chosen) { indices[one.fingerprint] = index }
        }
        return (chosen, indices)
    }

    /// One `profile_stacks` row.
    struct ProfileStackRow {
        var seriesFingerprint: Int64
        var startNanos: Int64
        var durationNanos: Int64
        var period: Int64
        var stackIDs: [Int64]
        var values: [Int64]
        /// How many profiles the row sums (a rollup: those of an hour).
        var profiles = 1
    }

    /// Reads the `profile_stacks` rows of `series` starting in `[from, to)`.
    func forEachProfileRow(tenant: String, series: [Int64], from: Int64, to: Int64, _ body: (ProfileStackRow) throws -> Void) async throws {
        let rows = try await client.query("""
            SELECT series_fp, start_unix_nano, duration_ns, period, stack_ids, stack_values FROM profile_stacks
            WHERE tenant = \(tenant) AND series_fp = ANY(\(series)::bigint[])
              AND start_ts >= timestamptz 'epoch' + \(from / 1000) * interval '1 microsecond'
              AND start_ts < timestamptz 'epoch' + \(to / 1000) * interval '1 microsecond'
            """, logger: logger)
        for try await (fingerprint, start, duration, period, ids, values) in rows.decode((Int64, Int64, Int64, Int64, BigintArray, BigintArray).self) {
            try body(ProfileStackRow(seriesFingerprint: fingerprint, startNanos: start, durationNanos: duration, period: period, stackIDs: ids.values, values: values.values))
        }
    }

    /// Fills in the function ids of the merge's stacks and the names of their functions.
    func resolveStacks(_ merged: inout MergedStacks, tenant: String) async throws {
        (merged.stacks, merged.functions) = try await stacks(Array(merged.values.keys), tenant: tenant)
    }

    /// The function ids (root first) of the stacks `ids` from the tenant's dictionary, and
    /// the names of those functions.
    func stacks(_ ids: [Int64], tenant: String) async throws -> (stacks: [Int64: [Int64]], functions: [Int64: ProfileFunction]) {
        guard !ids.isEmpty else { return ([:], [:]) }
        let stackRows = try await client.query("""
            SELECT stack_id, function_ids FROM profile_stack_dictionary
            WHERE tenant = \(tenant) AND stack_id = ANY(\(ids)::bigint[])
            """, logger: logger)
        var stacks: [Int64: [Int64]] = [:]
        var functionIDs = Set<Int64>()
        for try await (id, functions) in stackRows.decode((Int64, BigintArray).self) {
            stacks[id] = functions.values
            functionIDs.formUnion(functions.values)
        }
        let functionRows = try await client.query("""
            SELECT function_id, name, filename FROM functions WHERE function_id = ANY(\(Array(functionIDs))::bigint[])
            """, logger: logger)
        var functions: [Int64: ProfileFunction] = [:]
        for try await (id, name, file) in functionRows.decode((Int64, String, String).self) {
            functions[id] = ProfileFunction(name: name, filename: file)
        }
        return (stacks, functions)
    }
}

/// The merged samples of the profiles a query selected, for one sample type: value per
/// stack, the stacks' functions (root first) and their names.
public struct MergedStacks: Sendable {
    public var sampleType: ProfileValueType
    /// Profiles added up.
    public var profiles = 0
    /// The largest period of the profiles (pprof's merge keeps the largest).
    public var period: Int64 = 0
    /// The earliest start and the summed duration, Unix nanoseconds.
    public var startNanos: Int64 = 0
    public var durationNanos: Int64 = 0
    /// The spans whose samples were merged, for a span-group merge; nil for a merge of whole
    /// profiles.
    public var spans: Int?
    /// Stack id → summed value.
    public var values: [Int64: Int64] = [:]
    /// Stack id → function ids, root first.
    public var stacks: [Int64: [Int64]] = [:]
    public var functions: [Int64: ProfileFunction] = [:]

    public init(sampleType: ProfileValueType) {
        self.sampleType = sampleType
    }

    /// The sum over every stack.
    public var total: Int64 { values.values.reduce(0, &+) }

    mutating func add(_ row: Store.ProfileStackRow, sampleTypeIndex: Int) {
        let stride = row.stackIDs.isEmpty ? 0 : row.values.count / row.stackIDs.count
        guard stride > sampleTypeIndex else { return }
        for (position, id) in row.stackIDs.enumerated() {
            let value = row.values[position * stride + sampleTypeIndex]
            if value != 0 { values[id, default: 0] &+= value }
        }
        startNanos = profiles == 0 ? row.startNanos : min(startNanos, row.startNanos)
        profiles += row.profiles
        period = max(period, row.period)
        durationNanos &+= row.durationNanos
    }
}

/// Which stacks a series query keeps, by the names of their functions.
public enum StackFilter: Sendable, Equatable {
    /// Stacks with a function of this name anywhere.
    case passingThrough(String)
    /// Stacks that start, root first, with functions of these names (Pyroscope's `call_site`).
    case callSite([String])

    func passes(_ frames: [Int64], functions: [Int64: ProfileFunction]) -> Bool {
        switch self {
        case .passingThrough(let name):
            return frames.contains { functions[$0]?.name == name }
        case .callSite(let names):
            guard frames.count >= names.count else { return false }
            return zip(frames, names).allSatisfy { functions[$0]?.name == $1 }
        }
    }
}

/// One line of a merged value over time: the label values of its group and a value per step.
public struct ProfileValueSeries: Sendable {
    /// The `group_by` labels and their values (empty without grouping).
    public var labels: [String: String]
    /// (start of the step in Unix nanoseconds, summed value), steps with profiles only, in order.
    public var points: [(Int64, Int64)]
    /// The number of profiles summed in each point (for averages).
    public var profiles: [Int]
}

extension Store {
    /// The merged value of the profiles `query` selects, per `step` nanoseconds from
    /// `query.from` and per group of `groupBy` label values; with `stackFilter`, only the
    /// samples whose stack passes it. A profile counts in the step its start falls in.
    public func profileValueSeries(
        tenant: String, query: ProfileMergeQuery, step: Int64, groupBy: [String], stackFilter: StackFilter?
    ) async throws -> (ProfileValueType, [ProfileValueSeries]) {
        let series = try await profileSeries(tenant: tenant, service: query.service, kind: query.kind, selector: query.selector, from: query.from)
        let (sampleType, indexBySeries) = try Self.sampleTypeIndices(series, asked: query.sampleType, kind: query.kind)
        guard !indexBySeries.isEmpty, step > 0 else { return (sampleType, []) }
        var groupOf: [Int64: [String: String]] = [:]
        for one in series {
            let labels = one.key.selectorLabels
            // A label the client named twice (`group_by=pod,pod`) groups as once.
            groupOf[one.fingerprint] = Dictionary(groupBy.map { ($0, labels[$0] ?? "") }) { first, _ in first }
        }
        var rows: [ProfileStackRow] = []
        try await forEachProfileRow(tenant: tenant, series: Array(indexBySeries.keys), from: query.from, to: query.to) { rows.append($0) }
        // With a filter: the stacks that pass it, from the dictionary.
        var passing: Set<Int64>?
        if let stackFilter {
            let (stacks, functions) = try await stacks(Array(Set(rows.flatMap(\.stackIDs))), tenant: tenant)
            passing = Set(stacks.filter { stackFilter.passes($0.value, functions: functions) }.map(\.key))
        }
        var sums: [[String: String]: [Int64: (value: Int64, profiles: Int)]] = [:]
        for row in rows {
            guard let index = indexBySeries[row.seriesFingerprint], !row.stackIDs.isEmpty else { continue }
            let stride = row.values.count / row.stackIDs.count
            guard stride > index else { continue }
            var value: Int64 = 0
            for (position, id) in row.stackIDs.enumerated() where passing?.contains(id) ?? true {
                value &+= row.values[position * stride + index]
            }
            let bucket = query.from + (row.startNanos - query.from) / step * step
            sums[groupOf[row.seriesFingerprint] ?? [:], default: [:]][bucket, default: (0, 0)].value &+= value
            sums[groupOf[row.seriesFingerprint] ?? [:], default: [:]][bucket, default: (0, 0)].profiles += 1
        }
        let lines = sums.map { labels, points in
            let sorted = points.sorted { $0.key < $1.key }
            return ProfileValueSeries(labels: labels, points: sorted.map { ($0.key, $0.value.value) }, profiles: sorted.map(\.value.profiles))
        }
        return (sampleType, lines.sorted { $0.labels.sorted(by: <).map(\.value).joined(separator: "\u{0}") < $1.labels.sorted(by: <).map(\.value).joined(separator: "\u{0}") })
    }
}
