import Correlator
import Exemplars

/// What the trace routes need from storage.
protocol SpanRepository: Sendable {
    /// Stores spans for a tenant; returns after commit.
    func writeSpans(_ batch: SpanBatch, tenant: String) async throws -> SpanWriteResult
    /// The spans of one trace, ordered by start; empty when unknown.
    func spans(ofTrace traceID: TraceID, tenant: String) async throws -> [StoredSpan]
}

extension Store: SpanRepository {}
