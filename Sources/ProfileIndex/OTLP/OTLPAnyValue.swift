import ProtobufWire

/// An OTLP `AnyValue`, reduced to what labels need.
enum OTLPAnyValue {
    case none
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bytes(String)

    init(_ reader: inout ProtobufReader) throws {
        self = .none
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                self = .string(String(decoding: try reader.readBytes(), as: UTF8.self))
            case 2:
                try reader.expect(key, .varint)
                self = .bool(try reader.readBool())
            case 3:
                try reader.expect(key, .varint)
                self = .int(try reader.readInt64())
            case 4:
                try reader.expect(key, .fixed64)
                self = .double(try reader.readDouble())
            case 7:
                try reader.expect(key, .lengthDelimited)
                self = .bytes(OTLPDictionary.hex(try reader.readBytes()))
            default:
                // Arrays and key-value lists have no label form.
                try reader.skip(key)
            }
        }
    }

    /// The value as label text; nil for none.
    var text: String? {
        switch self {
        case .none: nil
        case .string(let value): value
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bytes(let value): value
        }
    }
}
