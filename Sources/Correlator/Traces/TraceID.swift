// NOTE: the Exemplars module (Sources/Exemplars/Model/TraceID.swift) declares `TraceID` and
// `SpanID` with the same layout, API and semantics. Correlator imports Exemplars, so once both
// are on main these two declarations should be deleted in favour of `import Exemplars` (the
// trace code uses only the members both share); until then a module importing both Correlator
// and Exemplars must qualify the names.

/// A 128-bit W3C / OpenTelemetry trace id.
///
/// Stored as 16 bytes (`bytea`) and rendered as 32 lowercase hex digits. Held as two 64-bit
/// halves so that a column of ids is one flat array, hashing and comparing cheaply.
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

    /// Parses 32 hex digits, or 16 (a 64-bit id, left-padded with zeros as the OpenTelemetry
    /// specification says). Either case. Nil for any other length, a non-hex digit, or the
    /// all-zero id, which W3C trace context defines as invalid.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 32 || utf8.count == 16, let bytes = HexDigits.decode(utf8) else { return nil }
        self.init(bytes: [UInt8](repeating: 0, count: 16 - bytes.count) + bytes)
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
    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(16)
        HexDigits.appendBigEndian(high, to: &result)
        HexDigits.appendBigEndian(low, to: &result)
        return result
    }

    /// 32 lowercase hex digits.
    public var hexString: String {
        var result = [UInt8]()
        result.reserveCapacity(32)
        HexDigits.appendHex(high, to: &result)
        HexDigits.appendHex(low, to: &result)
        return String(decoding: result, as: UTF8.self)
    }

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
        let utf8 = Array(hex.utf8)
        guard utf8.count == 16, let bytes = HexDigits.decode(utf8) else { return nil }
        self.init(bytes: bytes)
    }

    /// Reads 8 big-endian bytes; nil for another length or the all-zero id.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        let value = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard value != 0 else { return nil }
        self.init(value)
    }

    /// The 8 bytes, big-endian, as stored in the `span_id bytea` column.
    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(8)
        HexDigits.appendBigEndian(value, to: &result)
        return result
    }

    /// 16 lowercase hex digits.
    public var hexString: String {
        var result = [UInt8]()
        result.reserveCapacity(16)
        HexDigits.appendHex(value, to: &result)
        return String(decoding: result, as: UTF8.self)
    }

    public var description: String { hexString }

    public static func < (lhs: SpanID, rhs: SpanID) -> Bool { lhs.value < rhs.value }
}
