import Testing
@testable import ProtobufWire

@Suite struct ProtobufReaderTests {
    @Test func readsVarintAndString() throws {
        // field 1 varint 150; field 2 string "hi"
        let bytes: [UInt8] = [0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69]
        try bytes.withUnsafeBytes { raw in
            var reader = ProtobufReader(raw)
            let k1 = try #require(try reader.nextField())
            #expect(k1.number == 1 && k1.wireType == .varint)
            #expect(try reader.readVarint() == 150)
            let k2 = try #require(try reader.nextField())
            #expect(k2.number == 2 && k2.wireType == .lengthDelimited)
            #expect(try reader.readString() == "hi")
            #expect(try reader.nextField() == nil)
        }
    }

    /// Strings are checked whole: a bad byte in an 8-byte word or in the tail after the last
    /// word is refused, and valid multi-byte text (2 and 4 bytes a code point) is kept.
    @Test func utf8TextIsValidatedWordsAndTail() {
        func text(_ bytes: [UInt8]) -> String? { bytes.withUnsafeBytes { utf8String($0) } }
        #expect(text(Array("checkout-api/route".utf8)) == "checkout-api/route")
        #expect(text([]) == "")
        #expect(text(Array("caf\u{E9} \u{1F642} ok".utf8)) == "caf\u{E9} \u{1F642} ok")
        #expect(text(Array("abcdefgh".utf8) + [0xC3, 0x28]) == nil)  // tail
        #expect(text([0x61, 0xFF] + Array("bcdefghijk".utf8)) == nil)  // first word
        #expect(text(Array("abcdefgh".utf8) + [0x80] + Array("1234567".utf8)) == nil)  // lone continuation byte
    }

    @Test func truncatedLengthNamesOffset() throws {
        let bytes: [UInt8] = [0x08, 0x01, 0x12, 0x05, 0x68]
        bytes.withUnsafeBytes { raw in
            var reader = ProtobufReader(raw)
            do {
                _ = try reader.nextField(); _ = try reader.readVarint()
                _ = try reader.nextField(); _ = try reader.readBytes()
                Issue.record("expected an error")
            } catch let error as ProtobufDecodingError {
                #expect(error.offset == 3)
                #expect(error.description == "message truncated at byte 3")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func packedAndUnpackedRepeatedVarints() throws {
        // field 1 unpacked 7, then field 1 packed [1, 300]
        let bytes: [UInt8] = [0x08, 0x07, 0x0A, 0x03, 0x01, 0xAC, 0x02]
        var values: [UInt64] = []
        try bytes.withUnsafeBytes { raw in
            var reader = ProtobufReader(raw)
            while let key = try reader.nextField() {
                try reader.readRepeatedVarint(key) { values.append($0) }
            }
        }
        #expect(values == [7, 1, 300])
    }
}
