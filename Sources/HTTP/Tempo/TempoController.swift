import Correlator
import Exemplars
import Foundation
import Hummingbird
import NIOCore

/// Tempo's trace API, so Grafana's Tempo data source can show Correlator's traces by id:
/// - `GET /api/traces/{id}` — Tempo's `Trace`: protobuf (wire-identical to OTLP `TracesData`)
///   for `Accept: application/protobuf`, else JSON `{"batches": […]}` as Tempo writes it;
/// - `GET /api/v2/traces/{id}` — `{"trace": {"resourceSpans": […]}, "status": "COMPLETE"}`;
/// - `GET /api/echo` — `echo`, the data source's connection test.
/// Every span whose own profile samples are stored carries `pyroscope.profile.id` = its span id,
/// so Grafana offers "Profiles for this span" even where the instrumentation did not set it.
struct TempoController {
    let store: Store

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/api/traces/{id}") { request, context in try await trace(request, context: context, version: 1) }
        router.get("/api/v2/traces/{id}") { request, context in try await trace(request, context: context, version: 2) }
        router.get("/api/echo") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "echo")))
        }
    }

    func trace(_ request: Request, context: CorrelatorRequestContext, version: Int) async throws -> Response {
        let text = try context.parameters.require("id")
        let hex = text.count < 32 && text.count > 0 ? String(repeating: "0", count: 32 - text.count) + text : text
        guard let traceID = TraceID(hex: hex.lowercased()) else {
            throw HTTPError(.badRequest, message: "trace id '\(text.prefix(64))' is malformed: want up to 32 hex digits, not all zero")
        }
        let (spans, profiled) = try await withDatabaseErrors {
            let spans = try await store.spans(ofTrace: traceID, tenant: context.tenant)
            let profiled = spans.isEmpty ? [] : try await store.spansWithOwnSamples(tenant: context.tenant, spanIDs: spans.map(\.spanID))
            return (spans, profiled)
        }
        guard !spans.isEmpty else { throw HTTPError(.notFound, message: "trace \(traceID.hexString) not found") }
        let data = TracesDataEncoding(spans: spans, profiled: profiled)
        let accept = request.headers[.accept]?.lowercased() ?? ""
        if version == 1, accept.contains("application/protobuf") || accept.contains("application/x-protobuf") {
            return Response(status: .ok, headers: [.contentType: "application/protobuf"], body: .init(byteBuffer: ByteBuffer(bytes: data.protobuf())))
        }
        let object: [String: Any] = version == 1
            ? ["batches": data.jsonResourceSpans()]
            : ["trace": ["resourceSpans": data.jsonResourceSpans()], "status": "COMPLETE"]
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
