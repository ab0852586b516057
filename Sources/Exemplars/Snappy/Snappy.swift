import CSnappy

/// Snappy block compression through Google's libsnappy.
///
/// Remote write bodies are snappy *block* format: a varint of the uncompressed length, then
/// literal and copy elements. ``decompress(_:maximumLength:)`` checks that length against a limit
/// before allocating, so a 20-byte body claiming 4 GiB costs nothing, and rejects the framed
/// format with its own error, since senders that get it wrong need to be told so.
public enum Snappy {
    /// 64 MiB, the default ceiling on a decompressed body.
    public static let defaultMaximumLength = 64 << 20

    /// The stream identifier chunk that starts every framed-format stream.
    static let framedMagic: [UInt8] = [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59]

    /// Whether `bytes` begins with the framed format's stream identifier.
    public static func isFramed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= framedMagic.count && zip(bytes, framedMagic).allSatisfy { $0 == $1 }
    }

    /// The decompressed length a block's preamble claims.
    public static func uncompressedLength(of compressed: UnsafeRawBufferPointer) throws(SnappyError) -> Int {
        if isFramed(compressed) { throw SnappyError(.framedFormat, offset: 0) }
        var length = 0
        let status = compressed.withMemoryRebound(to: CChar.self) { chars in
            snappy_uncompressed_length(chars.baseAddress, chars.count, &length)
        }
        guard status == SNAPPY_OK else { throw SnappyError(.corrupt, offset: 0) }
        return length
    }

    /// Decompresses a snappy block, refusing (before allocating) one whose preamble claims more
    /// than `maximumLength` bytes.
    public static func decompress(
        _ compressed: UnsafeRawBufferPointer,
        maximumLength: Int = defaultMaximumLength
    ) throws(SnappyError) -> [UInt8] {
        let length = try uncompressedLength(of: compressed)
        guard length <= maximumLength else {
            throw SnappyError(.tooLarge, offset: nil, claimedLength: length, limit: maximumLength)
        }
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            var produced = length
            let status = compressed.withMemoryRebound(to: CChar.self) { input in
                buffer.withMemoryRebound(to: CChar.self) { out in
                    snappy_uncompress(input.baseAddress, input.count, out.baseAddress, &produced)
                }
            }
            ok = status == SNAPPY_OK && produced == length
            count = ok ? length : 0
        }
        guard ok else { throw SnappyError(.corrupt, offset: firstCorruptOffset(compressed)) }
        return output
    }

    /// Decompresses a snappy block held in an array.
    public static func decompress(
        _ compressed: [UInt8],
        maximumLength: Int = defaultMaximumLength
    ) throws(SnappyError) -> [UInt8] {
        try withRawBytes(compressed) { (raw) throws(SnappyError) in
            try decompress(raw, maximumLength: maximumLength)
        }
    }

    /// Compresses `bytes` into one snappy block (what a remote-write sender does).
    public static func compress(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let capacity = snappy_max_compressed_length(bytes.count)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var produced = capacity
            let status = bytes.withMemoryRebound(to: CChar.self) { input in
                buffer.withMemoryRebound(to: CChar.self) { out in
                    snappy_compress(input.baseAddress, input.count, out.baseAddress, &produced)
                }
            }
            // snappy_compress fails only when the output buffer is too small, and it is sized
            // by snappy_max_compressed_length.
            precondition(status == SNAPPY_OK, "snappy_compress failed with status \(status)")
            count = produced
        }
    }

    /// Compresses an array into one snappy block.
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { compress($0) }
    }

    /// Walks the block's elements (FORMATS.md §4) to find the offset of the first one that is
    /// malformed. Only called after libsnappy has rejected the block.
    static func firstCorruptOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var position = 0
        var expected: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count, shift <= 28 else { return 0 }
            let byte = bytes[position]
            position += 1
            expected |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        var produced: UInt64 = 0
        while position < bytes.count {
            let elementStart = position
            let tag = bytes[position]
            position += 1
            var length: UInt64
            var offset: UInt64 = 0
            switch tag & 3 {
            case 0:
                let small = UInt64(tag >> 2)
                if small < 60 {
                    length = small + 1
                } else {
                    let extra = Int(small - 59)
                    guard bytes.count - position >= extra else { return elementStart }
                    length = 0
                    for index in 0..<extra { length |= UInt64(bytes[position + index]) << UInt64(8 * index) }
                    length += 1
                    position += extra
                }
                guard UInt64(bytes.count - position) >= length else { return elementStart }
                position += Int(length)
            case 1:
                guard position < bytes.count else { return elementStart }
                length = UInt64((tag >> 2) & 7) + 4
                offset = UInt64(tag >> 5) << 8 | UInt64(bytes[position])
                position += 1
            case 2:
                guard bytes.count - position >= 2 else { return elementStart }
                length = UInt64(tag >> 2) + 1
                offset = UInt64(bytes[position]) | UInt64(bytes[position + 1]) << 8
                position += 2
            default:
                guard bytes.count - position >= 4 else { return elementStart }
                length = UInt64(tag >> 2) + 1
                for index in 0..<4 { offset |= UInt64(bytes[position + index]) << UInt64(8 * index) }
                position += 4
            }
            if tag & 3 != 0, offset == 0 || offset > produced { return elementStart }
            produced += length
            if produced > expected { return elementStart }
        }
        return produced == expected ? nil : bytes.count
    }
}

/// Calls `body` with the bytes of `array` (an empty array yields an empty buffer, not a nil base).
@inline(__always)
func withRawBytes<R, E: Error>(
    _ array: [UInt8],
    _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E> = array.withUnsafeBytes { raw in
        do throws(E) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}
