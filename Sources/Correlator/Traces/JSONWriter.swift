import Exemplars

/// Renders JSON text straight into a byte buffer: the attributes column of a `SpanBatch` is
/// written here without building dictionaries or intermediate `String`s per value.
///
/// Strings are validated as UTF-8 while they are escaped. U+0000 is written as U+FFFD because
/// PostgreSQL `jsonb` (and `text`) cannot hold it, and one such value would fail the whole COPY.
struct JSONWriter {
    var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always) mutating func byte(_ byte: UInt8) { bytes.append(byte) }

    @inline(__always) mutating func ascii(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func null() { ascii("null") }

    mutating func bool(_ value: Bool) { value ? ascii("true") : ascii("false") }

    /// A signed integer in decimal.
    mutating func int(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            uint(value.magnitude)
        } else {
            uint(UInt64(value))
        }
    }

    /// An unsigned integer in decimal.
    mutating func uint(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value
            while rest > 0 {
                scratch[23 - count] = UInt8(ascii: "0") &+ UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }

    /// A double; NaN and the infinities, which JSON cannot express as numbers, become the strings
    /// `"NaN"`, `"Infinity"`, `"-Infinity"` (proto3 JSON's spelling).
    mutating func double(_ value: Double) {
        if value.isNaN {
            ascii("\"NaN\"")
        } else if value.isInfinite {
            value > 0 ? ascii("\"Infinity\"") : ascii("\"-Infinity\"")
        } else if value == value.rounded(.towardZero), value.magnitude < 1e15 {
            // Integral values print as integers plus ".0" in Swift; keep them exact and short.
            int(Int64(value))
            ascii(".0")
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// Standard base64 with padding, in quotes (the proto3 JSON form of `bytes`).
    mutating func base64String(_ data: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        Base64.append(data, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A quoted string of 16 or 32 lowercase hex digits.
    mutating func hexString(_ traceID: TraceID) {
        bytes.append(UInt8(ascii: "\""))
        HexDigits.appendHex(traceID.high, to: &bytes)
        HexDigits.appendHex(traceID.low, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func hexString(_ spanID: SpanID) {
        bytes.append(UInt8(ascii: "\""))
        HexDigits.appendHex(spanID.value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func hexString(bytes data: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        HexDigits.appendHex(bytes: data, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A quoted, escaped string from UTF-8 bytes, cut to at most `limit` bytes at a character
    /// boundary.
    ///
    /// - Returns: `nil` if the bytes are not valid UTF-8 (nothing is written then), otherwise
    ///   whether the string was truncated.
    mutating func string(utf8 input: UnsafeRawBufferPointer, limit: Int = .max) -> Bool? {
        guard UTF8Text.isValid(input) else { return nil }
        var count = input.count
        var truncated = false
        if count > limit {
            truncated = true
            count = limit
            // Back up to the start of a character: never split a multi-byte sequence.
            while count > 0, input[count] & 0xC0 == 0x80 { count -= 1 }
        }
        bytes.append(UInt8(ascii: "\""))
        escape(UnsafeRawBufferPointer(rebasing: input[0..<count]))
        bytes.append(UInt8(ascii: "\""))
        return truncated
    }

    /// A quoted, escaped string from a Swift string (always valid UTF-8).
    mutating func string(_ value: String, limit: Int = .max) -> Bool {
        var value = value
        return value.withUTF8 { string(utf8: UnsafeRawBufferPointer($0), limit: limit) } ?? false
    }

    /// Whether any of the eight bytes is < 0x20, `"` or `\`.
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // A byte < 0x20: (b - 0x20) borrows into its high bit while b's own high bit is clear.
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasBackslash = (backslash &- ones) & ~backslash & highs
        return control | hasQuote | hasBackslash != 0
    }

    /// Escapes already-validated UTF-8: `"`, `\`, control characters; NUL becomes U+FFFD.
    private mutating func escape(_ input: UnsafeRawBufferPointer) {
        var runStart = 0
        var index = 0
        let count = input.count
        while index < count {
            // Fast path: skip eight bytes at a time while none is a control character, a quote
            // or a backslash (SWAR "has zero byte" tests; bytes ≥ 0x80 never need escaping).
            if count - index >= 8 {
                let word = input.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if !Self.needsEscape(word) {
                    index += 8
                    continue
                }
            }
            let byte = input[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if runStart < index {
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[runStart..<index]))
            }
            switch byte {
            case UInt8(ascii: "\""): ascii("\\\"")
            case UInt8(ascii: "\\"): ascii("\\\\")
            case 0x0A: ascii("\\n")
            case 0x0D: ascii("\\r")
            case 0x09: ascii("\\t")
            case 0x08: ascii("\\b")
            case 0x0C: ascii("\\f")
            case 0x00: bytes.append(contentsOf: [0xEF, 0xBF, 0xBD] as [UInt8])
            default:
                ascii("\\u00")
                bytes.append(HexDigits.lowercase[Int(byte >> 4)])
                bytes.append(HexDigits.lowercase[Int(byte & 0xF)])
            }
            index += 1
            runStart = index
        }
        if runStart < count {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[runStart..<count]))
        }
    }
}
