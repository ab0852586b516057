/// A protobuf message could not be decoded: what was wrong and at which byte offset.
public struct ProtobufDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    @usableFromInline
    enum Code: Sendable, Equatable {
        case truncated
        case malformedVarint
        case invalidFieldNumber
        case invalidWireType
        case unexpectedWireType
        case unsupportedGroup
        case invalidUTF8
        case custom(String)
    }

    @usableFromInline let code: Code
    /// Byte offset in the decoded (uncompressed) message where the problem was found.
    public let offset: Int

    @usableFromInline
    init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// An error a schema-level decoder raises (an id out of range, a missing required field).
    public static func invalid(_ reason: String, at offset: Int) -> ProtobufDecodingError {
        ProtobufDecodingError(.custom(reason), at: offset)
    }

    public var reason: String {
        switch code {
        case .truncated: "message truncated"
        case .malformedVarint: "malformed varint"
        case .invalidFieldNumber: "invalid field number"
        case .invalidWireType: "invalid wire type"
        case .unexpectedWireType: "field has the wrong wire type"
        case .unsupportedGroup: "groups are not supported"
        case .invalidUTF8: "string is not valid UTF-8"
        case .custom(let reason): reason
        }
    }

    public var description: String { "\(reason) at byte \(offset)" }
}
