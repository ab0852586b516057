import NIOCore

extension FlameGraphNode {
    /// Appends the node as JSON, the document `Codable` gives (`name`, `file` when present,
    /// `total`, `self`, `children`), written by hand: Foundation's JSONEncoder was the largest
    /// part of a merged flame graph request under `perf` (Benchmarks/merge.sh, 2,048 nodes:
    /// boxing every value into its intermediate tree before writing it).
    public func appendJSON(to buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"name\":")
        JSONText.appendString(name, to: &buffer)
        if let file {
            buffer.writeStaticString(",\"file\":")
            JSONText.appendString(file, to: &buffer)
        }
        buffer.writeStaticString(",\"total\":")
        buffer.writeString(String(total))
        buffer.writeStaticString(",\"self\":")
        buffer.writeString(String(selfValue))
        buffer.writeStaticString(",\"children\":[")
        for (index, child) in children.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            child.appendJSON(to: &buffer)
        }
        buffer.writeStaticString("]}")
    }
}

/// JSON text by hand, for the documents written without `JSONEncoder`.
public enum JSONText {
    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped
    /// (RFC 8259 §7); everything else as UTF-8.
    public static func appendString(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            buffer.writeString(text)
        } else {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case ..<0x20:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hexDigit(byte >> 4))
                    buffer.writeInteger(hexDigit(byte & 0x0F))
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
