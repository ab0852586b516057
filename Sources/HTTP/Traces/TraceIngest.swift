import Correlator
import Hummingbird
import Logging
import Metrics

/// The one decode-and-store path of OTLP traces, taken by both receivers: `POST /v1/traces`
/// (``TraceController``) and the gRPC `TraceService/Export` (``OTLPGRPCReceiver``). The
/// transport delivers the message (inflated, within its size limit) and the tenant; this
/// decodes it, stores the accepted spans and gives the response to send after the commit.
///
/// Refusals are `HTTPError`s each receiver translates (``RPCStatus/init(refusal:)``): a message
/// that cannot be decoded is a 400 (`INVALID_ARGUMENT`) and one over a limit a 413
/// (`RESOURCE_EXHAUSTED`), both naming what and where; a store that cannot take the spans is a
/// 503 (`UNAVAILABLE`) with `Retry-After`: the exporter retries and the write is idempotent.
/// Spans rejected one by one (partial success) are refusals too, and go to the same log as the
/// gate's whole-request refusals: the exporter's own log may be out of the operator's reach.
struct TraceIngest<Repository: SpanRepository>: Sendable {
    let repository: Repository
    let decoder: OTLPTraceDecoder
    let logger: Logger
    let refusals: RefusalLog

    /// Seconds an exporter is asked to wait after a 503.
    static var retryAfterSeconds: Int { 5 }

    /// Decodes an `ExportTraceServiceRequest` in protobuf.
    func decode(protobuf bytes: UnsafeRawBufferPointer) throws -> DecodedTraceExport {
        do {
            return try decoder.decode(protobuf: bytes)
        } catch {
            throw Self.refusal(error)
        }
    }

    /// Decodes an `ExportTraceServiceRequest` in OTLP JSON.
    func decode(json bytes: UnsafeRawBufferPointer) throws -> DecodedTraceExport {
        do {
            return try decoder.decode(json: bytes)
        } catch {
            throw Self.refusal(error)
        }
    }

    /// Stores the accepted spans for `tenant` and returns the response to send once they are
    /// committed: partial success naming the spans the decoder rejected, if any. `route` names
    /// the receiver in the refusal log.
    func store(_ decoded: DecodedTraceExport, tenant: String, route: String) async throws -> ExportTraceServiceResponse {
        if decoded.rejectedSpans > 0 {
            TraceIngestMetrics.rejectedSpans.increment(by: decoded.rejectedSpans)
            refusals.refused(route: route, tenant: tenant, status: "partial_success", reason: decoded.message)
        }
        if !decoded.spans.isEmpty {
            do {
                _ = try await repository.writeSpans(decoded.spans, tenant: tenant)
            } catch {
                logger.error(
                    "storing spans failed; answering 503",
                    metadata: ["tenant": "\(tenant)", "spans": "\(decoded.spans.count)", "error": "\(String(reflecting: error))"]
                )
                throw HTTPError(
                    .serviceUnavailable, headers: [.retryAfter: "\(Self.retryAfterSeconds)"],
                    message: "the span store is unavailable; retry later"
                )
            }
            TraceIngestMetrics.receivedSpans.increment(by: decoded.spans.count)
        }
        return decoded.response
    }

    private static func refusal(_ error: OTLPTraceDecodingError) -> HTTPError {
        let status = RPCStatus(error)
        return HTTPError(status.code == .resourceExhausted ? .contentTooLarge : .badRequest, message: status.message)
    }
}

extension TraceIngest where Repository == Store {
    /// The path both receivers mount: the store, `max_spans_per_request`, the configured
    /// profile-id attribute keys, and the refusal log of the receivers' gate.
    init(store: Store, configuration: CorrelatorConfiguration, refusals: RefusalLog) {
        var options = OTLPTraceDecoder.Options()
        options.profileIDAttributeKeys = configuration.traceProfileIDAttributes
        options.maxSpansPerRequest = configuration.limits.maxSpansPerRequest
        self.init(
            repository: store, decoder: OTLPTraceDecoder(options: options), logger: Logger(label: "correlator.traces"), refusals: refusals
        )
    }
}

/// The ingest counters, created on first use. A swift-metrics counter made before the system is
/// bootstrapped stays a no-op for good, so each one bootstraps it first (`MetricsRegistry.shared`)
/// instead of relying on the router having done so: a receiver used without the router (the gRPC
/// receiver in a test) could leave `/metrics` without them for the rest of the process.
enum TraceIngestMetrics {
    /// Spans accepted and stored (a retried span counts again).
    static let receivedSpans = counter("correlator_spans_received_total")
    /// Spans left out because they broke OpenTelemetry's rules (partial success).
    static let rejectedSpans = counter("correlator_spans_rejected_total")

    private static func counter(_ label: String) -> Counter {
        _ = MetricsRegistry.shared
        return Counter(label: label)
    }
}
