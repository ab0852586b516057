import Exemplars
import NIOCore
import PostgresNIO

extension Store {
    /// The spans of one trace of `tenant`, ordered by start time (then span id); empty when the
    /// trace is unknown.
    public func spans(ofTrace traceID: TraceID, tenant: String) async throws -> [StoredSpan] {
        try await measure("trace_spans") { try await querySpans(ofTrace: traceID, tenant: tenant) }
    }

    private func querySpans(ofTrace traceID: TraceID, tenant: String) async throws -> [StoredSpan] {
        let id = ByteBuffer(bytes: traceID.bytes)
        let rows = try await client.query(
            """
            SELECT span_id, parent_span_id, service, name, kind, start_unix_nano, duration_ns,
                   status_code, status_message, attributes::text, profile_id
            FROM spans
            WHERE tenant = \(tenant) AND trace_id = \(id)
            ORDER BY start_unix_nano, span_id
            """,
            logger: logger
        )
        var spans: [StoredSpan] = []
        for try await (spanID, parent, service, name, kind, start, duration, statusCode, statusMessage, attributes, profileID)
            in rows.decode((ByteBuffer, ByteBuffer?, String, String, Int16, Int64, Int64, Int16, String?, String, String?).self)
        {
            guard let spanID = SpanID(bytes: spanID.readableBytesView) else { continue }
            spans.append(StoredSpan(
                traceID: traceID, spanID: spanID, parentSpanID: parent.flatMap { SpanID(bytes: $0.readableBytesView) },
                service: service, name: name, kind: kind, startUnixNano: start, durationNanos: duration,
                statusCode: statusCode, statusMessage: statusMessage ?? "", attributesJSON: attributes,
                profileID: profileID
            ))
        }
        return spans
    }
}

extension Store {
    /// Of `spanIDs`, the ones (lowercase hex) with profile samples labelled with them stored.
    public func spansWithOwnSamples(tenant: String, spanIDs: [SpanID]) async throws -> Set<String> {
        let ids = spanIDs.map { ByteBuffer(bytes: $0.bytes) }
        let rows = try await client.query("""
            SELECT DISTINCT encode(span_id, 'hex') FROM span_profiles
            WHERE tenant = \(tenant) AND span_id = ANY(\(ids)::bytea[])
            """, logger: logger)
        var found = Set<String>()
        for try await id in rows.decode(String.self) { found.insert(id) }
        return found
    }
}
