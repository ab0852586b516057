// Hex and big-endian helpers shared by TraceID and SpanID.

/// The value of one ASCII hex digit (either case), or nil. Also used by the HTTP module's form
/// decoding.
@inlinable @inline(__always)
public func hexValue(_ byte: UInt8) -> UInt8? {
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
