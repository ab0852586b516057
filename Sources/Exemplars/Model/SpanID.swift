/// A 64-bit W3C / OpenTelemetry span id.
///
/// Stored as 8 bytes (`bytea`) and rendered as 16 lowercase hex digits.
public struct SpanID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The id's 8 bytes read as a big-endian integer.
    public var value: UInt64

    @inlinable
    public init(_ value: UInt64) {
        self.value = value
    }

    /// Parses exactly 16 hex digits (either case); nil otherwise or for the all-zero id.
    public init?(hex: some StringProtocol) {
        var string = String(hex)
        let parsed: UInt64? = string.withUTF8 { bytes in
            bytes.count == 16 ? parseHex64(bytes, 0) : nil
        }
        guard let parsed, parsed != 0 else { return nil }
        self.init(parsed)
    }

    /// Reads 8 big-endian bytes; nil for another length or the all-zero id.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        let value = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard value != 0 else { return nil }
        self.init(value)
    }

    /// The 8 bytes, big-endian, as stored in the `span_id bytea` column.
    public var bytes: [UInt8] { bigEndianBytes(value) }

    /// 16 lowercase hex digits.
    public var hexString: String { hexDigits(value) }

    public var description: String { hexString }

    public static func < (lhs: SpanID, rhs: SpanID) -> Bool { lhs.value < rhs.value }
}
