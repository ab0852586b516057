import CLibdeflate
import NIOCore

/// Inflates gzip bodies (pprof files, `Content-Encoding: gzip` requests) under a size limit, and
/// reports truncated or corrupt streams instead of returning a partial message.
/// `ProfileDecodingError.code == .tooLarge` means over the limit; any other code means corrupt.
///
/// libdeflate, not zlib: it inflates a whole member into a buffer of known size, which is what a
/// body already in memory is, and does so faster than zlib's streaming inflate (the "inflate"
/// rows of Benchmarks/profiles.sh measure both on the same bytes).
public enum GzipInflater {
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    public static func isGzip(_ buffer: ByteBuffer) -> Bool {
        buffer.readableBytes >= 2
            && buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x1F
            && buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == 0x8B
    }

    /// Inflates every gzip member of `input` (concatenated gzip files are one stream) into one
    /// buffer of at most `limit` bytes.
    ///
    /// Each member goes into room for the size its trailer announces, bounded by what deflate
    /// can produce from the input (1032:1) and by what is left of the limit, so a lying trailer
    /// cannot make us allocate more up front. When the room is too small (the trailer lied, or
    /// counts modulo 2^32), the member is inflated again into twice the room, never past the
    /// limit.
    public static func inflate(_ input: ByteBuffer, limit: Int) throws(ProfileDecodingError) -> ByteBuffer {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw ProfileDecodingError(.corruptCompression, "could not allocate a decompressor")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        var output = ByteBufferAllocator().buffer(capacity: 0)
        var offset = input.readerIndex
        let end = input.writerIndex
        repeat {
            let start = offset - input.readerIndex
            let consumed = try input.withUnsafeReadableBytes { bytes in
                Result { () throws(ProfileDecodingError) -> Int in
                    try inflateMember(UnsafeRawBufferPointer(rebasing: bytes[start...]), decompressor: decompressor, into: &output, limit: limit)
                }
            }.get()
            offset += consumed
            if offset < end, !isGzip(input.getSlice(at: offset, length: end - offset) ?? ByteBuffer()) {
                throw ProfileDecodingError(.corruptCompression, "\(end - offset) bytes of garbage after the gzip stream")
            }
        } while offset < end
        return output
    }

    /// Inflates the gzip member at the start of `member`, appending to `output`; returns the
    /// bytes of input it took.
    private static func inflateMember(
        _ member: UnsafeRawBufferPointer,
        decompressor: OpaquePointer,
        into output: inout ByteBuffer,
        limit: Int
    ) throws(ProfileDecodingError) -> Int {
        let room = limit - output.writerIndex
        guard member.count >= 18 else {
            // Header (10) and trailer (8) at least.
            throw ProfileDecodingError(.corruptCompression, "gzip stream is truncated")
        }
        let announced = member.loadUnaligned(fromByteOffset: member.count - 4, as: UInt32.self).littleEndian
        let (deflateBound, overflow) = member.count.multipliedReportingOverflow(by: 1032)
        // The trailer read here is the last member's; for one member (nearly always) it is this one.
        var capacity = max(min(Int(announced) + 1, overflow ? Int.max : deflateBound + 64, room), 0)
        while true {
            output.reserveCapacity(minimumWritableBytes: max(capacity, 1))
            var consumed = 0
            var written = 0
            let result = output.withUnsafeMutableWritableBytes { out in
                libdeflate_gzip_decompress_ex(
                    decompressor, member.baseAddress, member.count, out.baseAddress, capacity, &consumed, &written
                )
            }
            switch result {
            case LIBDEFLATE_SUCCESS:
                output.moveWriterIndex(forwardBy: written)
                return consumed
            case LIBDEFLATE_INSUFFICIENT_SPACE:
                if capacity >= room { throw tooLarge(limit) }
                capacity = min(max(capacity * 2, 4096), room)
            default:
                // LIBDEFLATE_BAD_DATA: corrupt, or cut short before its trailer.
                throw ProfileDecodingError(.corruptCompression, "gzip stream is corrupt or truncated")
            }
        }
    }

    private static func tooLarge(_ limit: Int) -> ProfileDecodingError {
        ProfileDecodingError(.tooLarge, "decompressed profile is larger than the limit of \(limit) bytes")
    }
}
