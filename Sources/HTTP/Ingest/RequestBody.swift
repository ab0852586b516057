import Correlator
import Hummingbird
import NIOCore
import ProfileIndex

/// Reading an ingest request's body under the configured limits: the compressed size while
/// it streams in, the decompressed size while it inflates. Nothing is allocated past a limit.
enum RequestBody {
    /// Collects at most `limits.maxBodyBytes`; a longer body is a 413 naming the limit.
    static func collect(_ request: Request, limits: IngestLimits) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBodyBytes {
            throw HTTPError(.contentTooLarge, message: "request body of \(length) bytes exceeds the limit of \(limits.maxBodyBytes) bytes (max_body_bytes)")
        }
        do {
            return try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch let error where isTooLarge(error) {
            throw HTTPError(.contentTooLarge, message: "request body exceeds the limit of \(limits.maxBodyBytes) bytes (max_body_bytes)")
        }
    }

    /// Collecting past the limit throws NIO's `NIOTooManyBytesError` (or Hummingbird's 413).
    static func isTooLarge(_ error: any Error) -> Bool {
        if error is NIOTooManyBytesError { return true }
        if let error = error as? HTTPError, error.status == .contentTooLarge { return true }
        return false
    }

    /// Undoes `Content-Encoding` (identity or gzip) within `limits.maxDecompressedBytes`.
    /// Unknown encodings are a 415; corrupt gzip a 400; too large a 413.
    static func decode(_ body: ByteBuffer, contentEncoding: String?, limits: IngestLimits) throws -> ByteBuffer {
        let encoding = (contentEncoding ?? "identity").trimmingCharacters(in: .whitespaces).lowercased()
        switch encoding {
        case "", "identity":
            return body
        case "gzip", "x-gzip":
            do {
                return try GzipInflater.inflate(body, limit: limits.maxDecompressedBytes)
            } catch where error.code == .tooLarge {
                throw HTTPError(.contentTooLarge, message: "gzip body inflates past the limit of \(limits.maxDecompressedBytes) bytes (max_decompressed_bytes)")
            } catch {
                throw HTTPError(.badRequest, message: "Content-Encoding gzip: \(error)")
            }
        default:
            throw HTTPError(.unsupportedMediaType, message: "Content-Encoding '\(encoding)' is not supported (identity, gzip)")
        }
    }
}
