import NIOCore

/// Rows for `COPY … FROM STDIN` in PostgreSQL's text format: tab-separated columns, one row per
/// line, backslash escapes for the characters the format reserves.
struct CopyTextRows {
    var buffer = ByteBufferAllocator().buffer(capacity: 64 << 10)

    mutating func text(_ value: String, last: Bool = false) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
        end(last)
    }

    mutating func null(last: Bool = false) {
        buffer.writeStaticString("\\N")
        end(last)
    }

    mutating func integer(_ value: some BinaryInteger, last: Bool = false) {
        buffer.writeString(String(value))
        end(last)
    }

    private mutating func end(_ last: Bool) {
        buffer.writeInteger(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
    }
}

/// A Unix-nanosecond instant as a PostgreSQL `timestamptz` literal in UTC (microseconds).
enum TimestampText {
    static func utc(nanos: Int64) -> String {
        let micros = nanos >= 0 ? nanos / 1000 : (nanos - 999) / 1000
        var seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        seconds -= days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(seconds / 3600, 2)):\(pad(seconds % 3600 / 60, 2)):\(pad(seconds % 60, 2)).\(pad(fraction, 6))+00"
    }

    /// The UTC day (`YYYY-MM-DD`) of an instant.
    static func day(nanos: Int64) -> String {
        String(utc(nanos: nanos).prefix(10))
    }
}
