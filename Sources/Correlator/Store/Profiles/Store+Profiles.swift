import Exemplars
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ProfileIndex

extension Store {
    /// How many functions of each span `span_profiles.top` keeps.
    public static let spanTopFunctionCount = 20

    /// Stores profiles in one transaction: per profile its `profiles` row (summary, labels, raw
    /// bytes), new `functions`, `profile_functions` (flat and cum per function and sample type,
    /// by COPY) and `span_profiles` (per labelled span, totals and top functions). Returns, per
    /// upload, whether it was new: a profile already stored under the same tenant, id and start
    /// (a retry) is left as it is.
    ///
    /// The daily partitions are created on demand: a write into a day without its partition is
    /// retried once after `ensure_partitions` for the days involved (the maintainer keeps
    /// yesterday to two days ahead, so only old or future profiles pay for this).
    public func writeProfiles(_ uploads: [ProfileUpload]) async throws -> [Bool] {
        let prepared = try uploads.map(PreparedProfile.init)
        return try await withPartitions(forDays: Set(prepared.map(\.day))) { try await writePrepared(prepared) }
    }

    private func writePrepared(_ prepared: [PreparedProfile]) async throws -> [Bool] {
        try await writer.withTransaction(logger: logger) { connection in
            var stored: [Bool] = []
            for profile in prepared {
                stored.append(try await Self.write(profile, on: connection, logger: logger))
            }
            return stored
        }
    }

    private static func write(_ profile: PreparedProfile, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let upload = profile.upload
        let inserted = try await connection.query("""
            INSERT INTO profiles (tenant, profile_id, service, type, sample_types, default_sample_type,
                                  period_type, period, start_ts, start_unix_nano, duration_ns, labels,
                                  totals, sample_count, raw)
            VALUES (\(upload.tenant), \(upload.profileID), \(upload.service), \(upload.kind.rawValue),
                    \(profile.sampleTypesJSON)::jsonb, \(Int16(clamping: upload.profile.defaultSampleTypeIndex)),
                    \(upload.profile.periodType?.description), \(upload.profile.period),
                    \(profile.startText)::timestamptz, \(upload.startNanos), \(upload.durationNanos),
                    \(profile.labelsJSON)::jsonb, \(profile.summary.totals), \(Int32(clamping: profile.summary.sampleCount)),
                    \(upload.raw))
            ON CONFLICT DO NOTHING
            RETURNING 1
            """, logger: logger)
        var isNew = false
        for try await _ in inserted { isNew = true }
        guard isNew else { return false }

        if !profile.functionIDs.isEmpty {
            try await connection.query("""
                INSERT INTO functions (function_id, name, filename)
                SELECT id, name, filename FROM unnest(\(profile.functionIDs)::bigint[], \(profile.functionNames)::text[], \(profile.functionFiles)::text[]) AS f(id, name, filename)
                ORDER BY id
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if profile.functionRows.readableBytes > 0 {
            try await connection.copyFrom(
                table: "profile_functions",
                columns: ["tenant", "profile_id", "service", "type", "start_ts", "function_id", "sample_type", "flat", "cum"],
                logger: logger
            ) { writer in
                try await writer.write(profile.functionRows)
            }
        }
        if profile.spanRows.readableBytes > 0 {
            try await connection.copyFrom(
                table: "span_profiles",
                columns: ["tenant", "profile_id", "start_ts", "span_id", "trace_id", "span_name", "totals", "top"],
                logger: logger
            ) { writer in
                try await writer.write(profile.spanRows)
            }
        }
        return true
    }
}

/// A profile's rows, computed before the transaction starts.
struct PreparedProfile: Sendable {
    let upload: ProfileUpload
    let summary: ProfileSummary
    let startText: String
    let day: Int64
    let sampleTypesJSON: String
    let labelsJSON: String
    var functionIDs: [Int64] = []
    var functionNames: [String] = []
    var functionFiles: [String] = []
    /// COPY text rows of `profile_functions` and `span_profiles`.
    var functionRows: ByteBuffer
    var spanRows: ByteBuffer

    init(_ upload: ProfileUpload) throws {
        self.upload = upload
        let summary = upload.profile.summary()
        self.summary = summary
        startText = UTCTime(unixNano: upload.startNanos).postgresText
        day = UTCTime.dayNumber(unixNano: upload.startNanos)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        sampleTypesJSON = String(decoding: try encoder.encode(summary.sampleTypes), as: UTF8.self)
        labelsJSON = String(decoding: try encoder.encode(upload.labels), as: UTF8.self)

        // Functions by id; distinct name+file pairs whose hashes collide are merged.
        var byID: [Int64: (name: String, file: String, flat: [Int64], cum: [Int64])] = [:]
        for function in summary.functions {
            let id = FunctionID.of(name: function.name, filename: function.filename)
            if var existing = byID[id] {
                for index in existing.flat.indices {
                    existing.flat[index] &+= function.flat[index]
                    existing.cum[index] &+= function.cum[index]
                }
                byID[id] = existing
            } else {
                byID[id] = (function.name, function.filename, function.flat, function.cum)
            }
        }
        var rows = CopyTextRows()
        for (id, function) in byID.sorted(by: { $0.key < $1.key }) {
            functionIDs.append(id)
            functionNames.append(function.name)
            functionFiles.append(function.file)
            for index in function.flat.indices where function.flat[index] != 0 || function.cum[index] != 0 {
                rows.text(upload.tenant)
                rows.text(upload.profileID)
                rows.text(upload.service)
                rows.text(upload.kind.rawValue)
                rows.text(startText)
                rows.integer(id)
                rows.integer(index)
                rows.integer(function.flat[index])
                rows.integer(function.cum[index], last: true)
            }
        }
        functionRows = rows.buffer

        // Spans: ids that are not 16 hex digits (a legacy `profile_id` label holding something
        // else) have no row; their samples still count in the profile's functions.
        var spans = CopyTextRows()
        let index = summary.defaultSampleTypeIndex
        var seen = Set<UInt64>()
        for span in upload.profile.spanBreakdown(functionLimit: Store.spanTopFunctionCount) {
            guard let spanID = SpanID(hex: span.spanID), seen.insert(spanID.value).inserted else { continue }
            let top = span.topFunctions(sampleTypeIndex: index, count: Store.spanTopFunctionCount).map {
                PprofReport.TopEntry(function: $0.name, file: $0.filename, flat: $0.flat[index], cum: $0.cum[index])
            }
            spans.text(upload.tenant)
            spans.text(upload.profileID)
            spans.text(startText)
            spans.text("\\x" + spanID.hexString)
            if let traceID = span.traceID.flatMap({ TraceID(hex: $0) }) {
                spans.text("\\x" + traceID.hexString)
            } else {
                spans.null()
            }
            if let name = span.spanName { spans.text(name) } else { spans.null() }
            spans.text("{" + span.totals.map(String.init).joined(separator: ",") + "}")
            spans.text(String(decoding: try encoder.encode(top), as: UTF8.self), last: true)
        }
        spanRows = spans.buffer
    }
}
