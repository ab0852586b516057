import Foundation
import Logging
import NIOCore
import PostgresNIO
import ProfileIndex

/// A stored profile's metadata, as the profile list and summary show it.
public struct StoredProfile: Sendable {
    public var profileID: String
    public var service: String
    public var type: String
    public var sampleTypes: [ProfileValueType]
    public var defaultSampleType: Int
    public var startNanos: Int64
    public var durationNanos: Int64
    /// Labels as a JSON object text, as stored.
    public var labelsJSON: String
    public var totals: [Int64]
    public var sampleCount: Int
}

/// Read access to stored profiles: lists, summaries, the raw pprof, window aggregates for diffs.
public struct ProfileCatalog: Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public struct ListFilter: Sendable {
        public var service: String?
        public var type: String?
        /// Labels every listed profile must carry with these values.
        public var labels: [String: String]
        public var range: TimeRange
        public var limit: Int
        public var cursor: PageCursor?

        public init(service: String? = nil, type: String? = nil, labels: [String: String] = [:], range: TimeRange, limit: Int, cursor: PageCursor? = nil) {
            self.service = service
            self.type = type
            self.labels = labels
            self.range = range
            self.limit = limit
            self.cursor = cursor
        }
    }

    /// Newest first.
    public func list(tenant: String, filter: ListFilter) async throws -> Page<StoredProfile> {
        let labels = String(decoding: try JSONSerialization.data(withJSONObject: filter.labels, options: [.sortedKeys]), as: UTF8.self)
        let afterStart = filter.cursor.flatMap { Int64($0.fields[0]) }
        let afterID = filter.cursor?.fields[1]
        let query: PostgresQuery = """
            SELECT profile_id, service, type, sample_types::text, default_sample_type::int, start_unix_nano, duration_ns,
                   labels::text, totals, sample_count::int
            FROM profiles
            WHERE tenant = \(tenant)
              AND start_ts >= timestamptz 'epoch' + \(filter.range.fromMicros) * interval '1 microsecond'
              AND start_ts < timestamptz 'epoch' + \(filter.range.toMicros) * interval '1 microsecond'
              AND (\(filter.service)::text IS NULL OR service = \(filter.service))
              AND (\(filter.type)::text IS NULL OR type = \(filter.type))
              AND labels @> \(labels)::jsonb
              AND (\(afterStart)::bigint IS NULL OR (start_unix_nano, profile_id) < (\(afterStart), \(afterID)))
            ORDER BY start_unix_nano DESC, profile_id DESC
            LIMIT \(filter.limit + 1)
            """
        var items = try await profiles(query)
        var next: String?
        if items.count > filter.limit {
            items.removeLast()
            let last = items[items.count - 1]
            next = PageCursor(["\(last.startNanos)", last.profileID]).encoded
        }
        return Page(items: items, nextCursor: next)
    }

    /// One profile's metadata and its top functions (default sample type, flat descending).
    public func profile(tenant: String, id: String, topLimit: Int = 20) async throws -> (StoredProfile, [TopFunction])? {
        let query: PostgresQuery = """
            SELECT profile_id, service, type, sample_types::text, default_sample_type::int, start_unix_nano, duration_ns,
                   labels::text, totals, sample_count::int
            FROM profiles WHERE tenant = \(tenant) AND profile_id = \(id)
            ORDER BY start_ts DESC LIMIT 1
            """
        guard let profile = try await profiles(query).first else { return nil }
        let unit = profile.sampleTypes.indices.contains(profile.defaultSampleType) ? profile.sampleTypes[profile.defaultSampleType].unit : ""
        let topQuery: PostgresQuery = """
            SELECT f.name, f.filename, pf.flat, pf.cum
            FROM profile_functions pf JOIN functions f ON f.function_id = pf.function_id
            WHERE pf.tenant = \(tenant) AND pf.profile_id = \(id)
              AND pf.start_ts = timestamptz 'epoch' + \(profile.startNanos / 1000) * interval '1 microsecond'
              AND pf.sample_type = \(profile.defaultSampleType)
            ORDER BY pf.flat DESC, pf.cum DESC, f.name
            LIMIT \(topLimit)
            """
        var top: [TopFunction] = []
        for try await (name, file, flat, cum) in try await client.query(topQuery, logger: logger).decode((String, String, Int64, Int64).self) {
            top.append(TopFunction(function: name, file: file, flat: flat, cum: cum, unit: unit))
        }
        return (profile, top)
    }

    /// The stored pprof bytes (gzip as received) of a profile; nil when unknown or not kept.
    public func raw(tenant: String, id: String) async throws -> ByteBuffer? {
        let query: PostgresQuery = """
            SELECT raw FROM profiles WHERE tenant = \(tenant) AND profile_id = \(id) ORDER BY start_ts DESC LIMIT 1
            """
        for try await raw in try await client.query(query, logger: logger).decode(ByteBuffer?.self) {
            return raw
        }
        return nil
    }

    /// One profile's metadata and its stored pprof bytes (nil when not kept), in one round trip:
    /// what the profile page decodes for its flame graph and top table.
    public func profileWithRaw(tenant: String, id: String) async throws -> (StoredProfile, ByteBuffer?)? {
        let query: PostgresQuery = """
            SELECT profile_id, service, type, sample_types::text, default_sample_type::int, start_unix_nano, duration_ns,
                   labels::text, totals, sample_count::int, raw
            FROM profiles WHERE tenant = \(tenant) AND profile_id = \(id)
            ORDER BY start_ts DESC LIMIT 1
            """
        let rows = try await client.query(query, logger: logger)
        for try await (id, service, type, types, defaultIndex, start, duration, labels, totals, count, raw) in rows.decode(
            (String, String, String, String, Int, Int64, Int64, String, [Int64], Int, ByteBuffer?).self
        ) {
            let profile = StoredProfile(
                profileID: id, service: service, type: type, sampleTypes: Self.decodeSampleTypes(types),
                defaultSampleType: defaultIndex, startNanos: start, durationNanos: duration, labelsJSON: labels,
                totals: totals, sampleCount: count
            )
            return (profile, raw)
        }
        return nil
    }

    /// The stored pprof bytes of several profiles, by id (unknown ids and profiles without kept
    /// bytes absent): a diff's baseline named by profile ids, in one round trip.
    public func raws(tenant: String, ids: [String]) async throws -> [String: ByteBuffer] {
        guard !ids.isEmpty else { return [:] }
        let query: PostgresQuery = """
            SELECT DISTINCT ON (profile_id) profile_id, raw FROM profiles
            WHERE tenant = \(tenant) AND profile_id = ANY (\(ids)) AND raw IS NOT NULL
            ORDER BY profile_id, start_ts DESC
            """
        var result: [String: ByteBuffer] = [:]
        for try await (id, raw) in try await client.query(query, logger: logger).decode((String, ByteBuffer).self) {
            result[id] = raw
        }
        return result
    }

    /// The merged per-function numbers of a window's profiles in one sample type (by name; nil
    /// for the newest profile's default), as a one-sample-type summary for ``ProfileDiff``.
    /// Nil when the window has no profile or the sample type is unknown.
    public func windowSummary(
        tenant: String, service: String, type: String, range: TimeRange, sampleType: String?
    ) async throws -> ProfileSummary? {
        let newestQuery: PostgresQuery = """
            SELECT sample_types::text, default_sample_type::int FROM profiles
            WHERE tenant = \(tenant) AND service = \(service) AND type = \(type)
              AND start_ts >= timestamptz 'epoch' + \(range.fromMicros) * interval '1 microsecond'
              AND start_ts < timestamptz 'epoch' + \(range.toMicros) * interval '1 microsecond'
            ORDER BY start_ts DESC LIMIT 1
            """
        var found: ([ProfileValueType], Int)?
        for try await (types, defaultIndex) in try await client.query(newestQuery, logger: logger).decode((String, Int).self) {
            found = (Self.decodeSampleTypes(types), defaultIndex)
        }
        guard let (types, defaultIndex) = found else { return nil }
        let index: Int
        if let sampleType, !sampleType.isEmpty {
            guard let named = types.firstIndex(where: { $0.type == sampleType }) ?? Int(sampleType).flatMap({ types.indices.contains($0) ? $0 : nil })
            else { return nil }
            index = named
        } else {
            index = types.indices.contains(defaultIndex) ? defaultIndex : types.count - 1
        }
        guard types.indices.contains(index) else { return nil }
        let typeName = types[index].type
        // Per profile, the column of that sample type (profiles of one kind normally agree).
        let functionsQuery: PostgresQuery = """
            WITH w AS (
                SELECT profile_id, start_ts, totals,
                       (SELECT i - 1 FROM jsonb_array_elements(sample_types) WITH ORDINALITY AS t(v, i) WHERE v ->> 'type' = \(typeName) LIMIT 1) AS col
                FROM profiles
                WHERE tenant = \(tenant) AND service = \(service) AND type = \(type)
                  AND start_ts >= timestamptz 'epoch' + \(range.fromMicros) * interval '1 microsecond'
                  AND start_ts < timestamptz 'epoch' + \(range.toMicros) * interval '1 microsecond'
            )
            SELECT NULL::text, NULL::text, coalesce(sum(totals[col + 1]), 0)::bigint, count(*)::bigint FROM w WHERE col IS NOT NULL
            UNION ALL
            SELECT f.name, f.filename, sum(pf.flat)::bigint, sum(pf.cum)::bigint
            FROM w JOIN profile_functions pf ON pf.tenant = \(tenant) AND pf.profile_id = w.profile_id
                 AND pf.start_ts = w.start_ts AND pf.sample_type = w.col
            JOIN functions f ON f.function_id = pf.function_id
            GROUP BY f.name, f.filename
            """
        var total: Int64 = 0
        var count: Int64 = 0
        var functions: [FunctionSummary] = []
        for try await (name, file, flat, cum) in try await client.query(functionsQuery, logger: logger).decode((String?, String?, Int64, Int64).self) {
            if let name {
                functions.append(FunctionSummary(name: name, filename: file ?? "", flat: [flat], cum: [cum]))
            } else {
                total = flat
                count = cum
            }
        }
        guard count > 0 else { return nil }
        functions.sort { ($0.name, $0.filename) < ($1.name, $1.filename) }
        return ProfileSummary(
            sampleTypes: [types[index]], defaultSampleTypeIndex: 0,
            timeNanos: range.from, durationNanos: range.to - range.from,
            sampleCount: Int(count), totals: [total], functions: functions
        )
    }

    private func profiles(_ query: PostgresQuery) async throws -> [StoredProfile] {
        var items: [StoredProfile] = []
        for try await (id, service, type, types, defaultIndex, start, duration, labels, totals, count) in try await client.query(query, logger: logger).decode(
            (String, String, String, String, Int, Int64, Int64, String, [Int64], Int).self
        ) {
            items.append(StoredProfile(
                profileID: id, service: service, type: type, sampleTypes: Self.decodeSampleTypes(types),
                defaultSampleType: defaultIndex, startNanos: start, durationNanos: duration, labelsJSON: labels,
                totals: totals, sampleCount: count
            ))
        }
        return items
    }

    static func decodeSampleTypes(_ json: String) -> [ProfileValueType] {
        (try? JSONDecoder().decode([ProfileValueType].self, from: Data(json.utf8))) ?? []
    }
}
