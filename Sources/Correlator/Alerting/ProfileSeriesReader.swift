import Foundation
import PostgresNIO
import Rules

/// Answers the rules' ``SeriesRequest``s from `profiles`, `profile_functions` and `functions`.
///
/// Requests that read the same profiles (type, sample type, time range, label selector) are
/// answered by one pair of queries for all their services and function patterns: a cycle of a
/// thousand rules costs a few round trips, not two per rule. Each request then gets only its
/// own service and the functions its pattern matches. Totals come from **every** profile in
/// the range, so a function's share is out of all samples, including profiles where it doesn't
/// appear. Profiles of one service that start at the same instant (several instances) are
/// added together.
public struct ProfileSeriesReader: Sendable {
    public let client: PostgresClient
    public let tenant: String

    public init(client: PostgresClient, tenant: String) {
        self.client = client
        self.tenant = tenant
    }

    /// The series of one request.
    public func series(for request: SeriesRequest) async throws -> [FunctionSeries] {
        try await series(for: [request])[request] ?? []
    }

    /// The series of each request; requests reading the same profiles share queries.
    public func series(for requests: [SeriesRequest]) async throws -> [SeriesRequest: [FunctionSeries]] {
        var buckets: [BucketKey: [SeriesRequest]] = [:]
        for request in Set(requests) {
            buckets[BucketKey(request), default: []].append(request)
        }
        var result: [SeriesRequest: [FunctionSeries]] = [:]
        for (key, members) in buckets {
            let services: [String]? = members.contains { $0.selector.service == nil } ? nil : Array(Set(members.compactMap(\.selector.service))).sorted()
            // PostgreSQL keeps only functions some member's pattern matches (a prefilter: each
            // request still gets only its own pattern's functions below).
            let patterns: [String]? = members.contains { $0.function == nil } ? nil : Array(Set(members.compactMap { $0.function?.pattern })).sorted()
            let rows = try await fetch(key, services: services, patterns: patterns)
            var matches = PatternMatches()
            for request in members {
                result[request] = rows.series(for: request, matches: &matches)
            }
        }
        return result
    }

    struct BucketKey: Hashable {
        var profileType: String
        var sampleType: String
        var start: Date
        var end: Date
        var perFunction: Bool
        var labels: [String: String]

        init(_ request: SeriesRequest) {
            profileType = request.profileType.rawValue
            sampleType = request.sampleType
            start = request.start
            end = request.end
            perFunction = request.perFunction
            labels = request.selector.labels
        }
    }

    /// Which function names each pattern matches, worked out once per name and pattern for
    /// all the requests of a bucket (Swift's `Regex` is too slow to run per request).
    struct PatternMatches {
        private var known: [String: [String: Bool]] = [:]

        mutating func matches(_ pattern: FunctionPattern, _ name: String) -> Bool {
            if let answer = known[pattern.pattern]?[name] { return answer }
            let answer = pattern.matcher().matches(name)
            known[pattern.pattern, default: [:]][name] = answer
            return answer
        }
    }

    /// What the two queries returned for a bucket, by service.
    struct Rows {
        struct Total {
            var time: Date
            var total: Double
            var duration: Duration?
        }
        struct FunctionKey: Hashable {
            var name: String
            var file: String
        }
        struct Service {
            var totals: [Total] = []
            var totalAt: [Date: Total] = [:]
            var functions: [FunctionKey: [(time: Date, flat: Double, cum: Double)]] = [:]
        }
        var services: [String: Service] = [:]

        func series(for request: SeriesRequest, matches: inout PatternMatches) -> [FunctionSeries] {
            let wanted = request.selector.service.map { [$0] } ?? services.keys.sorted()
            var result: [FunctionSeries] = []
            for service in wanted {
                guard let rows = services[service] else { continue }
                result.append(
                    FunctionSeries(
                        service: service, labels: request.selector.labels, function: "",
                        points: rows.totals.map { SeriesPoint(time: $0.time, value: $0.total, total: $0.total, duration: $0.duration) }
                    )
                )
            }
            guard request.perFunction else { return result }
            for service in wanted {
                guard let rows = services[service] else { continue }
                for (key, values) in rows.functions {
                    if let pattern = request.function, !matches.matches(pattern, key.name) { continue }
                    let points = values.compactMap { value -> SeriesPoint? in
                        guard let total = rows.totalAt[value.time] else { return nil }
                        let measured = request.measure == .flat ? value.flat : value.cum
                        return SeriesPoint(time: value.time, value: measured, total: total.total, duration: total.duration)
                    }
                    result.append(FunctionSeries(service: service, labels: request.selector.labels, function: key.name, file: key.file, points: points))
                }
            }
            return result
        }
    }

    private func fetch(_ key: BucketKey, services: [String]?, patterns: [String]?) async throws -> Rows {
        var rows = Rows()
        let labels = String(decoding: try JSONEncoder().encode(key.labels), as: UTF8.self)
        let allServices = services == nil
        let serviceList = services ?? []
        let totals = try await client.query(
            """
            SELECT p.service, p.start_ts, sum((p.totals)[st.ord])::float8, max(p.duration_ns)
            FROM profiles p
            CROSS JOIN LATERAL (
                SELECT e.ord FROM jsonb_array_elements(p.sample_types) WITH ORDINALITY AS e(v, ord)
                WHERE e.v->>'type' = \(key.sampleType) LIMIT 1
            ) st
            WHERE p.tenant = \(tenant) AND p.type = \(key.profileType)
              AND p.start_ts >= \(key.start) AND p.start_ts <= \(key.end)
              AND (\(allServices) OR p.service = ANY(\(serviceList)))
              AND p.labels @> \(labels)::jsonb
            GROUP BY p.service, p.start_ts
            ORDER BY p.service, p.start_ts
            """
        )
        for try await (service, time, total, durationNanos) in totals.decode((String, Date, Double?, Int64?).self) {
            let point = Rows.Total(time: time, total: total ?? 0, duration: durationNanos.flatMap { $0 > 0 ? .nanoseconds($0) : nil })
            var entry = rows.services.removeValue(forKey: service) ?? Rows.Service()
            entry.totals.append(point)
            if entry.totalAt[time] == nil { entry.totalAt[time] = point }
            rows.services[service] = entry
        }
        guard key.perFunction, !rows.services.isEmpty else { return rows }
        do {
            try await fetchFunctions(key, services: services, labels: labels, regexes: patterns.map { $0.map { "^(?:\($0))$" } }, into: &rows)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "2201B" {
            // A pattern PostgreSQL's regex dialect rejects: match in Swift only.
            for service in rows.services.keys { rows.services[service]?.functions = [:] }
            try await fetchFunctions(key, services: services, labels: labels, regexes: nil, into: &rows)
        }
        return rows
    }

    private func fetchFunctions(_ key: BucketKey, services: [String]?, labels: String, regexes: [String]?, into rows: inout Rows) async throws {
        let allServices = services == nil
        let serviceList = services ?? []
        let result = try await client.query(
            """
            WITH p AS (
                SELECT p.service, p.profile_id, p.start_ts, (st.ord - 1)::smallint AS idx
                FROM profiles p
                CROSS JOIN LATERAL (
                    SELECT e.ord FROM jsonb_array_elements(p.sample_types) WITH ORDINALITY AS e(v, ord)
                    WHERE e.v->>'type' = \(key.sampleType) LIMIT 1
                ) st
                WHERE p.tenant = \(tenant) AND p.type = \(key.profileType)
                  AND p.start_ts >= \(key.start) AND p.start_ts <= \(key.end)
                  AND (\(allServices) OR p.service = ANY(\(serviceList)))
                  AND p.labels @> \(labels)::jsonb
            )
            SELECT p.service, p.start_ts, f.name, f.filename, sum(pf.flat)::float8, sum(pf.cum)::float8
            FROM p
            JOIN profile_functions pf
              ON pf.tenant = \(tenant) AND pf.profile_id = p.profile_id AND pf.start_ts = p.start_ts
             AND pf.sample_type = p.idx
            JOIN functions f ON f.function_id = pf.function_id
            WHERE \(regexes == nil) OR f.name ~ ANY(\(regexes ?? []))
            GROUP BY p.service, p.start_ts, f.name, f.filename
            ORDER BY p.service, f.name, f.filename, p.start_ts
            """
        )
        for try await (service, time, name, file, flat, cum) in result.decode((String, Date, String, String, Double?, Double?).self) {
            rows.services[service, default: Rows.Service()].functions[Rows.FunctionKey(name: name, file: file), default: []].append((time, flat ?? 0, cum ?? 0))
        }
    }
}
