import ArgumentParser
import CompressNIO
import NIOCore
import ProfileIndex

/// Hidden: in-process decode + summarise throughput next to inflate alone of the same bytes,
/// by zlib (the floor the benchmark compares with) and by libdeflate (what the decoder uses),
/// for Benchmarks/profiles.sh. Prints `name value` lines.
public struct ProfileThroughputCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Measure decode+summarise speed against zlib inflate (benchmarks).",
        shouldDisplay: false
    )

    public init() {}

    @Argument var file: String
    @Option var iterations = 5

    public func run() throws {
        let bytes = try ProfileFile.read(file)
        let buffer = ByteBuffer(bytes: bytes)
        let inflated = try GzipInflater.inflate(buffer, limit: 1 << 30)
        let megabytes = Double(inflated.readableBytes) / 1_048_576
        let clock = ContinuousClock()
        func best(_ body: () throws -> Void) rethrows -> Double {
            var fastest = Double.infinity
            for _ in 0..<max(1, iterations) {
                let elapsed = try clock.measure(body)
                fastest = min(fastest, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            return fastest
        }
        // zlib's inflate (through CompressNIO) into a buffer of the exact size: its best case.
        let inflateTime = try best {
            var input = buffer
            var output = ByteBufferAllocator().buffer(capacity: inflated.readableBytes)
            try input.decompress(to: &output, with: .gzip())
            precondition(output.readableBytes == inflated.readableBytes)
        }
        let libdeflateTime = try best { _ = try GzipInflater.inflate(buffer, limit: 1 << 30) }
        let decoder = PprofDecoder(limits: ProfileFile.limits)
        let fullTime = try best { _ = try decoder.decode(buffer).summary() }
        print("decompressed_mb \(PprofUnits.format("%.2f", megabytes))")
        print("inflate_seconds \(PprofUnits.format("%.6f", inflateTime))")
        print("libdeflate_seconds \(PprofUnits.format("%.6f", libdeflateTime))")
        print("decode_summarise_seconds \(PprofUnits.format("%.6f", fullTime))")
        print("decode_summarise_mbps \(PprofUnits.format("%.1f", megabytes / fullTime))")
        print("inflate_mbps \(PprofUnits.format("%.1f", megabytes / inflateTime))")
        print("libdeflate_mbps \(PprofUnits.format("%.1f", megabytes / libdeflateTime))")
    }
}
