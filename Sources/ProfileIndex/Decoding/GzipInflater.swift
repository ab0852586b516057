import CompressNIO
import NIOCore

/// Inflates gzip bodies (pprof files, `Content-Encoding: gzip` requests) with zlib (through
/// CompressNIO) under a size limit that is enforced while
/// inflating, and reports truncated or corrupt streams instead of returning a partial message.
/// `ProfileDecodingError.code == .tooLarge` means over the limit; any other code means corrupt.
public enum GzipInflater {
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    public static func isGzip(_ buffer: ByteBuffer) -> Bool {
        buffer.readableBytes >= 2
            && buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x1F
            && buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == 0x8B
    }

    /// Inflates every gzip member of `input` into one buffer of at most `limit` bytes.
    ///
    /// The output grows by doubling, never past `limit` (NIO rounds capacities up to a power of
    /// two, so at most the next power of two of `limit` is ever allocated). The first capacity is
    /// the size the gzip trailer announces, bounded by what deflate can produce from the input
    /// (1032:1) and by the limit, so a lying trailer cannot make us allocate more up front.
    public static func inflate(_ input: ByteBuffer, limit: Int) throws(ProfileDecodingError) -> ByteBuffer {
        var input = input
        let compressedSize = input.readableBytes
        var hint = compressedSize &* 4
        if compressedSize >= 18,
            let announced = input.getInteger(at: input.writerIndex - 4, endianness: .little, as: UInt32.self)
        {
            hint = Int(announced) + 1
        }
        let (deflateBound, overflow) = compressedSize.multipliedReportingOverflow(by: 1032)
        hint = min(hint, overflow ? Int.max : deflateBound + 64, limit)
        var output = ByteBufferAllocator().buffer(capacity: max(hint, 256))

        let decompressor: ZlibDecompressor
        do {
            decompressor = try ZlibDecompressor(algorithm: .gzip)
        } catch {
            throw ProfileDecodingError(.corruptCompression, "could not start zlib: \(error)")
        }
        while true {
            if output.writableBytes == 0 {
                if output.writerIndex >= limit {
                    // Full at exactly the limit: fine if the stream ends here, too large otherwise.
                    if try finished(decompressor, &input, &output), input.readableBytes == 0 { return output }
                    throw tooLarge(limit)
                }
                output.reserveCapacity(min(max(output.capacity * 2, 4096), limit))
            }
            let readBefore = input.readerIndex
            let writtenBefore = output.writerIndex
            do {
                try decompressor.inflate(from: &input, to: &output)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                if output.writerIndex > limit { throw tooLarge(limit) }
                continue
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                throw ProfileDecodingError(.corruptCompression, "gzip stream is truncated", at: nil)
            } catch {
                throw ProfileDecodingError(.corruptCompression, "gzip stream is corrupt (\(error))", at: nil)
            }
            if output.writerIndex > limit { throw tooLarge(limit) }
            if input.readerIndex == readBefore && output.writerIndex == writtenBefore {
                // No progress and no error: zlib reported the end of the stream.
                if input.readableBytes == 0 { return output }
                if isGzip(input) {
                    // Another gzip member follows (concatenated gzip files are one stream).
                    do { try decompressor.reset() } catch {
                        throw ProfileDecodingError(.corruptCompression, "could not reset zlib: \(error)")
                    }
                    continue
                }
                throw ProfileDecodingError(
                    .corruptCompression,
                    "\(input.readableBytes) bytes of garbage after the gzip stream"
                )
            }
        }
    }

    /// With no room left in `output`, asks zlib whether the stream has ended.
    private static func finished(
        _ decompressor: ZlibDecompressor,
        _ input: inout ByteBuffer,
        _ output: inout ByteBuffer
    ) throws(ProfileDecodingError) -> Bool {
        let readBefore = input.readerIndex
        do {
            try decompressor.inflate(from: &input, to: &output)
        } catch {
            return false
        }
        return input.readerIndex == readBefore
    }

    private static func tooLarge(_ limit: Int) -> ProfileDecodingError {
        ProfileDecodingError(.tooLarge, "decompressed profile is larger than the limit of \(limit) bytes")
    }
}
