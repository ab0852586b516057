import Correlator
import Exemplars
import Foundation
import Hummingbird
import Logging

/// The one decode-and-store path of OTLP metrics, taken by both receivers: `POST /v1/metrics`
/// (``ExemplarsController``) and the gRPC `MetricsService/Export` (``OTLPGRPCReceiver``).
/// Correlator keeps the exemplars that carry a trace id, under the series Prometheus would
/// give them (``PrometheusOTLPNaming``); the samples themselves are not stored, so nothing is
/// rejected and the response is the empty `ExportMetricsServiceResponse`.
///
/// Refusals are `HTTPError`s each receiver translates (``RPCStatus/init(refusal:)``): a message
/// that cannot be decoded, or an exemplar over a label limit, is a 400 (`INVALID_ARGUMENT`)
/// naming what and where; more exemplars than `max_series_per_request` a 413
/// (`RESOURCE_EXHAUSTED`); a database that is away a 503 (`UNAVAILABLE`) with `Retry-After`.
/// Nothing of a refused export is stored.
struct OTLPMetricsIngest: Sendable {
    let store: Store
    let limits: IngestLimits
    let idKeys: ExemplarIDKeys
    let logger = Logger(label: "correlator.exemplars")

    /// The label limits of the text and remote-write decoders, from the configuration.
    var exemplarLimits: ExemplarLimits {
        var exemplarLimits = ExemplarLimits.default
        exemplarLimits.maxDecompressedBytes = limits.maxDecompressedBytes
        exemplarLimits.maxSeriesPerRequest = limits.maxSeriesPerRequest
        exemplarLimits.maxLabelsPerSeries = limits.maxLabelsPerSeries
        exemplarLimits.maxLabelNameLength = limits.maxLabelNameLength
        exemplarLimits.maxLabelValueLength = limits.maxLabelValueLength
        return exemplarLimits
    }

    /// The exemplars of an `ExportMetricsServiceRequest` in protobuf.
    func decode(protobuf bytes: UnsafeRawBufferPointer) throws -> [OTLPMetricExemplar] {
        do {
            return try OTLPMetricsDecoder.exemplars(protobuf: bytes)
        } catch {
            throw HTTPError(.badRequest, message: Self.describe(error))
        }
    }

    /// The exemplars of an `ExportMetricsServiceRequest` in OTLP JSON.
    func decode(json data: Data) throws -> [OTLPMetricExemplar] {
        do {
            return try OTLPMetricsDecoder.exemplars(json: data)
        } catch {
            throw HTTPError(.badRequest, message: Self.describe(error))
        }
    }

    /// Translates the exemplars that carry a trace id and stores them for `tenant`; returns
    /// once they are committed.
    func store(_ items: [OTLPMetricExemplar], tenant: String) async throws {
        guard items.count <= limits.maxSeriesPerRequest else {
            throw HTTPError(.contentTooLarge, message: "\(items.count) exemplars in one export exceed max_series_per_request (\(limits.maxSeriesPerRequest))")
        }
        let (exemplars, _) = PrometheusOTLPNaming.exemplars(items, defaultTimestamp: ExemplarsController.nowMilliseconds(), idKeys: idKeys)
        if let problem = exemplars.lazy.compactMap(exemplarLimits.problem(with:)).first {
            throw HTTPError(.badRequest, message: problem)
        }
        guard !exemplars.isEmpty else { return }
        do {
            try await store.writeExemplars(exemplars, tenant: tenant)
        } catch {
            throw StoreUnavailable.httpError(for: error, logger: logger, what: "storing \(exemplars.count) exemplars")
        }
    }

    private static func describe(_ error: any Error) -> String {
        (error as? OTLPMetricsDecodingError)?.description ?? "ExportMetricsServiceRequest: \(error)"
    }
}
