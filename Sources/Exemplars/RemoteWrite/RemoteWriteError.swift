import ProtobufWire

/// A remote write body could not be decoded: what was wrong and at which byte.
///
/// Snappy problems are located in the compressed body, protobuf and label problems in the
/// decompressed message; ``description`` says which.
public struct RemoteWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem, comparable with `==` (`error.code == .framedSnappy`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case framedSnappy, corruptSnappy, decompressedTooLarge, malformedProtobuf, invalidLabels
            case labelNameTooLong, labelValueTooLong, tooManyLabels, tooManySeries
        }

        fileprivate let base: Base

        /// The body uses snappy's framed format instead of the block format.
        public static let framedSnappy = Code(base: .framedSnappy)
        /// The snappy block is corrupt.
        public static let corruptSnappy = Code(base: .corruptSnappy)
        /// The decompressed body would exceed ``ExemplarLimits/maxDecompressedBytes``.
        public static let decompressedTooLarge = Code(base: .decompressedTooLarge)
        /// The protobuf message is malformed (truncated, bad varint, wrong wire type, bad UTF-8).
        public static let malformedProtobuf = Code(base: .malformedProtobuf)
        /// A series has no labels, an empty label name, or a name twice.
        public static let invalidLabels = Code(base: .invalidLabels)
        /// A series label name exceeds ``ExemplarLimits/maxLabelNameLength``.
        public static let labelNameTooLong = Code(base: .labelNameTooLong)
        /// A series label value exceeds ``ExemplarLimits/maxLabelValueLength``.
        public static let labelValueTooLong = Code(base: .labelValueTooLong)
        /// A series has more labels than ``ExemplarLimits/maxLabelsPerSeries``.
        public static let tooManyLabels = Code(base: .tooManyLabels)
        /// The request has more series than ``ExemplarLimits/maxSeriesPerRequest``.
        public static let tooManySeries = Code(base: .tooManySeries)

        public var description: String { base.rawValue }
    }

    /// Which bytes ``RemoteWriteError/offset`` counts.
    public enum Location: Sendable, Hashable {
        /// The body as received (snappy-compressed).
        case compressedBody
        /// The decompressed protobuf message.
        case message
    }

    public let code: Code
    /// Byte offset of the problem, when known (libsnappy reports none for some corruptions).
    public let offset: Int?
    public let location: Location
    /// What was wrong, without the position.
    public let reason: String

    init(_ code: Code, offset: Int?, in location: Location, _ reason: String) {
        self.code = code
        self.offset = offset
        self.location = location
        self.reason = reason
    }

    init(_ error: SnappyError) {
        let code: Code
        switch error.code {
        case .framedFormat: code = .framedSnappy
        case .tooLarge: code = .decompressedTooLarge
        default: code = .corruptSnappy
        }
        self.init(code, offset: error.offset, in: .compressedBody, error.reason)
    }

    init(_ error: ProtobufDecodingError) {
        self.init(.malformedProtobuf, offset: error.offset, in: .message, error.reason)
    }

    /// Whether a limit of ``ExemplarLimits`` was exceeded.
    public var isLimitViolation: Bool {
        switch code.base {
        case .decompressedTooLarge, .labelNameTooLong, .labelValueTooLong, .tooManyLabels, .tooManySeries: true
        default: false
        }
    }

    /// Whether the request is too large as a whole (answer 413 rather than 400).
    public var isPayloadTooLarge: Bool {
        code == .decompressedTooLarge || code == .tooManySeries
    }

    public var description: String {
        guard let offset else { return reason }
        switch location {
        case .compressedBody: return "\(reason) at byte \(offset) of the snappy body"
        case .message: return "\(reason) at byte \(offset) of the decompressed message"
        }
    }
}
