import Correlator
import Foundation
import NIOCore
import PostgresNIO
import ProfileIndex

/// Writes rows of the schema directly with SQL, as the ingest writers will: spans, exemplars,
/// profiles with their per-function rows and per-span breakdowns (computed with ProfileIndex
/// from a real pprof, so the numbers are pprof's).
struct CorrelationTestData {
    let client: PostgresClient
    var tenant = "default"

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pprof-go119")

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// Creates the daily partitions of the days between two Unix-nanosecond times.
    func ensurePartitions(from: Int64, to: Int64) async throws {
        let first = Date(timeIntervalSince1970: Double(from) / 1e9)
        let last = Date(timeIntervalSince1970: Double(to) / 1e9)
        try await client.query("SELECT ensure_partitions((\(first)::timestamptz AT TIME ZONE 'UTC')::date, (\(last)::timestamptz AT TIME ZONE 'UTC')::date)")
    }

    func span(
        trace: String, span: String, parent: String? = nil, service: String, name: String,
        start: Int64, duration: Int64, profileID: String? = nil
    ) async throws {
        try await client.query("""
            INSERT INTO spans (tenant, trace_id, span_id, parent_span_id, service, name, kind, start_ts, start_unix_nano, duration_ns, profile_id)
            VALUES (\(tenant), decode(\(trace), 'hex'), decode(\(span), 'hex'), decode(\(parent), 'hex'), \(service), \(name), 2,
                    timestamptz 'epoch' + \(start / 1000) * interval '1 microsecond', \(start), \(duration), \(profileID))
            """)
    }

    func exemplar(
        metric: String, series: [String: String], value: Double, time: Int64,
        trace: String?, span: String? = nil, profileID: String? = nil
    ) async throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: series, options: [.sortedKeys]), as: UTF8.self)
        let fingerprint = Int64(bitPattern: Self.fnv1a(metric + json))
        try await client.query("""
            WITH series_row AS (
                INSERT INTO exemplar_series (tenant, series_fp, metric, series, last_day)
                VALUES (\(tenant), \(fingerprint), \(metric), \(json)::jsonb,
                        ((timestamptz 'epoch' + \(time / 1000) * interval '1 microsecond') AT TIME ZONE 'UTC')::date)
                ON CONFLICT (tenant, series_fp) DO UPDATE SET last_day = greatest(exemplar_series.last_day, EXCLUDED.last_day)
            )
            INSERT INTO exemplars (tenant, ts, series_fp, value, trace_id, span_id, profile_id)
            VALUES (\(tenant), timestamptz 'epoch' + \(time / 1000) * interval '1 microsecond',
                    \(fingerprint), \(value), decode(\(trace), 'hex'), decode(\(span), 'hex'), \(profileID))
            ON CONFLICT DO NOTHING
            """)
    }

    /// Stores a pprof profile the way the profile writer does: the row with the raw bytes, one
    /// `profile_functions` row per function and sample type, one `span_profiles` row per span
    /// with labelled samples (top 10 functions of the default sample type by flat).
    @discardableResult
    func profile(
        id: String, service: String, type: String = "cpu", raw: Data, start: Int64? = nil, duration: Int64? = nil,
        labels: [String: String] = [:]
    ) async throws -> Profile {
        let profile = try PprofDecoder().decode([UInt8](raw))
        let summary = profile.summary()
        let start = start ?? profile.timeNanos
        let startMicros = start / 1000
        let sampleTypes = String(decoding: try JSONEncoder().encode(profile.sampleTypes), as: UTF8.self)
        let labelJSON = String(decoding: try JSONSerialization.data(withJSONObject: labels, options: [.sortedKeys]), as: UTF8.self)
        try await client.query("""
            INSERT INTO profiles (tenant, profile_id, service, type, sample_types, default_sample_type, start_ts, start_unix_nano,
                                  duration_ns, labels, totals, sample_count, raw)
            VALUES (\(tenant), \(id), \(service), \(type), \(sampleTypes)::jsonb, \(profile.defaultSampleTypeIndex),
                    timestamptz 'epoch' + \(startMicros) * interval '1 microsecond', \(start), \(duration ?? profile.durationNanos),
                    \(labelJSON)::jsonb, \(summary.totals), \(profile.sampleCount), \(ByteBuffer(bytes: raw)))
            """)
        for function in summary.functions {
            let functionID = Int64(bitPattern: Self.fnv1a(function.name + "\u{0}" + function.filename))
            try await client.query("""
                INSERT INTO functions (function_id, name, filename) VALUES (\(functionID), \(function.name), \(function.filename))
                ON CONFLICT DO NOTHING
                """)
            for index in profile.sampleTypes.indices where function.flat[index] != 0 || function.cum[index] != 0 {
                try await client.query("""
                    INSERT INTO profile_functions (tenant, profile_id, service, type, start_ts, function_id, sample_type, flat, cum)
                    VALUES (\(tenant), \(id), \(service), \(type), timestamptz 'epoch' + \(startMicros) * interval '1 microsecond',
                            \(functionID), \(index), \(function.flat[index]), \(function.cum[index]))
                    """)
            }
        }
        for span in profile.spanBreakdown() {
            let top = span.topFunctions(sampleTypeIndex: profile.defaultSampleTypeIndex, count: 10).map { function in
                [
                    "function": function.name, "file": function.filename,
                    "flat": function.flat[profile.defaultSampleTypeIndex], "cum": function.cum[profile.defaultSampleTypeIndex],
                ] as [String: Any]
            }
            let topJSON = String(decoding: try JSONSerialization.data(withJSONObject: top), as: UTF8.self)
            try await client.query("""
                INSERT INTO span_profiles (tenant, profile_id, start_ts, span_id, trace_id, span_name, totals, top)
                VALUES (\(tenant), \(id), timestamptz 'epoch' + \(startMicros) * interval '1 microsecond', decode(\(span.spanID), 'hex'),
                        decode(\(span.traceID), 'hex'), \(span.spanName), \(span.totals), \(topJSON)::jsonb)
                """)
        }
        return profile
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

/// A span of the fixture's spans.json.
struct FixtureSpan: Decodable {
    var traceID: String
    var spanID: String
    var service: String
    var name: String
    var startUnixNano: Int64
    var endUnixNano: Int64
    var slow: Bool

    enum CodingKeys: String, CodingKey {
        case traceID = "trace_id", spanID = "span_id", service, name
        case startUnixNano = "start_unix_nano", endUnixNano = "end_unix_nano", slow
    }

    static func load() throws -> [FixtureSpan] {
        try JSONDecoder().decode([FixtureSpan].self, from: CorrelationTestData.fixture("spans.json"))
    }
}

/// An exemplar line of the fixture's metrics.om.txt (parsed here with a regular expression, as an
/// independent reading of the text).
struct FixtureExemplar {
    var metric: String
    var series: [String: String]
    var traceID: String
    var spanID: String
    var value: Double
    var timeNanos: Int64

    static func load() throws -> [FixtureExemplar] {
        let text = String(decoding: try CorrelationTestData.fixture("metrics.om.txt"), as: UTF8.self)
        let line = try Regex(#"^([a-z_]+)\{([^}]*)\} \S+ # \{trace_id="([0-9a-f]+)",span_id="([0-9a-f]+)"\} (\S+) (\S+)$"#)
        let pair = try Regex(#"([a-z_]+)="([^"]*)""#)
        var result: [FixtureExemplar] = []
        for row in text.split(separator: "\n") {
            guard let match = try line.wholeMatch(in: row) else { continue }
            var series: [String: String] = [:]
            for labelMatch in match.output[2].substring!.matches(of: pair) {
                series[String(labelMatch.output[1].substring!)] = String(labelMatch.output[2].substring!)
            }
            let seconds = Double(match.output[6].substring!)!
            result.append(FixtureExemplar(
                metric: String(match.output[1].substring!), series: series,
                traceID: String(match.output[3].substring!), spanID: String(match.output[4].substring!),
                value: Double(match.output[5].substring!)!, timeNanos: Int64((seconds * 1000).rounded()) * 1_000_000
            ))
        }
        return result
    }
}
