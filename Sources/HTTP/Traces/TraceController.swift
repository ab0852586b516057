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
    let repository: Repository
    let limits: IngestLimits
    let decoder: OTLPTraceDecoder
    let logger: Logger

    /// Seconds an exporter is asked to wait after a 503.
    static var retryAfterSeconds: Int { 5 }

    static var receivedSpans: Counter { TraceIngestMetrics.receivedSpans }
    static var rejectedSpans: Counter { TraceIngestMetrics.rejectedSpans }

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.post("/v1/traces") { request, context in
            try await export(request, context: context)
        }
        router.get("/api/v1/traces/:id") { request, context in
            try await trace(request, context: context)
        }
    }

    // MARK: - Ingest

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
        let body: ByteBuffer
        do {
            let raw = try await RequestBody.collect(request, limits: limits)
            body = try RequestBody.decode(raw, contentEncoding: request.headers[.contentEncoding], limits: limits)
        } catch let error as HTTPError {
            let code: RPCStatus.Code = error.status == .contentTooLarge ? .resourceExhausted : .invalidArgument
            return encoding.response(error.status, RPCStatus(code: code, message: error.body ?? "\(error.status)"))
        }

        let decoded: DecodedTraceExport
        do {
            decoded = try body.withUnsafeReadableBytes { bytes in
                switch encoding {
                case .protobuf: try decoder.decode(protobuf: bytes)
                case .json: try decoder.decode(json: bytes)
                }
            }
        } catch let error as OTLPTraceDecodingError {
            let status = RPCStatus(error)
            return encoding.response(status.code == .resourceExhausted ? .contentTooLarge : .badRequest, status)
        }

        if decoded.rejectedSpans > 0 {
            Self.rejectedSpans.increment(by: decoded.rejectedSpans)
        }
        if !decoded.spans.isEmpty {
            do {
                _ = try await repository.writeSpans(decoded.spans, tenant: context.tenant)
            } catch {
                logger.error(
                    "storing spans failed; answering 503",
                    metadata: ["tenant": "\(context.tenant)", "spans": "\(decoded.spans.count)", "error": "\(String(reflecting: error))"]
                )
                return encoding.response(
                    .serviceUnavailable,
                    RPCStatus(code: .unavailable, message: "the span store is unavailable; retry later"),
                    headers: [.retryAfter: "\(Self.retryAfterSeconds)"]
                )
            }
            Self.receivedSpans.increment(by: decoded.spans.count)
        }
        let response = decoded.response
        switch encoding {
        case .protobuf: return encoding.response(.ok, response.protobuf())
        case .json: return encoding.response(.ok, response.json())
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
    /// The controller `buildRouter` mounts: the store, the ingest limits and the configured
    /// profile-id attribute keys.
    init(store: Store, configuration: CorrelatorConfiguration) {
        var options = OTLPTraceDecoder.Options()
        options.profileIDAttributeKeys = configuration.traceProfileIDAttributes
        options.maxSpansPerRequest = configuration.limits.maxSpansPerRequest
        self.init(
            repository: store, limits: configuration.limits, decoder: OTLPTraceDecoder(options: options),
            logger: Logger(label: "correlator.traces")
        )
    }
}

/// The ingest counters (created on first use, after `MetricsRegistry` bootstrapped swift-metrics).
enum TraceIngestMetrics {
    /// Spans accepted and stored (a retried span counts again).
    static let receivedSpans = Counter(label: "correlator_spans_received_total")
    /// Spans left out because they broke OpenTelemetry's rules (partial success).
    static let rejectedSpans = Counter(label: "correlator_spans_rejected_total")
}
