import ProtobufWire

/// Strings made from byte ranges of the message being decoded, one per slot (label position ×
/// name/value), reused while the next series repeats the bytes. Lives only inside one decode
/// call, so the buffer pointers it holds stay valid.
struct LabelStringCache {
    private var entries: [(bytes: UnsafeRawBufferPointer, string: String)] = []

    mutating func string(
        _ bytes: UnsafeRawBufferPointer,
        slot: Int,
        at offset: Int
    ) throws(ProtobufDecodingError) -> String {
        if slot < entries.count {
            let cached = entries[slot]
            if cached.bytes.count == bytes.count
                && (cached.bytes.count == 0 || memoryEqual(cached.bytes, bytes))
            {
                return cached.string
            }
        }
        guard let string = utf8String(bytes) else {
            throw ProtobufDecodingError.invalid("string is not valid UTF-8", at: offset)
        }
        while entries.count <= slot { entries.append((UnsafeRawBufferPointer(start: nil, count: 0), "")) }
        entries[slot] = (bytes, string)
        return string
    }
}

/// Whether two buffers of the same length hold the same bytes.
func memoryEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let count = a.count
    var index = 0
    while count - index >= 8 {
        if a.loadUnaligned(fromByteOffset: index, as: UInt64.self) != b.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
            return false
        }
        index += 8
    }
    while index < count {
        if a[index] != b[index] { return false }
        index += 1
    }
    return true
}
