import Correlator
import Hummingbird

// How a refused ingest request is told to its sender. The shared decode-and-store paths and
// the `IngestGate` throw Hummingbird's `HTTPError` (status, message, `Retry-After`); OTLP/HTTP
// answers with that status and a `google.rpc.Status` body in the request's encoding, OTLP/gRPC
// ends the call with the same `google.rpc.Status`. One mapping serves both receivers.

extension RPCStatus.Code {
    /// The `google.rpc.Code` of a refusal answered over HTTP with `status`, as the OTLP
    /// specification pairs them: 400 `INVALID_ARGUMENT`, 401 `UNAUTHENTICATED`, 403
    /// `PERMISSION_DENIED`, 413 and 429 `RESOURCE_EXHAUSTED`, 503 `UNAVAILABLE` (retryable),
    /// other 5xx `INTERNAL`.
    init(refusal status: HTTPResponse.Status) {
        switch status {
        case .unauthorized: self = .unauthenticated
        case .forbidden: self = .permissionDenied
        case .contentTooLarge, .tooManyRequests: self = .resourceExhausted
        case .serviceUnavailable: self = .unavailable
        default: self = status.code >= 500 ? .internal : .invalidArgument
        }
    }
}

extension RPCStatus {
    /// The status of a refusal: its code (``RPCStatus/Code/init(refusal:)``) and its message.
    init(refusal error: HTTPError) {
        self.init(code: Code(refusal: error.status), message: error.body ?? "\(error.status)")
    }
}
