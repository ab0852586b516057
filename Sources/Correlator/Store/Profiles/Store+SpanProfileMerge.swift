import Foundation
import NIOCore
import PostgresNIO
import ProfileIndex

extension Store {
    /// The samples of the spans `spanIDs` (16 hex digits each) merged over the profiles
    /// `query` selects: Pyroscope's `SelectMergeSpanProfile`, what Grafana shows as "Profiles
    /// for this span". Only the profiles that hold samples of those spans (`span_profiles`)
    /// are read, and their stored pprof decoded again: the stack aggregates do not keep span
    /// labels, and a span's samples live in one or a few profiles.
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
                  AND start_ts >= timestamptz 'epoch' + \(query.from / 1000) * interval '1 microsecond'
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
