import Testing
@testable import ProtobufWire

@Suite struct ProtobufWriterTests {
    @Test func matchesTheEncodingGuideExamples() {
        // protobuf.dev/programming-guides/encoding: field 1 = 150 → 08 96 01; field 2 = "testing".
        var writer = ProtobufWriter()
        writer.writeVarintField(1, 150)
        writer.writeStringField(2, "testing")
        #expect(writer.bytes == [0x08, 0x96, 0x01, 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67])
    }

    @Test func negativeInt32IsSignExtendedToTenBytes() {
        var writer = ProtobufWriter()
        writer.writeInt32Field(1, -1)
        #expect(writer.bytes == [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func roundTripsThroughTheReader() throws {
        var writer = ProtobufWriter()
        writer.writeInt64Field(1, -42)
        writer.writeFixed64Field(2, 0x0102_0304_0506_0708)
        writer.writeFixed32Field(3, 0xDEAD_BEEF)
        writer.writeDoubleField(4, 2.5)
        writer.writeBoolField(5, true)
        writer.writeMessageField(6) { nested in
            nested.writeStringField(1, "é漢")
            nested.writePackedVarintField(2, [1, 300, UInt64.max])
        }
        writer.writeBytesField(7, [UInt8]())
        writer.writeVarintField(0x1FFF_FFFF, 9)

        try writer.bytes.withUnsafeBytes { raw in
            var reader = ProtobufReader(raw)
            var key = try #require(try reader.nextField())
            #expect(key.number == 1 && key.wireType == .varint)
            #expect(try reader.readInt64() == -42)
            key = try #require(try reader.nextField())
            #expect(key.number == 2 && key.wireType == .fixed64)
            #expect(try reader.readFixed64() == 0x0102_0304_0506_0708)
            key = try #require(try reader.nextField())
            #expect(key.number == 3 && key.wireType == .fixed32)
            #expect(try reader.readFixed32() == 0xDEAD_BEEF)
            key = try #require(try reader.nextField())
            #expect(try reader.readDouble() == 2.5)
            key = try #require(try reader.nextField())
            #expect(try reader.readBool())
            key = try #require(try reader.nextField())
            #expect(key.number == 6 && key.wireType == .lengthDelimited)
            var nested = try reader.readMessage()
            _ = try nested.nextField()
            #expect(try nested.readString() == "é漢")
            let packedKey = try #require(try nested.nextField())
            var values: [UInt64] = []
            try nested.readRepeatedVarint(packedKey) { values.append($0) }
            #expect(values == [1, 300, UInt64.max])
            #expect(try nested.nextField() == nil)
            key = try #require(try reader.nextField())
            #expect(key.number == 7)
            #expect(try reader.readBytes().isEmpty)
            key = try #require(try reader.nextField())
            #expect(key.number == 0x1FFF_FFFF)
            #expect(try reader.readVarint() == 9)
            #expect(try reader.nextField() == nil)
        }
    }

    @Test func emptyPackedFieldIsOmitted() {
        var writer = ProtobufWriter()
        writer.writePackedVarintField(1, [UInt64]())
        #expect(writer.bytes.isEmpty)
    }
}
