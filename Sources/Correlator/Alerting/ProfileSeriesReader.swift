import Foundation
import PostgresNIO
import Rules

/// Answers the rules' ``SeriesRequest``s from `profiles`, `profile_functions` and `functions`.
///
/// Requests that read the same profiles (type, sample type, time range, label selector,
/// function pattern) are answered by one pair of queries for all their services: a cycle of
/// many rules costs a few round trips, not two per rule. Totals come from **every** profile in
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
            let rows = try await fetch(key, services: services)
            for request in members {
                result[request] = rows.series(for: request)
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
        var pattern: String?
        var labels: [String: String]

        init(_ request: SeriesRequest) {
            profileType = request.profileType.rawValue
            sampleType = request.sampleType
            start = request.start
            end = request.end
            perFunction = request.perFunction
            pattern = request.perFunction ? request.function?.pattern : nil
            labels = request.selector.labels
        }
    }

    /// What the two queries returned for a bucket.
    struct Rows {
        struct Total {
            var time: Date
            var total: Double
            var duration: Duration?
        }
        struct FunctionKey: Hashable {
            var service: String
            var name: String
            var file: String
        }
        var totals: [String: [Total]] = [:]
        var functions: [FunctionKey: [(time: Date, flat: Double, cum: Double)]] = [:]

        func series(for request: SeriesRequest) -> [FunctionSeries] {
            var result: [FunctionSeries] = []
            for (service, points) in totals.sorted(by: { $0.key < $1.key }) {
                if let wanted = request.selector.service, wanted != service { continue }
                result.append(
                    FunctionSeries(
                        service: service, labels: request.selector.labels, function: "",
                        points: points.map { SeriesPoint(time: $0.time, value: $0.total, total: $0.total, duration: $0.duration) }
                    )
                )
            }
            guard request.perFunction else { return result }
            var totalAt: [String: [Date: Total]] = [:]
            for (service, points) in totals {
                totalAt[service] = Dictionary(points.map { ($0.time, $0) }, uniquingKeysWith: { first, _ in first })
            }
            for (key, values) in functions {
                if let wanted = request.selector.service, wanted != key.service { continue }
                let byTime = totalAt[key.service] ?? [:]
                let points = values.compactMap { value -> SeriesPoint? in
                    guard let total = byTime[value.time] else { return nil }
                    let measured = request.measure == .flat ? value.flat : value.cum
                    return SeriesPoint(time: value.time, value: measured, total: total.total, duration: total.duration)
                }
                result.append(FunctionSeries(service: key.service, labels: request.selector.labels, function: key.name, file: key.file, points: points))
            }
            return result
        }
    }

    private func fetch(_ key: BucketKey, services: [String]?) async throws -> Rows {
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
            rows.totals[service, default: []].append(
                Rows.Total(time: time, total: total ?? 0, duration: durationNanos.flatMap { $0 > 0 ? .nanoseconds($0) : nil })
            )
        }
        guard key.perFunction, !rows.totals.isEmpty else { return rows }
        do {
            try await fetchFunctions(key, services: services, labels: labels, regex: key.pattern.map { "^(?:\($0))$" }, into: &rows)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "2201B" {
            // A pattern PostgreSQL's regex dialect rejects: let the evaluator match in Swift.
            rows.functions = [:]
            try await fetchFunctions(key, services: services, labels: labels, regex: nil, into: &rows)
        }
        return rows
    }

    private func fetchFunctions(_ key: BucketKey, services: [String]?, labels: String, regex: String?, into rows: inout Rows) async throws {
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
            WHERE \(regex == nil) OR f.name ~ \(regex ?? "")
            GROUP BY p.service, p.start_ts, f.name, f.filename
            ORDER BY p.service, f.name, f.filename, p.start_ts
            """
        )
        for try await (service, time, name, file, flat, cum) in result.decode((String, Date, String, String, Double?, Double?).self) {
            rows.functions[Rows.FunctionKey(service: service, name: name, file: file), default: []].append((time, flat ?? 0, cum ?? 0))
        }
    }
}
