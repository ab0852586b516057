import Exemplars

/// Renders `SpanBatch` rows in PostgreSQL's COPY text format, in the column order of
/// `SpanCopyEncoder.columns`.
///
/// Text format rules (PostgreSQL `COPY … FROM STDIN (FORMAT text)`): columns are separated by a
/// tab, rows end in a newline, `\N` is NULL, and a backslash, tab, newline or carriage return
/// inside a value is written as `\\`, `\t`, `\n`, `\r`. `bytea` values go in as `\x` + hex, whose
/// backslash is itself escaped (`\\x…`). Start times are written as UTC timestamps with
/// microseconds (PostgreSQL's resolution); the exact nanoseconds go to `start_unix_nano`.
struct SpanCopyEncoder {
    /// The columns each row carries, in order.
    static let columns = [
        "tenant", "trace_id", "span_id", "parent_span_id", "service", "name", "kind", "start_ts",
        "start_unix_nano", "duration_ns", "status_code", "status_message", "attributes", "profile_id",
    ]

    /// The tenant, already escaped.
    private let tenant: [UInt8]

    init(tenant: String) {
        var escaped: [UInt8] = []
        Self.appendEscaped(tenant, to: &escaped)
        self.tenant = escaped
    }

    /// Appends rows `range` of `batch` to `output`.
    func appendRows(of batch: SpanBatch, _ range: Range<Int>, to output: inout [UInt8]) {
        batch.attributesUTF8.withUnsafeBytes { attributes in
            for index in range {
                output.append(contentsOf: tenant)
                output.append(Self.tab)
                Self.appendBytea(batch.traceIDs[index].high, batch.traceIDs[index].low, to: &output)
                output.append(Self.tab)
                Self.appendBytea(batch.spanIDs[index].value, to: &output)
                output.append(Self.tab)
                if let parent = batch.parentSpanIDs[index] {
                    Self.appendBytea(parent.value, to: &output)
                } else {
                    Self.appendNull(to: &output)
                }
                output.append(Self.tab)
                Self.appendEscaped(batch.services[index], to: &output)
                output.append(Self.tab)
                Self.appendEscaped(batch.names[index], to: &output)
                output.append(Self.tab)
                Self.appendDecimal(Int64(batch.kinds[index]), to: &output)
                output.append(Self.tab)
                Self.appendTimestamp(unixNano: batch.startUnixNanos[index], to: &output)
                output.append(Self.tab)
                Self.appendDecimal(batch.startUnixNanos[index], to: &output)
                output.append(Self.tab)
                Self.appendDecimal(batch.durationNanos[index], to: &output)
                output.append(Self.tab)
                Self.appendDecimal(Int64(batch.statusCodes[index]), to: &output)
                output.append(Self.tab)
                if batch.statusMessages[index].isEmpty {
                    Self.appendNull(to: &output)
                } else {
                    Self.appendEscaped(batch.statusMessages[index], to: &output)
                }
                output.append(Self.tab)
                let start = batch.attributesStart(index)
                Self.appendEscaped(
                    UnsafeRawBufferPointer(rebasing: attributes[start..<batch.attributesEnds[index]]), to: &output
                )
                output.append(Self.tab)
                if let profileID = batch.profileIDs[index] {
                    Self.appendEscaped(profileID, to: &output)
                } else {
                    Self.appendNull(to: &output)
                }
                output.append(Self.newline)
            }
        }
    }

    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    private static let backslash = UInt8(ascii: "\\")
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendNull(to output: inout [UInt8]) {
        output.append(backslash)
        output.append(UInt8(ascii: "N"))
    }

    /// Appends `value` with COPY text escapes.
    static func appendEscaped(_ value: String, to output: inout [UInt8]) {
        var value = value
        value.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &output) }
    }

    /// Appends UTF-8 bytes with COPY text escapes; runs without special bytes are copied whole.
    static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            let escape: UInt8
            switch byte {
            case backslash: escape = backslash
            case tab: escape = UInt8(ascii: "t")
            case newline: escape = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
            default:
                index += 1
                continue
            }
            if runStart < index {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
            }
            output.append(backslash)
            output.append(escape)
            index += 1
            runStart = index
        }
        if runStart < count {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<count]))
        }
    }

    /// `\\x` and the 16 hex digits of an 8-byte id (a bytea literal inside COPY text).
    static func appendBytea(_ word: UInt64, to output: inout [UInt8]) {
        appendByteaPrefix(to: &output)
        appendHexWord(word, to: &output)
    }

    /// `\\x` and the 32 hex digits of a 16-byte id.
    static func appendBytea(_ high: UInt64, _ low: UInt64, to output: inout [UInt8]) {
        appendByteaPrefix(to: &output)
        appendHexWord(high, to: &output)
        appendHexWord(low, to: &output)
    }

    private static func appendByteaPrefix(to output: inout [UInt8]) {
        output.append(backslash)
        output.append(backslash)
        output.append(UInt8(ascii: "x"))
    }

    @inline(__always)
    private static func appendHexWord(_ word: UInt64, to output: inout [UInt8]) {
        var shift: UInt64 = 60
        while true {
            output.append(hexDigits[Int((word >> shift) & 0xF)])
            if shift == 0 { break }
            shift -= 4
        }
    }

    static func appendDecimal(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 {
            output.append(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            while count > 0 {
                count -= 1
                output.append(buffer[count])
            }
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00` (UTC, microseconds, truncated toward the past).
    static func appendTimestamp(unixNano: Int64, to output: inout [UInt8]) {
        let time = UTCTime(unixNano: unixNano)
        appendPadded(time.year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        appendPadded(time.month, width: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        appendPadded(time.day, width: 2, to: &output)
        output.append(UInt8(ascii: " "))
        appendPadded(time.hour, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendPadded(time.minute, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendPadded(time.second, width: 2, to: &output)
        output.append(UInt8(ascii: "."))
        appendPadded(time.nanosecond / 1000, width: 6, to: &output)
        output.append(UInt8(ascii: "+"))
        output.append(UInt8(ascii: "0"))
        output.append(UInt8(ascii: "0"))
    }

    static func appendPadded(_ value: Int64, width: Int, to output: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
