import ProtobufWire

/// A profile could not be decoded: what was wrong and, when known, at which byte of the
/// decompressed message.
///
/// Like postgres-nio's `PSQLError`, a struct around a private code so cases can be added without
/// breaking callers. Match on ``code`` to choose a response (all of them mean the client sent bad
/// data; ``Code/tooLarge`` and ``Code/tooManySamples`` mean it was too big).
public struct ProfileDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem, for callers that map errors to responses.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case corruptCompression
            case tooLarge
            case tooManySamples
            case malformedMessage
            case invalidReference
            case invalidValue
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The gzip stream is corrupt or truncated.
        public static let corruptCompression = Code(.corruptCompression)
        /// The decompressed message exceeds ``ProfileDecodingLimits/maxDecompressedBytes``.
        public static let tooLarge = Code(.tooLarge)
        /// The profile has more samples than ``ProfileDecodingLimits/maxSamples``.
        public static let tooManySamples = Code(.tooManySamples)
        /// The protobuf encoding is broken (truncated, bad varint, wrong wire type).
        public static let malformedMessage = Code(.malformedMessage)
        /// An index or id points at nothing (string index out of range, unknown or zero id).
        public static let invalidReference = Code(.invalidReference)
        /// A field has a value the schema does not allow (wrong number of sample values).
        public static let invalidValue = Code(.invalidValue)

        public var description: String {
            switch base {
            case .corruptCompression: "corruptCompression"
            case .tooLarge: "tooLarge"
            case .tooManySamples: "tooManySamples"
            case .malformedMessage: "malformedMessage"
            case .invalidReference: "invalidReference"
            case .invalidValue: "invalidValue"
            }
        }
    }

    /// The kind of problem.
    public let code: Code
    /// What was wrong, in words that name the element (e.g. "sample 12 references location 99
    /// which does not exist").
    public let reason: String
    /// Byte offset in the decompressed message where the problem was found, when known.
    public let offset: Int?

    init(_ code: Code, _ reason: String, at offset: Int? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
    }

    init(_ error: ProtobufDecodingError) {
        self.init(.malformedMessage, error.reason, at: error.offset)
    }

    public var description: String {
        if let offset { "\(reason) at byte \(offset)" } else { reason }
    }
}
