import Correlator
import GRPCCore
import Hummingbird
import NIOCore

// The messages of the OTLP gRPC services, read and written by our own `ProtobufWire` decoders
// and encoders (nothing generated, no swift-protobuf): the decoder a request goes through is
// the one `POST /v1/traces`, `/v1/metrics` and `/v1development/profiles` use, benchmarked and
// fuzzed once.

/// One `Export*ServiceRequest` as the gRPC receiver hands it on: decoded by the signal's shared
/// ingest path, with the size of the message (after `grpc-encoding` was undone) for the
/// tenant's byte rate.
struct OTLPExportRequest<Decoded: Sendable>: Sendable {
    var decoded: Decoded
    var messageBytes: Int
}

/// Decodes a request message with the signal's ingest path, after checking its size against the
/// route's `max_body_bytes` (the gRPC receiver's largest message). A refusal is an `RPCError`:
/// `RESOURCE_EXHAUSTED` over a limit, `INVALID_ARGUMENT` for a message that cannot be decoded,
/// saying what and where.
struct OTLPExportDeserializer<Decoded: Sendable>: MessageDeserializer {
    typealias Message = OTLPExportRequest<Decoded>

    /// The largest message accepted, in bytes.
    let maxMessageBytes: Int
    /// The gRPC method, for `correlator_limit_hits_total{route}`.
    let route: String
    /// The shared ingest path's decoder; throws `HTTPError` refusals.
    let decode: @Sendable (UnsafeRawBufferPointer) throws -> Decoded

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        let count = serializedMessageBytes.count
        guard count <= maxMessageBytes else {
            throw RPCError(refusal: IngestGate.refusal(
                .contentTooLarge, limit: "max_body_bytes", route: route,
                message: "message of \(count) bytes exceeds the limit of \(maxMessageBytes) bytes (max_body_bytes)"
            ))
        }
        do {
            let decoded = try serializedMessageBytes.withUnsafeBytes { try decode($0) }
            return OTLPExportRequest(decoded: decoded, messageBytes: count)
        } catch let error as HTTPError {
            if error.status == .contentTooLarge { LimitMetrics.hit("decoded_payload", route: route) }
            throw RPCError(refusal: error)
        }
    }
}

/// An `Export*ServiceResponse`: the three signals' responses share one shape,
/// `1 partial_success {1 rejected_<items> int64, 2 error_message string}`, empty when
/// everything was accepted.
protocol OTLPExportResponse: Sendable {
    /// The protobuf encoding.
    func protobuf() -> [UInt8]
}

extension ExportTraceServiceResponse: OTLPExportResponse {}

/// The response of an export from which nothing was rejected: the empty message
/// (`ExportMetricsServiceResponse`, `ExportProfilesServiceResponse`).
struct AcceptedExportResponse: OTLPExportResponse {
    func protobuf() -> [UInt8] { [] }
}

/// Writes an export response with `ProtobufWire`.
struct OTLPExportResponseSerializer<Response: OTLPExportResponse>: MessageSerializer {
    typealias Message = Response

    func serialize<Bytes: GRPCContiguousBytes>(_ message: Response) throws -> Bytes {
        Bytes(message.protobuf())
    }
}
