/// Explicit limits on what one ingest request may carry. Every limit is configurable (YAML
/// `limits:` section) and answered with 413 when exceeded, naming the setting.
public struct IngestLimits: Sendable {
    /// Bytes of the request body as sent (compressed). Hummingbird's default (2 MiB) is too small
    /// for remote write and profiles, so this is set on purpose.
    public var maxBodyBytes = 16 << 20
    /// Bytes after `Content-Encoding`, snappy or gzip are undone; enforced while inflating.
    public var maxDecompressedBytes = 64 << 20

    public init() {}

    /// YAML keys of the `limits:` section.
    static let keys = ["max_body_bytes", "max_decompressed_bytes"]

    mutating func apply(_ key: String, value: String, source: String) throws {
        guard let number = Int(value), number > 0 else {
            throw ConfigurationError.invalid(source, "'\(key)' must be a positive number of bytes")
        }
        switch key {
        case "max_body_bytes": maxBodyBytes = number
        case "max_decompressed_bytes": maxDecompressedBytes = number
        default: throw ConfigurationError.invalid(source, "unknown limit '\(key)' (\(Self.keys.joined(separator: ", ")))")
        }
    }
}
