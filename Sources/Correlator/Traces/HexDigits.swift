/// Hex and big-endian byte helpers shared by the id types and the attribute JSON renderer.
@usableFromInline
enum HexDigits {
    @usableFromInline static let lowercase: [UInt8] = Array("0123456789abcdef".utf8)

    /// The value of one ASCII hex digit (either case), or nil.
    @inlinable
    static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// Appends the 16 lowercase hex digits of `value`, most significant first.
    @inlinable
    static func appendHex(_ value: UInt64, to output: inout [UInt8]) {
        var shift = 60
        while shift >= 0 {
            output.append(lowercase[Int((value >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }

    /// Appends the 8 bytes of `value`, most significant first.
    @inlinable
    static func appendBigEndian(_ value: UInt64, to output: inout [UInt8]) {
        var shift = 56
        while shift >= 0 {
            output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            shift -= 8
        }
    }

    /// Appends each byte as two lowercase hex digits.
    static func appendHex(bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        for byte in bytes {
            output.append(lowercase[Int(byte >> 4)])
            output.append(lowercase[Int(byte & 0xF)])
        }
    }

    /// The bytes of an even-length run of hex digits (either case); nil if any is not hex.
    static func decode(_ digits: some Collection<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for character in digits {
            guard let nibble = value(of: character) else { return nil }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    /// Lowercase hex of arbitrary bytes.
    static func string(of bytes: UnsafeRawBufferPointer) -> String {
        var output = [UInt8]()
        output.reserveCapacity(bytes.count * 2)
        appendHex(bytes: bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
