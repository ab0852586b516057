/// A writer of the protobuf wire format into a growing byte array: the counterpart of
/// `ProtobufReader` for the small messages the service sends back (OTLP responses,
/// `google.rpc.Status`) and for test inputs.
///
/// Every `write…Field` call writes the field, even a default value: proto3 senders omit
/// defaults, so callers skip them where the schema says so. Embedded messages are written
/// through a closure that fills a nested writer, then copied behind their length.
public struct ProtobufWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes a base-128 varint.
    /// Appends bytes already encoded as fields (a run of messages built apart).
    public mutating func writeRaw(_ encoded: some Sequence<UInt8>) {
        bytes.append(contentsOf: encoded)
    }

    public mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Writes a field key (field number and wire type).
    public mutating func writeKey(_ fieldNumber: Int, _ wireType: WireType) {
        precondition(fieldNumber > 0 && fieldNumber <= 0x1FFF_FFFF, "invalid protobuf field number \(fieldNumber)")
        writeVarint(UInt64(fieldNumber) << 3 | UInt64(wireType.rawValue))
    }

    /// Writes a `uint64`/`uint32` field.
    public mutating func writeVarintField(_ fieldNumber: Int, _ value: UInt64) {
        writeKey(fieldNumber, .varint)
        writeVarint(value)
    }

    /// Writes an `int64` field (negative values take ten bytes, as protobuf specifies).
    public mutating func writeInt64Field(_ fieldNumber: Int, _ value: Int64) {
        writeVarintField(fieldNumber, UInt64(bitPattern: value))
    }

    /// Writes an `int32` or enum field (negative values are sign-extended to ten bytes).
    public mutating func writeInt32Field(_ fieldNumber: Int, _ value: Int32) {
        writeVarintField(fieldNumber, UInt64(bitPattern: Int64(value)))
    }

    /// Writes a `bool` field.
    public mutating func writeBoolField(_ fieldNumber: Int, _ value: Bool) {
        writeVarintField(fieldNumber, value ? 1 : 0)
    }

    /// Writes a `fixed64`/`sfixed64` field, little-endian.
    public mutating func writeFixed64Field(_ fieldNumber: Int, _ value: UInt64) {
        writeKey(fieldNumber, .fixed64)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes a `fixed32`/`sfixed32` field, little-endian.
    public mutating func writeFixed32Field(_ fieldNumber: Int, _ value: UInt32) {
        writeKey(fieldNumber, .fixed32)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes a `double` field.
    public mutating func writeDoubleField(_ fieldNumber: Int, _ value: Double) {
        writeFixed64Field(fieldNumber, value.bitPattern)
    }

    /// Writes a `bytes` field.
    public mutating func writeBytesField(_ fieldNumber: Int, _ value: some Collection<UInt8>) {
        writeKey(fieldNumber, .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Writes a `string` field as UTF-8.
    public mutating func writeStringField(_ fieldNumber: Int, _ value: String) {
        writeBytesField(fieldNumber, value.utf8)
    }

    /// Writes an embedded message field whose content `body` writes.
    public mutating func writeMessageField(_ fieldNumber: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter(capacity: 32)
        body(&nested)
        writeBytesField(fieldNumber, nested.bytes)
    }

    /// Writes a packed repeated varint field (nothing when `values` is empty).
    public mutating func writePackedVarintField(_ fieldNumber: Int, _ values: some Sequence<UInt64>) {
        var packed = ProtobufWriter(capacity: 16)
        for value in values { packed.writeVarint(value) }
        guard !packed.bytes.isEmpty else { return }
        writeBytesField(fieldNumber, packed.bytes)
    }
}
