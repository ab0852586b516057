/// Bounds a decoder enforces on one profile, so a hostile or broken upload costs a known amount of
/// memory and time.
///
/// The decompressed size is enforced while inflating: a gzip bomb stops at the limit instead of
/// allocating what it claims.
public struct ProfileDecodingLimits: Sendable, Hashable {
    /// Largest decompressed message accepted, in bytes (default 64 MiB).
    public var maxDecompressedBytes: Int
    /// Largest number of samples accepted in one profile (default 5,000,000).
    public var maxSamples: Int

    public init(maxDecompressedBytes: Int = 64 << 20, maxSamples: Int = 5_000_000) {
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxSamples = maxSamples
    }

    /// 64 MiB decompressed, 5,000,000 samples.
    public static let `default` = ProfileDecodingLimits()
}
