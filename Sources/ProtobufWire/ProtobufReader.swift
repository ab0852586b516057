/// A forward-only reader of the protobuf wire format over borrowed bytes.
///
/// The decoders of pprof, OTLP and remote write read straight from the request bytes into their
/// own columnar results, without building a message tree first. swift-protobuf's generated
/// messages would allocate an object per span, sample and label; this reader allocates nothing.
///
/// The reader borrows memory: create it inside `withUnsafeBytes` and do not let it (or any
/// `UnsafeRawBufferPointer` it returns) escape that closure. `Bytes` values it returns are
/// views into the same memory.
public struct ProtobufReader {
    public typealias Bytes = UnsafeRawBufferPointer

    @usableFromInline let base: UnsafeRawBufferPointer
    @usableFromInline var position: Int
    /// Absolute position into the input of the next byte to read.
    @inlinable public var offset: Int { position }
    /// Absolute position one past the last byte this reader may read.
    public let end: Int

    /// A reader over the whole of `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.base = bytes
        self.position = 0
        self.end = bytes.count
    }

    /// A reader over `range` of `bytes` (an embedded message found earlier), whose offsets stay
    /// positions in the whole of `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the bytes")
        self.base = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    @usableFromInline init(base: UnsafeRawBufferPointer, offset: Int, end: Int) {
        self.base = base
        self.position = offset
        self.end = end
    }

    /// Whether every byte of this reader has been consumed.
    @inlinable public var isAtEnd: Bool { position >= end }

    /// Reads the next field key, or returns nil at the end of the message.
    @inlinable
    public mutating func nextField() throws(ProtobufDecodingError) -> FieldKey? {
        guard position < end else { return nil }
        let start = position
        let key = try readVarint()
        let number = key >> 3
        guard number > 0, number <= 0x1FFF_FFFF else {
            throw ProtobufDecodingError(.invalidFieldNumber, at: start)
        }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw ProtobufDecodingError(.invalidWireType, at: start)
        }
        return FieldKey(number: Int(number), wireType: wireType, offset: start)
    }

    /// Reads a base-128 varint.
    @inlinable @inline(__always)
    public mutating func readVarint() throws(ProtobufDecodingError) -> UInt64 {
        // Most varints in real messages (keys, small ids, lengths) are one byte.
        if position < end {
            let byte = base[position]
            if byte < 0x80 {
                position += 1
                return UInt64(byte)
            }
        }
        return try readLongVarint()
    }

    @usableFromInline @inline(never)
    mutating func readLongVarint() throws(ProtobufDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while position < end {
            let byte = base[position]
            position += 1
            if shift == 63 && byte > 1 { throw ProtobufDecodingError(.malformedVarint, at: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ProtobufDecodingError(.malformedVarint, at: start) }
        }
        throw ProtobufDecodingError(.truncated, at: start)
    }

    /// Reads an `int64` (two's complement varint).
    @inlinable
    public mutating func readInt64() throws(ProtobufDecodingError) -> Int64 {
        Int64(bitPattern: try readVarint())
    }

    /// Reads a `bool`.
    @inlinable
    public mutating func readBool() throws(ProtobufDecodingError) -> Bool {
        try readVarint() != 0
    }

    /// Reads a little-endian fixed 64-bit value (`fixed64`, `sfixed64`, `double`).
    @inlinable
    public mutating func readFixed64() throws(ProtobufDecodingError) -> UInt64 {
        guard end - position >= 8 else { throw ProtobufDecodingError(.truncated, at: position) }
        let value = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: value)
    }

    /// Reads a little-endian fixed 32-bit value (`fixed32`, `sfixed32`, `float`).
    @inlinable
    public mutating func readFixed32() throws(ProtobufDecodingError) -> UInt32 {
        guard end - position >= 4 else { throw ProtobufDecodingError(.truncated, at: position) }
        let value = base.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: value)
    }

    /// Reads a `double`.
    @inlinable
    public mutating func readDouble() throws(ProtobufDecodingError) -> Double {
        Double(bitPattern: try readFixed64())
    }

    /// Reads a length-delimited field's bytes (a view into the input).
    @inlinable
    public mutating func readBytes() throws(ProtobufDecodingError) -> Bytes {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(end - position) else { throw ProtobufDecodingError(.truncated, at: start) }
        let slice = UnsafeRawBufferPointer(rebasing: base[position..<(position + Int(length))])
        position += Int(length)
        return slice
    }

    /// Reads a length-delimited field as a reader over the embedded message. Offsets reported by
    /// the sub-reader stay absolute, so errors name the byte in the whole input.
    @inlinable
    public mutating func readMessage() throws(ProtobufDecodingError) -> ProtobufReader {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(end - position) else { throw ProtobufDecodingError(.truncated, at: start) }
        let sub = ProtobufReader(base: base, offset: position, end: position + Int(length))
        position += Int(length)
        return sub
    }

    /// Reads a `string` field, validating UTF-8.
    @inlinable
    public mutating func readString() throws(ProtobufDecodingError) -> String {
        let start = position
        let bytes = try readBytes()
        guard let string = utf8String(bytes) else {
            throw ProtobufDecodingError(.invalidUTF8, at: start)
        }
        return string
    }

    /// Reads a repeated varint field that may arrive packed (wire type 2) or as one element
    /// (wire type 0), calling `body` for each value.
    @inlinable
    public mutating func readRepeatedVarint(
        _ key: FieldKey,
        _ body: (UInt64) throws(ProtobufDecodingError) -> Void
    ) throws(ProtobufDecodingError) {
        switch key.wireType {
        case .varint:
            try body(try readVarint())
        case .lengthDelimited:
            var packed = try readMessage()
            while !packed.isAtEnd { try body(try packed.readVarint()) }
        default:
            throw ProtobufDecodingError(.unexpectedWireType, at: key.offset)
        }
    }

    /// Reads a repeated fixed64 field, packed or not.
    @inlinable
    public mutating func readRepeatedFixed64(
        _ key: FieldKey,
        _ body: (UInt64) throws(ProtobufDecodingError) -> Void
    ) throws(ProtobufDecodingError) {
        switch key.wireType {
        case .fixed64:
            try body(try readFixed64())
        case .lengthDelimited:
            var packed = try readMessage()
            guard (packed.end - packed.position) % 8 == 0 else {
                throw ProtobufDecodingError(.truncated, at: key.offset)
            }
            while !packed.isAtEnd { try body(try packed.readFixed64()) }
        default:
            throw ProtobufDecodingError(.unexpectedWireType, at: key.offset)
        }
    }

    /// Skips the value of a field this decoder does not know.
    @inlinable
    public mutating func skip(_ key: FieldKey) throws(ProtobufDecodingError) {
        switch key.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .lengthDelimited: _ = try readBytes()
        case .fixed32: _ = try readFixed32()
        case .startGroup, .endGroup:
            throw ProtobufDecodingError(.unsupportedGroup, at: key.offset)
        }
    }

    /// Checks that the field has the wire type the schema gives it.
    @inlinable
    public func expect(_ key: FieldKey, _ wireType: WireType) throws(ProtobufDecodingError) {
        guard key.wireType == wireType else {
            throw ProtobufDecodingError(.unexpectedWireType, at: key.offset)
        }
    }
}

/// A field's number and wire type, with the offset of its key for error messages.
public struct FieldKey: Sendable, Equatable {
    public var number: Int
    public var wireType: WireType
    public var offset: Int

    @inlinable
    public init(number: Int, wireType: WireType, offset: Int) {
        self.number = number
        self.wireType = wireType
        self.offset = offset
    }
}

/// Protobuf wire types.
public enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}
