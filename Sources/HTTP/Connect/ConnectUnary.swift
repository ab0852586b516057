import Foundation
import Hummingbird
import NIOCore

/// Connect's unary protocol over HTTP/1.1, as Pyroscope's SDKs, Grafana Alloy and Grafana's
/// Pyroscope data source speak it: `POST /<package>.<Service>/<Method>` whose body is the
/// request message in the codec `Content-Type` names (`application/proto` or
/// `application/json`), compressed as `Content-Encoding` says (the ingest body handling undoes
/// gzip); the answer is the response message in the same codec, or an error as JSON
/// `{"code": "…", "message": "…"}` with the HTTP status Connect gives the code.
/// Only the wire mechanics live here: the services translate messages to our model.
extension ConnectCodec {
    /// A successful answer: the response message's bytes in this codec.
    func response(_ body: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A Connect error: a code from gRPC's set and a message that says what and where.
struct ConnectError: Error, HTTPResponseError, CustomStringConvertible {
    enum Code: String, Sendable {
        case invalidArgument = "invalid_argument"
        case unauthenticated
        case permissionDenied = "permission_denied"
        case notFound = "not_found"
        case resourceExhausted = "resource_exhausted"
        case unimplemented
        case unavailable
        case internalError = "internal"

        /// The HTTP status Connect's protocol gives the code.
        var status: HTTPResponse.Status {
            switch self {
            case .invalidArgument: .badRequest
            case .unauthenticated: .unauthorized
            case .permissionDenied: .forbidden
            case .notFound: .notFound
            case .resourceExhausted: .tooManyRequests
            case .unimplemented: .notImplemented
            case .unavailable: .serviceUnavailable
            case .internalError: .internalServerError
            }
        }

        /// The code of an HTTP error another layer raised (limits, auth, the database).
        init(status: HTTPResponse.Status) {
            switch status.code {
            case 400, 415: self = .invalidArgument
            case 401: self = .unauthenticated
            case 403: self = .permissionDenied
            case 404: self = .notFound
            case 413, 429: self = .resourceExhausted
            case 503: self = .unavailable
            default: self = .internalError
            }
        }
    }

    let code: Code
    let message: String
    var headers: HTTPFields = [:]

    init(_ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.code = code
        self.message = message
        self.headers = headers
    }

    var status: HTTPResponse.Status { code.status }
    var description: String { "\(code.rawValue): \(message)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["code": code.rawValue, "message": message], options: [.sortedKeys])
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: code.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The same refusal in Connect's shape, for an error another layer raised.
    init(_ error: HTTPError) {
        self.init(Code(status: error.status), error.body ?? "\(error.status)", headers: error.headers)
    }
}
