import Correlator
import Exemplars
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore

/// OTLP/HTTP trace ingest (`POST /v1/traces`) and the trace query
/// (`GET /api/v1/traces/{trace_id}`).
///
/// Ingest answers in the request's encoding: 200 with an `ExportTraceServiceResponse` (partial
/// success naming rejected spans), 400 with a `google.rpc.Status` for a body that cannot be
/// decoded, 413 over a limit, 415 for a content type other than protobuf or JSON, and 503 with
/// `Retry-After` when the store cannot take the spans (the exporter retries; the write is
/// idempotent).
struct TraceController<Repository: SpanRepository> {
    let ingest: TraceIngest<Repository>
    let limits: IngestLimits
    var repository: Repository { ingest.repository }
    var logger: Logger { ingest.logger }

    /// Seconds an exporter is asked to wait after a 503.
    static var retryAfterSeconds: Int { TraceIngest<Repository>.retryAfterSeconds }

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.post("/v1/traces") { request, context in
            try await export(request, context: context)
        }
        router.get("/api/v1/traces/:id") { request, context in
            try await trace(request, context: context)
        }
    }

    // MARK: - Ingest

    /// The OTLP/HTTP door of ``TraceIngest``: the body within the limits, `Content-Encoding`
    /// undone, decoded and stored; every refusal a `google.rpc.Status` in the request's encoding.
    func export(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let contentType = request.headers[.contentType]
        guard let encoding = OTLPEncoding(contentType: contentType) else {
            return OTLPEncoding.json.response(
                .unsupportedMediaType,
                RPCStatus(
                    code: .invalidArgument,
                    message: "Content-Type '\(contentType ?? "")' is not supported: send application/x-protobuf or application/json"
                )
            )
        }
        do {
            let raw = try await RequestBody.collect(request, limits: limits)
            let body = try RequestBody.decode(raw, contentEncoding: request.headers[.contentEncoding], limits: limits)
            let decoded = try body.withUnsafeReadableBytes { bytes in
                switch encoding {
                case .protobuf: try ingest.decode(protobuf: bytes)
                case .json: try ingest.decode(json: bytes)
                }
            }
            let response = try await ingest.store(decoded, tenant: context.tenant, route: "/v1/traces")
            switch encoding {
            case .protobuf: return encoding.response(.ok, response.protobuf())
            case .json: return encoding.response(.ok, response.json())
            }
        } catch let error as HTTPError {
            return encoding.response(error)
        }
    }

    // MARK: - Query

    func trace(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let text = context.parameters.get("id") ?? ""
        guard text.utf8.count == 32, text.utf8.allSatisfy(\.isHexDigit), let traceID = TraceID(hex: text) else {
            return Self.jsonError(.badRequest, "trace id '\(text.prefix(64))' is malformed: want 32 hex digits, not all zero")
        }
        let spans: [StoredSpan]
        do {
            spans = try await repository.spans(ofTrace: traceID, tenant: context.tenant)
        } catch {
            logger.error("trace query failed; answering 503", metadata: ["error": "\(String(reflecting: error))"])
            var response = Self.jsonError(.serviceUnavailable, "the span store is unavailable; retry later")
            response.headers[.retryAfter] = "\(Self.retryAfterSeconds)"
            return response
        }
        guard !spans.isEmpty else {
            return Self.jsonError(.notFound, "trace \(traceID.hexString) not found")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: StoredSpan.traceDocument(traceID: traceID, spans: spans)))
        )
    }

    /// `{"error":{"message":"…"}}`, the shape of Hummingbird's `HTTPError` used by every route.
    static func jsonError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: ["error": ["message": message]])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

extension TraceController where Repository == Store {
    /// The controller `buildRouter` mounts: the shared trace ingest path and the body limits.
    init(store: Store, configuration: CorrelatorConfiguration, refusals: RefusalLog) {
        self.init(ingest: TraceIngest(store: store, configuration: configuration, refusals: refusals), limits: configuration.limits)
    }
}
