import Testing

@testable import Exemplars

@Suite struct SnappyTests {
    @Test(arguments: [0, 1, 100, 70_000])
    func roundTripsThroughLibsnappy(_ size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        // Half random, half repetitive, so both literals and copies occur.
        let input = (0..<size).map { $0 % 2 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8($0 % 7) }
        let compressed = Snappy.compress(input)
        #expect(try Snappy.decompress(compressed) == input)
        #expect(try compressed.withUnsafeBytes { try Snappy.uncompressedLength(of: $0) } == size)
    }

    @Test func framedFormatIsRejected() throws {
        let framed: [UInt8] = [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59, 0x01, 0x05, 0x00, 0x00]
        #expect(throws: SnappyError.self) { try Snappy.decompress(framed) }
        do {
            _ = try Snappy.decompress(framed)
        } catch {
            #expect(error.code == .framedFormat)
            #expect(error.description == "body is in the framed snappy format; remote write uses the snappy block format at byte 0")
        }
    }

    /// A 6-byte body claiming 4 GiB − 1 is refused from its preamble: no buffer is allocated.
    @Test func bombIsRejectedBeforeAllocating() throws {
        let bomb: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00]
        do {
            _ = try Snappy.decompress(bomb)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.claimedLength == 4_294_967_295)
            #expect(error.limit == 64 << 20)
            #expect(error.description == "snappy block claims 4294967295 decompressed bytes, over the limit of 67108864")
        }
        let honest = Snappy.compress([UInt8](repeating: 7, count: 1000))
        #expect(throws: SnappyError.self) { try Snappy.decompress(honest, maximumLength: 999) }
        #expect(try Snappy.decompress(honest, maximumLength: 1000).count == 1000)
    }

    @Test(arguments: [
        // A copy with offset 0 (tag 0x01: length 4, offset 0) at byte 1.
        ([0x05, 0x01, 0x00] as [UInt8], 1),
        // A copy reaching before the start of the output: literal "a", then offset 2.
        ([0x05, 0x00, 0x61, 0x01, 0x02], 3),
        // A literal of 3 bytes with only 1 present.
        ([0x03, 0x08, 0x61], 1),
        // Preamble says 10 bytes, the elements produce 1.
        ([0x0A, 0x00, 0x61], 3),
        // A preamble varint that never ends.
        ([0x80, 0x80], 0),
    ])
    func corruptBlocksNameAnOffset(_ bytes: [UInt8], _ offset: Int) {
        do {
            _ = try Snappy.decompress(bytes)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .corrupt)
            #expect(error.offset == offset)
            #expect(error.description == "corrupt snappy block at byte \(offset)")
        }
    }

    @Test func emptyBodyIsCorrupt() {
        #expect(throws: SnappyError.self) { try Snappy.decompress([]) }
    }
}
