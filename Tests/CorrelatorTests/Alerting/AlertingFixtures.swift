import Correlator
import Foundation
import PostgresNIO
import Rules

/// Rows as the profile ingest writes them (migrations/0001_init.sql), inserted directly.
struct ProfileRows {
    let client: PostgresClient
    var tenant = "default"

    func profile(id: String, service: String, type: String, sampleTypes: [String], at time: Date, totals: [Int64], durationSeconds: Int64 = 10) async throws {
        let types = "[" + sampleTypes.map { "{\"type\": \"\($0)\", \"unit\": \"count\"}" }.joined(separator: ",") + "]"
        let nanos = Int64(time.timeIntervalSince1970 * 1e9)
        try await client.query(
            """
            INSERT INTO profiles (tenant, profile_id, service, type, sample_types, start_ts, start_unix_nano, duration_ns, totals)
            VALUES (\(tenant), \(id), \(service), \(type), \(types)::jsonb, \(time), \(nanos), \(durationSeconds * 1_000_000_000), \(totals))
            """
        )
    }

    func function(id: Int64, name: String, file: String = "main.go") async throws {
        try await client.query("INSERT INTO functions (function_id, name, filename) VALUES (\(id), \(name), \(file)) ON CONFLICT DO NOTHING")
    }

    func functionValue(profile: String, service: String, type: String, at time: Date, function: Int64, sampleType: Int16 = 0, flat: Int64, cum: Int64) async throws {
        try await client.query(
            """
            INSERT INTO profile_functions (tenant, profile_id, service, type, start_ts, function_id, sample_type, flat, cum)
            VALUES (\(tenant), \(profile), \(service), \(type), \(time), \(function), \(sampleType), \(flat), \(cum))
            """
        )
    }

    /// A span with labelled samples in `profile`, and (when `durationMillis` is given) the span itself.
    func spanProfile(profile: String, at time: Date, traceID: String, spanID: String, spanName: String, service: String, function: String, flat: Int64, durationMillis: Int64?) async throws {
        let top = "[{\"function\": \"\(function)\", \"file\": \"main.go\", \"flat\": \(flat), \"cum\": \(flat)}]"
        try await client.query(
            """
            INSERT INTO span_profiles (tenant, profile_id, start_ts, span_id, trace_id, span_name, totals, top)
            VALUES (\(tenant), \(profile), \(time), decode(\(spanID), 'hex'), decode(\(traceID), 'hex'), \(spanName), \([flat]), \(top)::jsonb)
            """
        )
        if let durationMillis {
            let nanos = Int64(time.timeIntervalSince1970 * 1e9)
            try await client.query(
                """
                INSERT INTO spans (tenant, trace_id, span_id, service, name, start_ts, start_unix_nano, duration_ns)
                VALUES (\(tenant), decode(\(traceID), 'hex'), decode(\(spanID), 'hex'), \(service), \(spanName), \(time), \(nanos), \(durationMillis * 1_000_000))
                """
            )
        }
    }
}

extension RuleFile {
    static func load(_ yaml: String, file: String = "rules.yml") throws -> [LoadedRuleGroup] {
        try RuleFile.parse(yaml: yaml, file: file).groups.map { LoadedRuleGroup(file: file, group: $0, interval: $0.interval ?? .seconds(60)) }
    }
}

/// A whole second shortly before now, so that rows land in the partitions the migration created.
func recentSecond(_ offset: TimeInterval = 0) -> Date {
    Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 60).rounded(.down) + offset)
}
