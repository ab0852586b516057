import Foundation
import NIOCore
import PostgresNIO
import ProfileIndex

extension Store {
    /// How long before a span its profile may start (profiles are rarely longer than a minute).
    public static let spanProfileLookback: Int64 = 300_000_000_000

    /// The samples of the spans `spanIDs` (16 hex digits each) merged over the profiles
    /// `query` selects: Pyroscope's `SelectMergeSpanProfile`, what Grafana shows as "Profiles
    /// for this span". Read from the spans' own stack aggregates (`span_profiles`, migration
    /// 0012); rows stored before it have none, and their profile's pprof is decoded again.
    ///
    /// A profile holding a span's samples starts before the span does: profiles that start up
    /// to ``spanProfileLookback`` before `query.from` are read too.
    public func mergeSpanProfiles(tenant: String, query: ProfileMergeQuery, spanIDs: [String]) async throws -> MergedStacks {
        try await mergeSpanGroups(tenant: tenant, query: query, groups: [spanIDs])[0]
    }

    /// ``mergeSpanProfiles(tenant:query:spanIDs:)`` for several groups of spans at once, one
    /// read: a merge per group, in order (a span in two groups counts in both).
    public func mergeSpanGroups(tenant: String, query: ProfileMergeQuery, groups: [[String]]) async throws -> [MergedStacks] {
        let series = try await profileSeries(tenant: tenant, service: query.service, kind: query.kind, selector: query.selector, from: query.from)
        let (sampleType, indexBySeries) = try Self.sampleTypeIndices(series, asked: query.sampleType, kind: query.kind)
        var merges = groups.map { _ in MergedStacks(sampleType: sampleType) }
        var groupsOf: [String: [Int]] = [:]
        for (group, ids) in groups.enumerated() {
            for id in Set(ids) { groupsOf[id, default: []].append(group) }
        }
        guard !indexBySeries.isEmpty, !groupsOf.isEmpty else { return merges }
        // The spans' rows with their profiles first (co-located by profile id on Citus), then
        // each one's series from `profile_stacks` (distributed by series): Citus joins the two
        // only through the materialized rows.
        let rows = try await client.query("""
            WITH sp AS MATERIALIZED (
                SELECT sp.span_id, sp.profile_id, sp.start_ts, p.start_unix_nano, p.duration_ns, coalesce(p.period, 0) AS period,
                       sp.stack_ids, sp.stack_values, CASE WHEN sp.stack_ids IS NULL THEN p.raw END AS raw
                FROM span_profiles sp
                JOIN profiles p ON p.tenant = sp.tenant AND p.profile_id = sp.profile_id AND p.start_ts = sp.start_ts
                WHERE sp.tenant = \(tenant)
                  AND sp.span_id = ANY(SELECT decode(id, 'hex') FROM unnest(\(Array(groupsOf.keys))::text[]) id)
                  AND sp.start_ts >= timestamptz 'epoch' + \((max(query.from, Int64.min + Self.spanProfileLookback) - Self.spanProfileLookback) / 1000) * interval '1 microsecond'
                  AND sp.start_ts < timestamptz 'epoch' + \(query.to / 1000) * interval '1 microsecond'
            )
            SELECT encode(sp.span_id, 'hex'), sp.profile_id, ps.series_fp, sp.start_unix_nano, sp.duration_ns, sp.period,
                   sp.stack_ids, sp.stack_values, sp.raw
            FROM sp
            JOIN profile_stacks ps ON ps.tenant = \(tenant) AND ps.profile_id = sp.profile_id AND ps.start_ts = sp.start_ts
            WHERE ps.series_fp = ANY(\(Array(indexBySeries.keys))::bigint[])
            """, logger: logger)
        // Each profile counts once per group; legacy rows are decoded once per profile.
        var counted = Set<[String]>()
        var legacy: [String: (raw: ByteBuffer, fingerprint: Int64, spans: Set<String>)] = [:]
        for try await (spanID, profileID, fingerprint, start, duration, period, idArray, valueArray, raw) in rows.decode(
            (String, String, Int64, Int64, Int64, Int64, BigintArray?, BigintArray?, ByteBuffer?).self
        ) {
            let ids = idArray?.values, values = valueArray?.values
            guard let index = indexBySeries[fingerprint] else { continue }
            for group in groupsOf[spanID] ?? [] {
                if counted.insert([profileID, String(group)]).inserted {
                    merges[group].startNanos = merges[group].profiles == 0 ? start : min(merges[group].startNanos, start)
                    merges[group].profiles += 1
                    merges[group].period = max(merges[group].period, period)
                    merges[group].durationNanos &+= duration
                }
                if let ids, let values, !ids.isEmpty {
                    let stride = values.count / ids.count
                    guard stride > index else { continue }
                    for (position, id) in ids.enumerated() {
                        let value = values[position * stride + index]
                        if value != 0 { merges[group].values[id, default: 0] &+= value }
                    }
                }
            }
            if ids == nil, let raw {
                legacy[profileID, default: (raw, fingerprint, [])].spans.insert(spanID)
            }
        }
        // Rows without their own stacks: the profile's pprof, each span's samples.
        for (_, entry) in legacy {
            guard let seriesKey = series.first(where: { $0.fingerprint == entry.fingerprint })?.key else { continue }
            let profile = try PprofDecoder().decode(entry.raw)
            guard let index = profile.sampleTypes.firstIndex(of: sampleType) ?? seriesKey.sampleTypes.firstIndex(of: sampleType),
                index < profile.sampleTypes.count
            else { continue }
            for spanID in entry.spans {
                let stacks = profile.stacks(spanIDs: [spanID])
                for stack in 0..<stacks.count {
                    let value = stacks.values[stack * stacks.sampleTypeCount + index]
                    guard value != 0 else { continue }
                    let ids = stacks.functions(ofStack: stack).map { position in
                        let function = profile.functions[Int(position)]
                        return FunctionID.of(name: function.name, filename: function.filename)
                    }
                    let id = StackID.of(functionIDs: ids)
                    for group in groupsOf[spanID] ?? [] {
                        merges[group].values[id, default: 0] &+= value
                        merges[group].stacks[id] = ids
                        for (functionID, position) in zip(ids, stacks.functions(ofStack: stack)) {
                            merges[group].functions[functionID] = profile.functions[Int(position)]
                        }
                    }
                }
            }
        }
        // The stacks' functions from the dictionary, once for every group.
        let missing = Set(merges.flatMap { merge in merge.values.keys.filter { merge.stacks[$0] == nil } })
        if !missing.isEmpty {
            let (stacks, functions) = try await self.stacks(Array(missing), tenant: tenant)
            for group in merges.indices {
                for id in merges[group].values.keys where merges[group].stacks[id] == nil {
                    guard let frames = stacks[id] else { continue }
                    merges[group].stacks[id] = frames
                    for function in frames { merges[group].functions[function] = functions[function] }
                }
            }
        }
        return merges
    }
}

/// A group of spans whose samples are merged together: e.g. the slowest 5 % of
/// `POST /checkout` in the window. Spans too short to hold a sample of their own still count:
/// the group's samples are the sum over its members.
public struct SpanGroup: Sendable, Equatable {
    /// The spans' service; nil: the merge's service (or any).
    public var service: String?
    public var spanName: String?
    /// Only spans at least this long, nanoseconds.
    public var minDurationNanos: Int64?
    /// Only the slowest this many percent of the spans that pass the other filters (0 < p ≤ 100;
    /// at least one span).
    public var slowestPercent: Double?

    public init(service: String? = nil, spanName: String? = nil, minDurationNanos: Int64? = nil, slowestPercent: Double? = nil) {
        self.service = service
        self.spanName = spanName
        self.minDurationNanos = minDurationNanos
        self.slowestPercent = slowestPercent
    }

    /// The most spans a group merges (the slowest first).
    public static let largest = 10_000
}

extension Store {
    /// The ids (16 hex digits) of the group's spans that start in `[from, to)`, slowest first,
    /// at most ``SpanGroup/largest``; and how many spans passed the filters before the
    /// `slowest` cut.
    public func spanGroupIDs(tenant: String, group: SpanGroup, from: Int64, to: Int64) async throws -> (ids: [String], matching: Int) {
        let (service, name, minimum) = (group.service, group.spanName, group.minDurationNanos ?? 0)
        let fromText = "\(from / 1000)", toText = "\(to / 1000)"
        var matching = 0
        for try await count in try await client.query("""
            SELECT count(*) FROM spans
            WHERE tenant = \(tenant) AND (\(service)::text IS NULL OR service = \(service))
              AND (\(name)::text IS NULL OR name = \(name)) AND duration_ns >= \(minimum)
              AND start_ts >= timestamptz 'epoch' + \(fromText)::bigint * interval '1 microsecond'
              AND start_ts < timestamptz 'epoch' + \(toText)::bigint * interval '1 microsecond'
            """, logger: logger).decode(Int.self) {
            matching = count
        }
        var limit = matching
        if let percent = group.slowestPercent {
            limit = max(1, Int((Double(matching) * percent / 100).rounded(.up)))
        }
        limit = min(limit, SpanGroup.largest)
        guard matching > 0 else { return ([], 0) }
        var ids: [String] = []
        for try await id in try await client.query("""
            SELECT encode(span_id, 'hex') FROM spans
            WHERE tenant = \(tenant) AND (\(service)::text IS NULL OR service = \(service))
              AND (\(name)::text IS NULL OR name = \(name)) AND duration_ns >= \(minimum)
              AND start_ts >= timestamptz 'epoch' + \(fromText)::bigint * interval '1 microsecond'
              AND start_ts < timestamptz 'epoch' + \(toText)::bigint * interval '1 microsecond'
            ORDER BY duration_ns DESC, span_id LIMIT \(limit)
            """, logger: logger).decode(String.self) {
            ids.append(id)
        }
        return (ids, matching)
    }
}
