import ProtobufWire

/// An OTLP trace export request could not be decoded as a whole: the body is not protobuf or
/// JSON of the right shape, or it exceeds a limit. (Individual bad spans are not errors; they
/// are counted in `DecodedTraceExport.rejectedSpans`.)
///
/// The description says what was wrong and where: the byte offset in the (uncompressed)
/// protobuf body, or the JSON path. It quotes no request data beyond field names.
public struct OTLPTraceDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure; compare with the static members (`error.code == .tooManySpans`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case malformedProtobuf
            case malformedJSON
            case tooManySpans
            case attributesTooLarge
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The body is not a well-formed `ExportTraceServiceRequest` in protobuf (HTTP 400).
        public static let malformedProtobuf = Code(.malformedProtobuf)
        /// The body is not well-formed OTLP JSON (HTTP 400).
        public static let malformedJSON = Code(.malformedJSON)
        /// The request carries more spans than `Options.maxSpansPerRequest` (HTTP 413).
        public static let tooManySpans = Code(.tooManySpans)
        /// The spans' attributes JSON would exceed `Options.maxAttributesJSONBytes` (HTTP 413).
        public static let attributesTooLarge = Code(.attributesTooLarge)

        public var description: String {
            switch base {
            case .malformedProtobuf: "malformed OTLP protobuf"
            case .malformedJSON: "malformed OTLP JSON"
            case .tooManySpans: "too many spans"
            case .attributesTooLarge: "attributes too large"
            }
        }
    }

    /// What kind of failure.
    public let code: Code
    /// Byte offset in the uncompressed protobuf body where the problem was found.
    public let offset: Int?
    /// Where in an OTLP JSON body the problem was found, e.g. `resourceSpans[0].scopeSpans[1].spans[2].name`.
    public let path: String?
    /// What was wrong, without the location.
    public let reason: String

    init(code: Code, reason: String, offset: Int? = nil, path: String? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.path = path
    }

    static func protobuf(_ error: ProtobufDecodingError) -> OTLPTraceDecodingError {
        OTLPTraceDecodingError(code: .malformedProtobuf, reason: error.reason, offset: error.offset)
    }

    static func json(_ reason: String, at path: String?) -> OTLPTraceDecodingError {
        OTLPTraceDecodingError(code: .malformedJSON, reason: reason, path: path)
    }

    static func tooManySpans(limit: Int, offset: Int? = nil, path: String? = nil) -> OTLPTraceDecodingError {
        OTLPTraceDecodingError(
            code: .tooManySpans, reason: "the request has more than \(limit) spans", offset: offset, path: path
        )
    }

    static func attributesTooLarge(limit: Int) -> OTLPTraceDecodingError {
        OTLPTraceDecodingError(
            code: .attributesTooLarge,
            reason: "the spans' attributes would take more than \(limit) bytes of JSON (resource attributes repeat on every span)"
        )
    }

    public var description: String {
        if let offset {
            return "\(code): \(reason) at byte \(offset)"
        }
        if let path, !path.isEmpty {
            return "\(code): \(reason) at \(path)"
        }
        return "\(code): \(reason)"
    }
}
