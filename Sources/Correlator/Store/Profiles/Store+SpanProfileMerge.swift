import Foundation
import NIOCore
import PostgresNIO
import ProfileIndex

extension Store {
    /// How long before a span its profile may start (profiles are rarely longer than a minute).
    public static let spanProfileLookback: Int64 = 300_000_000_000

    /// The samples of the spans `spanIDs` (16 hex digits each) merged over the profiles
    /// `query` selects: Pyroscope's `SelectMergeSpanProfile`, what Grafana shows as "Profiles
    /// for this span". Only the profiles that hold samples of those spans (`span_profiles`)
    /// are read, and their stored pprof decoded again: the stack aggregates do not keep span
    /// labels, and a span's samples live in one or a few profiles.
    ///
    /// A profile holding a span's samples starts before the span does: profiles that start up
    /// to ``spanProfileLookback`` before `query.from` are read too.
    public func mergeSpanProfiles(tenant: String, query: ProfileMergeQuery, spanIDs: [String]) async throws -> MergedStacks {
        let series = try await profileSeries(tenant: tenant, service: query.service, kind: query.kind, selector: query.selector, from: query.from)
        let (sampleType, indexBySeries) = try Self.sampleTypeIndices(series, asked: query.sampleType, kind: query.kind)
        var merged = MergedStacks(sampleType: sampleType)
        guard !indexBySeries.isEmpty, !spanIDs.isEmpty else { return merged }
        let rows = try await client.query("""
            SELECT ps.series_fp, p.start_unix_nano, p.duration_ns, coalesce(p.period, 0), p.raw
            FROM profiles p
            JOIN profile_stacks ps ON ps.tenant = p.tenant AND ps.profile_id = p.profile_id AND ps.start_ts = p.start_ts
            WHERE p.tenant = \(tenant) AND ps.series_fp = ANY(\(Array(indexBySeries.keys))::bigint[])
              AND (p.profile_id, p.start_ts) IN (
                SELECT profile_id, start_ts FROM span_profiles
                WHERE tenant = \(tenant)
                  AND span_id = ANY(SELECT decode(id, 'hex') FROM unnest(\(spanIDs)::text[]) id)
                  AND start_ts >= timestamptz 'epoch' + \((max(query.from, Int64.min + Self.spanProfileLookback) - Self.spanProfileLookback) / 1000) * interval '1 microsecond'
                  AND start_ts < timestamptz 'epoch' + \(query.to / 1000) * interval '1 microsecond')
            """, logger: logger)
        let wanted = Set(spanIDs)
        var functionIDs: [ProfileFunction: Int64] = [:]
        for try await (fingerprint, start, duration, period, raw) in rows.decode((Int64, Int64, Int64, Int64, ByteBuffer?).self) {
            guard let raw, let seriesKey = series.first(where: { $0.fingerprint == fingerprint })?.key,
                indexBySeries[fingerprint] != nil
            else { continue }
            let profile = try PprofDecoder().decode(raw)
            guard let index = profile.sampleTypes.firstIndex(of: sampleType) ?? seriesKey.sampleTypes.firstIndex(of: sampleType),
                index < profile.sampleTypes.count
            else { continue }
            let stacks = profile.stacks(spanIDs: wanted)
            for stack in 0..<stacks.count {
                let value = stacks.values[stack * stacks.sampleTypeCount + index]
                guard value != 0 else { continue }
                let ids = stacks.functions(ofStack: stack).map { position in
                    let function = profile.functions[Int(position)]
                    if let known = functionIDs[function] { return known }
                    let id = FunctionID.of(name: function.name, filename: function.filename)
                    functionIDs[function] = id
                    merged.functions[id] = function
                    return id
                }
                let id = StackID.of(functionIDs: ids)
                merged.stacks[id] = ids
                merged.values[id, default: 0] &+= value
            }
            merged.startNanos = merged.profiles == 0 ? start : min(merged.startNanos, start)
            merged.profiles += 1
            merged.period = max(merged.period, period)
            merged.durationNanos &+= duration
        }
        return merged
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
