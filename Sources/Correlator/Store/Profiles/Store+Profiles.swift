import Exemplars
import Foundation
import Logging
import Metrics
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
        try await writeStacks(profile, on: connection, logger: logger)
        if profile.spanRows.readableBytes > 0 {
            try await connection.copyFrom(
                table: "span_profiles",
                columns: ["tenant", "profile_id", "start_ts", "span_id", "trace_id", "span_name", "totals", "top", "stack_ids", "stack_values"],
                logger: logger
            ) { writer in
                try await writer.write(profile.spanRows)
            }
        }
        return true
    }
}

extension Store {
    /// The profile's stack aggregates for merging (migration 0010): its series, the stacks the
    /// tenant's dictionary does not hold yet (and a newer `last_day` for those it holds), and its
    /// `profile_stacks` row. Dictionary rows are inserted and updated in stack id order, so
    /// concurrent writers lock them in the same order.
    private static func writeStacks(_ profile: PreparedProfile, on connection: PostgresConnection, logger: Logger) async throws {
        let upload = profile.upload
        let day = UTCTime.dateString(day: profile.day)
        try await connection.query("""
            INSERT INTO profile_series (tenant, series_fp, service, type, labels, sample_types, last_day)
            VALUES (\(upload.tenant), \(profile.seriesFingerprint), \(upload.service), \(upload.kind.rawValue),
                    \(profile.labelsJSON)::jsonb, \(profile.sampleTypesJSON)::jsonb, \(day)::date)
            ON CONFLICT (tenant, series_fp) DO NOTHING
            """, logger: logger)
        // Moving last_day is a separate UPDATE that touches (and locks) the row only when the
        // day is newer: an upsert's ON CONFLICT … DO UPDATE … WHERE locks the row even when its
        // WHERE is false, which made every writer of a series wait for the others' commits.
        try await connection.query("""
            UPDATE profile_series SET last_day = \(day)::date
            WHERE tenant = \(upload.tenant) AND series_fp = \(profile.seriesFingerprint) AND last_day < \(day)::date
            """, logger: logger)
        guard !profile.stackIDs.isEmpty else { return }
        try await connection.query("""
            INSERT INTO profile_stack_dictionary (tenant, stack_id, function_ids, last_day)
            SELECT \(upload.tenant), s.id, s.functions::bigint[], \(day)::date
            FROM unnest(\(profile.stackIDs)::bigint[], \(profile.stackFunctions)::text[]) AS s(id, functions)
            ORDER BY s.id
            ON CONFLICT (tenant, stack_id) DO NOTHING
            """, logger: logger)
        // As for the series: only stacks last seen on an older day are updated, locked in id order.
        try await connection.query("""
            UPDATE profile_stack_dictionary SET last_day = \(day)::date
            WHERE (tenant, stack_id) IN (
                SELECT tenant, stack_id FROM profile_stack_dictionary
                WHERE tenant = \(upload.tenant) AND stack_id = ANY(\(profile.stackIDs)::bigint[]) AND last_day < \(day)::date
                ORDER BY stack_id FOR UPDATE)
            """, logger: logger)
        try await connection.query("""
            INSERT INTO profile_stacks (tenant, series_fp, start_ts, profile_id, start_unix_nano, duration_ns, period, stack_ids, stack_values)
            VALUES (\(upload.tenant), \(profile.seriesFingerprint), \(profile.startText)::timestamptz, \(upload.profileID),
                    \(upload.startNanos), \(upload.durationNanos), \(upload.profile.period), \(profile.stackIDs), \(profile.stackValues))
            ON CONFLICT DO NOTHING
            """, logger: logger)
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
    /// The stack aggregates (``ProfileStacks``): series, stack ids, each stack's function ids
    /// as a PostgreSQL array literal, and the values (stack-major, one per sample type).
    var seriesFingerprint: Int64
    var stackIDs: [Int64] = []
    var stackFunctions: [String] = []
    var stackValues: [Int64] = []

    init(_ upload: ProfileUpload) throws {
        // Text PostgreSQL cannot store (NUL) in a function name or file is a sampler's torn read
        // (py-spy in the Pyroscope SDK): repaired for every ingest path, the samples kept.
        var upload = upload
        let repaired = upload.profile.replaceNULInFunctions()
        if repaired > 0 {
            Counter(label: "correlator_profile_functions_nul_replaced_total").increment(by: repaired)
        }
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
        // Function ids by the profile's function index, shared by the span and profile stacks.
        var functionID: [Int32: Int64] = [:]
        func id(ofFunction index: Int32) -> Int64 {
            if let known = functionID[index] { return known }
            let info = upload.profile.functions[Int(index)]
            let id = FunctionID.of(name: info.name, filename: info.filename)
            functionID[index] = id
            return id
        }
        for span in upload.profile.spanBreakdown(functionLimit: Store.spanTopFunctionCount, includeStacks: true) {
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
            spans.text(String(decoding: try encoder.encode(top), as: UTF8.self))
            // The span's samples per stack (migration 0012), for span merges and explanations.
            let spanStacks = span.stacks ?? ProfileStacks(sampleTypeCount: span.totals.count)
            let ids = (0..<spanStacks.count).map { StackID.of(functionIDs: spanStacks.functions(ofStack: $0).map(id(ofFunction:))) }
            spans.text("{" + ids.map(String.init).joined(separator: ",") + "}")
            spans.text("{" + spanStacks.values.map(String.init).joined(separator: ",") + "}", last: true)
        }
        spanRows = spans.buffer

        seriesFingerprint = ProfileSeriesKey(service: upload.service, type: upload.kind.rawValue, labels: upload.labels, sampleTypes: summary.sampleTypes).fingerprint
        let stacks = upload.profile.stacks()
        stackIDs.reserveCapacity(stacks.count)
        stackFunctions.reserveCapacity(stacks.count)
        var ids: [Int64] = []
        for index in 0..<stacks.count {
            ids.removeAll(keepingCapacity: true)
            for function in stacks.functions(ofStack: index) {
                if let known = functionID[function] {
                    ids.append(known)
                } else {
                    let info = upload.profile.functions[Int(function)]
                    let id = FunctionID.of(name: info.name, filename: info.filename)
                    functionID[function] = id
                    ids.append(id)
                }
            }
            stackIDs.append(StackID.of(functionIDs: ids))
            stackFunctions.append("{" + ids.map(String.init).joined(separator: ",") + "}")
        }
        stackValues = stacks.values
    }
}
