import ProfileIndex

/// UTF-8 validation and conversion to `String` for PostgreSQL text columns.
enum UTF8Text {
    /// Whether the bytes are well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
    static func isValid(_ input: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = input.count
        while index < count {
            // Fast path: eight ASCII bytes at a time.
            if count - index >= 8,
                input.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
                continue
            }
            let lead = input[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard count - index >= length else { return false }
            let second = input[index + 1]
            guard second >= lower && second <= upper else { return false }
            var next = index + 2
            while next < index + length {
                guard input[next] & 0xC0 == 0x80 else { return false }
                next += 1
            }
            index += length
        }
        return true
    }

    /// A `String` for a text column: nil when not UTF-8; U+0000 replaced by U+FFFD because
    /// PostgreSQL text cannot hold it.
    static func string(_ input: UnsafeRawBufferPointer) -> String? {
        if input.isEmpty { return "" }
        guard isValid(input) else { return nil }
        if !input.contains(0) {
            return String(decoding: input, as: UTF8.self)
        }
        return String(decoding: input, as: UTF8.self).replacingNUL()
    }
}
