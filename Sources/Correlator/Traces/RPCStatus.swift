import ProtobufWire

/// A `google.rpc.Status` (`1 code int32`, `2 message string`; `3 details` is never sent): the
/// body OTLP/HTTP servers return with an error status (400, 413, 429, 503, …), in the request's
/// encoding, and the status of a refused OTLP/gRPC call.
public struct RPCStatus: Sendable, Hashable, Error {
    /// A `google.rpc.Code` value.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// The request was malformed (HTTP 400).
        public static let invalidArgument = Code(rawValue: 3)
        /// The caller may not do this: wrong tenant or scope (HTTP 403).
        public static let permissionDenied = Code(rawValue: 7)
        /// A limit was exceeded (HTTP 413 / 429).
        public static let resourceExhausted = Code(rawValue: 8)
        /// A server bug (HTTP 500).
        public static let `internal` = Code(rawValue: 13)
        /// Temporarily unable to serve; retry (HTTP 503).
        public static let unavailable = Code(rawValue: 14)
        /// No or an unknown token (HTTP 401).
        public static let unauthenticated = Code(rawValue: 16)
    }

    /// The `google.rpc.Code`.
    public var code: Code
    /// A developer-facing explanation.
    public var message: String

    /// A status with the given code and message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The status for a request the decoder refused: `invalidArgument` for a malformed body,
    /// `resourceExhausted` for one over a size limit; the message is the error's description.
    public init(_ error: OTLPTraceDecodingError) {
        let tooLarge = error.code == .tooManySpans || error.code == .attributesTooLarge
        self.code = tooLarge ? .resourceExhausted : .invalidArgument
        self.message = error.description
    }

    /// The protobuf encoding (defaults omitted, as proto3 does).
    public func protobuf() -> [UInt8] {
        var writer = ProtobufWriter(capacity: 8 + message.utf8.count)
        if code.rawValue != 0 { writer.writeInt32Field(1, code.rawValue) }
        if !message.isEmpty { writer.writeStringField(2, message) }
        return writer.bytes
    }

    /// The JSON encoding, `{"code":3,"message":"…"}` (int32 is a JSON number in proto3 JSON).
    public func json() -> [UInt8] {
        var writer = JSONWriter(capacity: 32 + message.utf8.count)
        writer.byte(UInt8(ascii: "{"))
        if code.rawValue != 0 {
            writer.ascii("\"code\":")
            writer.int(Int64(code.rawValue))
        }
        if !message.isEmpty {
            if code.rawValue != 0 { writer.byte(UInt8(ascii: ",")) }
            writer.ascii("\"message\":")
            _ = writer.string(message)
        }
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }
}
