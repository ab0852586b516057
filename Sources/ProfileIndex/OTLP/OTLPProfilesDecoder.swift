import NIOCore
import ProtobufWire

/// Decodes OTLP profiles (`POST /v1development/profiles`, an `ExportProfilesServiceRequest`)
/// into one ``OTLPProfile`` per `Profile`, resolving the request's shared `ProfilesDictionary`.
///
/// Only the opentelemetry-proto v1.10+ numbering (as in v1.11: one `sample_type` per profile,
/// stacks in the dictionary, `link_index` on samples) is supported: field numbers changed in
/// v1.9 and v1.10 and nothing on the wire says which version a sender used, so an older sender's
/// request decodes into wrong or rejected data. A gzip body (magic `1f 8b`) is inflated first.
public struct OTLPProfilesDecoder: Sendable {
    public var limits: ProfileDecodingLimits

    public init(limits: ProfileDecodingLimits = .default) {
        self.limits = limits
    }

    /// Decodes the readable bytes of `buffer`.
    public func decode(_ buffer: ByteBuffer) throws(ProfileDecodingError) -> [OTLPProfile] {
        let message = GzipInflater.isGzip(buffer) ? try GzipInflater.inflate(buffer, limit: limits.maxDecompressedBytes) : buffer
        var result: Result<[OTLPProfile], ProfileDecodingError> = .success([])
        message.withUnsafeReadableBytes { raw in
            do throws(ProfileDecodingError) {
                result = .success(try decodeMessage(raw))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    /// Decodes `bytes`.
    public func decode(_ bytes: [UInt8]) throws(ProfileDecodingError) -> [OTLPProfile] {
        try decode(ByteBuffer(bytes: bytes))
    }

    /// Decodes an uncompressed message.
    public func decodeMessage(_ bytes: UnsafeRawBufferPointer) throws(ProfileDecodingError) -> [OTLPProfile] {
        guard bytes.count <= limits.maxDecompressedBytes, bytes.count < Int(Int32.max) else {
            throw ProfileDecodingError(.tooLarge, "request is larger than the limit of \(limits.maxDecompressedBytes) bytes")
        }
        do {
            var parser = OTLPProfilesParser(bytes: bytes, maxSamples: limits.maxSamples)
            return try parser.parse()
        } catch let error as ProfileDecodingError {
            throw error
        } catch let error as ProtobufDecodingError {
            throw ProfileDecodingError(error)
        } catch {
            throw ProfileDecodingError(.malformedMessage, "\(error)")
        }
    }
}
