/// A 128-bit W3C / OpenTelemetry trace id.
///
/// Stored as 16 bytes (`bytea`) and rendered as 32 lowercase hex digits.
public struct TraceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses 32 hex digits, or 16 hex digits (a 64-bit id from Jaeger, Zipkin or an older
    /// client), which are left-padded with zeros as the OpenTelemetry specification says for
    /// 64-bit trace ids. Either case is accepted. Returns nil for any other length, a non-hex
    /// digit, or the all-zero id, which W3C trace context defines as invalid.
    public init?(hex: some StringProtocol) {
        var string = String(hex)
        let parsed: (UInt64, UInt64)? = string.withUTF8 { bytes in
            switch bytes.count {
            case 32:
                guard let high = parseHex64(bytes, 0), let low = parseHex64(bytes, 16) else { return nil }
                return (high, low)
            case 16:
                guard let low = parseHex64(bytes, 0) else { return nil }
                return (0, low)
            default:
                return nil
            }
        }
        guard let (high, low) = parsed, high != 0 || low != 0 else { return nil }
        self.init(high: high, low: low)
    }

    /// Reads 16 big-endian bytes; nil for another length or the all-zero id.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        guard high != 0 || low != 0 else { return nil }
        self.init(high: high, low: low)
    }

    /// The 16 bytes, big-endian, as stored in the `trace_id bytea` column.
    public var bytes: [UInt8] { bigEndianBytes(high) + bigEndianBytes(low) }

    /// 32 lowercase hex digits.
    public var hexString: String { hexDigits(high) + hexDigits(low) }

    public var description: String { hexString }

    public static func < (lhs: TraceID, rhs: TraceID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
