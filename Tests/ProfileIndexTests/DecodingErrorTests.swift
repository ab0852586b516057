import NIOCore
import Testing
@testable import ProfileIndex

/// Bad input is rejected with a reason that names the element and the byte.
@Suite struct DecodingErrorTests {
    /// A valid two-sample CPU-like profile: main → work (inlined helper), values [count, ns].
    static func validBuilder() -> PprofBuilder {
        var builder = PprofBuilder()
        builder.sampleType("samples", "count")
        builder.sampleType("cpu", "nanoseconds")
        builder.function(id: 1, name: "main.main")
        builder.function(id: 2, name: "main.work")
        builder.location(id: 1, functions: [2])
        builder.location(id: 2, functions: [1])
        builder.sample(locations: [1, 2], values: [1, 10_000_000])
        builder.sample(locations: [2], values: [2, 20_000_000], packed: false)
        return builder
    }

    func decodeError(_ bytes: [UInt8], limits: ProfileDecodingLimits = .default) -> ProfileDecodingError? {
        do {
            _ = try PprofDecoder(limits: limits).decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func validProfileDecodesPackedAndUnpacked() throws {
        let profile = try PprofDecoder().decode(Self.validBuilder().encoded())
        let summary = profile.summary()
        #expect(summary.totals == [3, 30_000_000])
        #expect(summary.function(named: "main.main")?.cum == [3, 30_000_000])
        #expect(summary.function(named: "main.main")?.flat == [2, 20_000_000])
        #expect(summary.function(named: "main.work")?.flat == [1, 10_000_000])
    }

    @Test func truncatedMessageNamesTheByte() throws {
        let bytes = Self.validBuilder().encoded()
        let error = try #require(decodeError(Array(bytes.dropLast(1))))
        #expect(error.code == .malformedMessage)
        let offset = try #require(error.offset)
        #expect(offset < bytes.count)
        #expect(error.description.contains("truncated at byte \(offset)"))
    }

    @Test func unknownLocationIsNamed() throws {
        var builder = Self.validBuilder()
        builder.sample(locations: [1, 99], values: [1, 1])
        let error = try #require(decodeError(builder.encoded()))
        #expect(error.code == .invalidReference)
        #expect(error.reason == "sample 2 references location 99 which does not exist")
        #expect(error.offset != nil)
    }

    @Test func zeroLocationIDIsRejected() throws {
        var builder = Self.validBuilder()
        builder.sample(locations: [0], values: [1, 1])
        let error = try #require(decodeError(builder.encoded()))
        #expect(error.reason == "sample 2 references location id 0")
    }

    @Test func zeroAndDuplicateIDsAreRejected() throws {
        var builder = Self.validBuilder()
        builder.function(id: 0, name: "zero")
        #expect(decodeError(builder.encoded())?.reason == "function 2 has id 0")
        var duplicate = Self.validBuilder()
        duplicate.location(id: 2, functions: [1])
        #expect(decodeError(duplicate.encoded())?.reason == "location 2 repeats id 2 of location 1")
    }

    @Test func unknownFunctionInLocationIsRejected() throws {
        var builder = Self.validBuilder()
        builder.location(id: 3, functions: [42])
        #expect(decodeError(builder.encoded())?.reason == "location 3 references function 42 which does not exist")
    }

    @Test func stringIndexOutOfRangeIsRejected() throws {
        var builder = Self.validBuilder()
        builder.raw { $0.message(5) { $0.uint(1, 7); $0.int(2, 999) } }
        let error = try #require(decodeError(builder.encoded()))
        #expect(error.code == .invalidReference)
        #expect(error.reason.hasPrefix("function 2 name string index 999 is out of range"))
    }

    @Test func labelStringIndexOutOfRangeIsRejected() throws {
        var builder = Self.validBuilder()
        builder.raw { writer in
            writer.message(2) { $0.uint(1, 1); $0.uint(2, 1); $0.uint(2, 1); $0.message(3) { $0.int(1, 500); $0.int(2, 1) } }
        }
        #expect(decodeError(builder.encoded())?.code == .invalidReference)
    }

    @Test func wrongNumberOfValuesIsRejected() throws {
        var builder = Self.validBuilder()
        builder.sample(locations: [1], values: [1])
        let error = try #require(decodeError(builder.encoded()))
        #expect(error.code == .invalidValue)
        #expect(error.reason == "sample 2 has 1 values but the profile has 2 sample types")
    }

    @Test func tooManySamplesIsRejected() throws {
        let error = try #require(decodeError(Self.validBuilder().encoded(), limits: .init(maxSamples: 1)))
        #expect(error.code == .tooManySamples)
    }

    @Test func stringTableMustStartEmpty() throws {
        var writer = TestProtobufWriter()
        writer.string(6, "not empty")
        #expect(decodeError(writer.bytes)?.code == .invalidReference)
    }

    @Test func gzipOfTheSameBytesDecodesTheSame() throws {
        let raw = Self.validBuilder().encoded()
        let plain = try PprofDecoder().decode(raw).summary()
        let zipped = try PprofDecoder().decode(StoredGzip.wrap(raw)).summary()
        #expect(plain == zipped)
        let buffer = ByteBuffer(bytes: StoredGzip.wrap(raw))
        #expect(try PprofDecoder().decode(buffer).summary() == plain)
    }

    @Test func inflatedFixtureDecodesLikeTheGzippedOne() throws {
        let gzipped = try Fixtures.bytes("cpu.pb.gz")
        let inflated = try GzipInflater.inflate(ByteBuffer(bytes: gzipped), limit: 1 << 20)
        #expect(inflated.readableBytes > gzipped.count)
        let fromRaw = try PprofDecoder().decode(Array(inflated.readableBytesView)).summary()
        #expect(fromRaw == (try PprofDecoder().decode(gzipped).summary()))
    }

    @Test func truncatedGzipIsRejected() throws {
        let gzipped = try Fixtures.bytes("cpu.pb.gz")
        for cut in [gzipped.count / 2, gzipped.count - 4, gzipped.count - 1] {
            let error = try #require(decodeError(Array(gzipped.prefix(cut))), "cut at \(cut)")
            #expect(error.code == .corruptCompression, "cut at \(cut): \(error)")
        }
    }

    @Test func corruptGzipIsRejected() throws {
        var gzipped = try Fixtures.bytes("cpu.pb.gz")
        for index in stride(from: 100, to: 200, by: 1) { gzipped[index] ^= 0x5A }
        #expect(decodeError(gzipped)?.code == .corruptCompression)
        var badCRC = StoredGzip.wrap(Self.validBuilder().encoded())
        badCRC[badCRC.count - 6] ^= 1
        #expect(decodeError(badCRC)?.code == .corruptCompression)
    }

    @Test func decompressedSizeLimitIsEnforcedWhileInflating() throws {
        // A body whose trailer claims a small size but inflates past the limit.
        let payload = [UInt8](repeating: 0, count: 300_000)
        var bomb = StoredGzip.wrap(payload)
        bomb.replaceSubrange((bomb.count - 4)..., with: [0x10, 0, 0, 0])
        let limits = ProfileDecodingLimits(maxDecompressedBytes: 100_000)
        let error = try #require(decodeError(bomb, limits: limits))
        #expect(error.code == .tooLarge)
        // Exactly at the limit is accepted (the payload is not a profile, but it inflates).
        let exact = StoredGzip.wrap(Self.validBuilder().encoded())
        let size = Self.validBuilder().encoded().count
        #expect(decodeError(exact, limits: .init(maxDecompressedBytes: size)) == nil)
        #expect(decodeError(exact, limits: .init(maxDecompressedBytes: size - 1))?.code == .tooLarge)
    }

    @Test func uncompressedInputOverTheLimitIsRejected() throws {
        let bytes = Self.validBuilder().encoded()
        #expect(decodeError(bytes, limits: .init(maxDecompressedBytes: bytes.count - 1))?.code == .tooLarge)
    }

    @Test func concatenatedGzipMembersAreOneStream() throws {
        let raw = Self.validBuilder().encoded()
        let half = raw.count / 2
        let twoMembers = StoredGzip.wrap(Array(raw[..<half])) + StoredGzip.wrap(Array(raw[half...]))
        #expect(try PprofDecoder().decode(twoMembers).summary() == (try PprofDecoder().decode(raw).summary()))
        #expect(decodeError(StoredGzip.wrap(raw) + [1, 2, 3])?.code == .corruptCompression)
    }
}
