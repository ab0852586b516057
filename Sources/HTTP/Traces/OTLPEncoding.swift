import Correlator
import Hummingbird

/// The two encodings of OTLP/HTTP, chosen by the request's `Content-Type`; the response uses
/// the same one.
enum OTLPEncoding {
    case protobuf
    case json

    /// The encoding of a `Content-Type` value (parameters such as `charset` are allowed), or nil.
    init?(contentType: String?) {
        guard let contentType else { return nil }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        switch mediaType.trimmingCharacters(in: .whitespaces).lowercased() {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }

    var contentType: String {
        switch self {
        case .protobuf: "application/x-protobuf"
        case .json: "application/json"
        }
    }

    /// A response carrying `body` in this encoding.
    func response(_ status: HTTPResponse.Status, _ body: [UInt8], headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A `google.rpc.Status` error response in this encoding.
    func response(_ status: HTTPResponse.Status, _ rpcStatus: RPCStatus, headers: HTTPFields = [:]) -> Response {
        switch self {
        case .protobuf: response(status, rpcStatus.protobuf(), headers: headers)
        case .json: response(status, rpcStatus.json(), headers: headers)
        }
    }

    /// A refusal as OTLP/HTTP sends it: the error's status and `Retry-After`, and its
    /// `google.rpc.Status` (``RPCStatus/init(refusal:)``) in this encoding.
    func response(_ error: HTTPError) -> Response {
        response(error.status, RPCStatus(refusal: error), headers: error.headers)
    }
}
