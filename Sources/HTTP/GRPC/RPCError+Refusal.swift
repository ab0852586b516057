import Correlator
import GRPCCore
import Hummingbird
import ProtobufWire

extension RPCError {
    /// The gRPC status of an ingest refusal: the code OTLP pairs with its HTTP status
    /// (``RPCStatus/Code/init(refusal:)``) and its message. A refusal with `Retry-After` (a
    /// writer saturated or timed out, the database away, a tenant over its rate) also carries
    /// the delay as a `google.rpc.RetryInfo` in `grpc-status-details-bin`, the richer error
    /// model the OpenTelemetry Collector's exporter reads its back-off from.
    init(refusal error: HTTPError) {
        let status = RPCStatus(refusal: error)
        var metadata = Metadata()
        if let seconds = error.headers[.retryAfter].flatMap(Int64.init), seconds > 0 {
            metadata.addBinary(status.protobuf(retryDelaySeconds: seconds), forKey: "grpc-status-details-bin")
        }
        self.init(code: Code(status.code), message: status.message, metadata: metadata)
    }
}

extension RPCError.Code {
    /// The gRPC code of a `google.rpc.Code` (they are the same numbers); `INTERNAL` for one
    /// gRPC does not know.
    init(_ code: RPCStatus.Code) {
        self = Status.Code(rawValue: Int(code.rawValue)).flatMap(RPCError.Code.init) ?? .internalError
    }
}

extension RPCStatus {
    /// This status with one detail, `google.rpc.RetryInfo {1 retry_delay google.protobuf.Duration
    /// {1 seconds}}`, packed in a `google.protobuf.Any {1 type_url, 2 value}` as `3 details`.
    func protobuf(retryDelaySeconds seconds: Int64) -> [UInt8] {
        var retryInfo = ProtobufWriter(capacity: 16)
        retryInfo.writeMessageField(1) { duration in duration.writeInt64Field(1, seconds) }
        var writer = ProtobufWriter(capacity: 80 + message.utf8.count)
        writer.writeRaw(protobuf())
        writer.writeMessageField(3) { any in
            any.writeStringField(1, "type.googleapis.com/google.rpc.RetryInfo")
            any.writeBytesField(2, retryInfo.bytes)
        }
        return writer.bytes
    }
}
