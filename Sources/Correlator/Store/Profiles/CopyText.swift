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
