import NIOCore
import ProtobufWire

/// Decodes pprof profiles (`perftools.profiles.Profile`), gzipped or not, into a ``Profile``.
///
/// Accepts what Go's `runtime/pprof` and `net/http/pprof` write (gzip without a
/// `Content-Encoding`, detected by its `1f 8b` magic) and any other producer of the format.
/// Every reference is checked (string indexes, location, function and mapping ids, the number of
/// values per sample), so a profile that decodes can be summarised without further checks.
///
/// ```swift
/// let profile = try PprofDecoder().decode(body)          // ByteBuffer or [UInt8]
/// let summary = profile.summary()
/// ```
public struct PprofDecoder: Sendable {
    public var limits: ProfileDecodingLimits

    public init(limits: ProfileDecodingLimits = .default) {
        self.limits = limits
    }

    /// Decodes the readable bytes of `buffer`.
    public func decode(_ buffer: ByteBuffer) throws(ProfileDecodingError) -> Profile {
        if GzipInflater.isGzip(buffer) {
            let inflated = try GzipInflater.inflate(buffer, limit: limits.maxDecompressedBytes)
            return try decodeMessage(inflated)
        }
        return try decodeMessage(buffer)
    }

    /// Decodes `bytes`.
    public func decode(_ bytes: [UInt8]) throws(ProfileDecodingError) -> Profile {
        let isGzip = bytes.withUnsafeBytes { GzipInflater.isGzip($0) }
        if isGzip {
            let inflated = try GzipInflater.inflate(ByteBuffer(bytes: bytes), limit: limits.maxDecompressedBytes)
            return try decodeMessage(inflated)
        }
        return try Self.unsafeBytes(bytes) { raw throws(ProfileDecodingError) in try decodeMessage(raw) }
    }

    /// Decodes an uncompressed, already inflated message.
    public func decodeMessage(_ bytes: UnsafeRawBufferPointer) throws(ProfileDecodingError) -> Profile {
        guard bytes.count <= limits.maxDecompressedBytes, bytes.count < Int(Int32.max) else {
            throw ProfileDecodingError(
                .tooLarge,
                "profile is larger than the limit of \(min(limits.maxDecompressedBytes, Int(Int32.max))) bytes"
            )
        }
        var parser = PprofMessageParser(maxSamples: limits.maxSamples)
        do {
            try parser.parse(bytes)
        } catch let error as ProfileDecodingError {
            throw error
        } catch let error as ProtobufDecodingError {
            throw ProfileDecodingError(error)
        } catch {
            throw ProfileDecodingError(.malformedMessage, "\(error)")
        }
        return try parser.resolve(bytes)
    }

    private func decodeMessage(_ buffer: ByteBuffer) throws(ProfileDecodingError) -> Profile {
        var result: Result<Profile, ProfileDecodingError> = .failure(ProfileDecodingError(.malformedMessage, "empty"))
        buffer.withUnsafeReadableBytes { raw in
            do throws(ProfileDecodingError) {
                result = .success(try decodeMessage(raw))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    static func unsafeBytes<R>(
        _ bytes: [UInt8],
        _ body: (UnsafeRawBufferPointer) throws(ProfileDecodingError) -> R
    ) throws(ProfileDecodingError) -> R {
        var result: Result<R, ProfileDecodingError>?
        bytes.withUnsafeBytes { raw in
            do throws(ProfileDecodingError) {
                result = .success(try body(raw))
            } catch {
                result = .failure(error)
            }
        }
        return try result!.get()
    }
}
