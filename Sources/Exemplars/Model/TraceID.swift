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

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
    default: nil
    }
}

/// 16 hex digits starting at `start`.
func parseHex64(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> UInt64? {
    var result: UInt64 = 0
    for index in start..<(start + 16) {
        guard let digit = hexValue(bytes[index]) else { return nil }
        result = result << 4 | UInt64(digit)
    }
    return result
}

func hexDigits(_ value: UInt64) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    return String(unsafeUninitializedCapacity: 16) { buffer in
        for index in 0..<16 {
            buffer[index] = digits[Int((value >> UInt64(60 - 4 * index)) & 0xF)]
        }
        return 16
    }
}

func bigEndianBytes(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
}
