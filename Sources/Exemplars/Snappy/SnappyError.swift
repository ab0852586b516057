/// A body could not be decompressed as a snappy block.
public struct SnappyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, comparable with `==` (`error.code == .framedFormat`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable {
            case framedFormat, corrupt, tooLarge
        }

        fileprivate let base: Base

        /// The body is in snappy's *framed* (streaming) format; remote write uses the block format.
        public static let framedFormat = Code(base: .framedFormat)
        /// The block is malformed.
        public static let corrupt = Code(base: .corrupt)
        /// The length preamble claims more bytes than the limit allows.
        public static let tooLarge = Code(base: .tooLarge)

        public var description: String {
            switch base {
            case .framedFormat: "framedFormat"
            case .corrupt: "corrupt"
            case .tooLarge: "tooLarge"
            }
        }
    }

    public let code: Code
    /// Byte offset in the compressed input where the problem was found, when known.
    /// libsnappy reports no offsets; Correlator finds one by re-walking the block's elements.
    public let offset: Int?
    /// For ``Code/tooLarge``: the length the preamble claims.
    public let claimedLength: Int?
    /// For ``Code/tooLarge``: the limit it exceeded.
    public let limit: Int?

    init(_ code: Code, offset: Int?, claimedLength: Int? = nil, limit: Int? = nil) {
        self.code = code
        self.offset = offset
        self.claimedLength = claimedLength
        self.limit = limit
    }

    /// What was wrong, without the position.
    public var reason: String {
        switch code.base {
        case .framedFormat:
            "body is in the framed snappy format; remote write uses the snappy block format"
        case .corrupt:
            "corrupt snappy block"
        case .tooLarge:
            "snappy block claims \(claimedLength ?? 0) decompressed bytes, over the limit of \(limit ?? 0)"
        }
    }

    public var description: String {
        guard let offset else { return reason }
        return "\(reason) at byte \(offset)"
    }
}
