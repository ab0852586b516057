import ProtobufWire

/// An `AnyValue` located in the input, read without copying.
enum AnyValueReference {
    case empty
    case string(ProtobufReader.Bytes, offset: Int)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case array(ProtobufReader)
    case keyValueList(ProtobufReader)
    case bytes(ProtobufReader.Bytes)

    /// Reads an `AnyValue` message; of several `oneof` members the last one wins, as in protobuf.
    static func read(_ message: ProtobufReader) throws(ProtobufDecodingError) -> AnyValueReference {
        var message = message
        var value = AnyValueReference.empty
        while let key = try message.nextField() {
            switch key.number {
            case 1:
                try message.expect(key, .lengthDelimited)
                let offset = message.offset
                value = .string(try message.readBytes(), offset: offset)
            case 2:
                try message.expect(key, .varint)
                value = .bool(try message.readBool())
            case 3:
                try message.expect(key, .varint)
                value = .int(try message.readInt64())
            case 4:
                try message.expect(key, .fixed64)
                value = .double(try message.readDouble())
            case 5:
                try message.expect(key, .lengthDelimited)
                value = .array(try message.readMessage())
            case 6:
                try message.expect(key, .lengthDelimited)
                value = .keyValueList(try message.readMessage())
            case 7:
                try message.expect(key, .lengthDelimited)
                value = .bytes(try message.readBytes())
            default:
                try message.skip(key)
            }
        }
        return value
    }
}

/// A `KeyValue` located in the input.
struct KeyValueReference {
    var key: ProtobufReader.Bytes
    var keyOffset: Int
    var value: AnyValueReference

    static func read(_ message: ProtobufReader) throws(ProtobufDecodingError) -> KeyValueReference {
        var message = message
        var key = ProtobufReader.Bytes(start: nil, count: 0)
        var keyOffset = message.offset
        var value = AnyValueReference.empty
        while let field = try message.nextField() {
            switch field.number {
            case 1:
                try message.expect(field, .lengthDelimited)
                keyOffset = message.offset
                key = try message.readBytes()
            case 2:
                try message.expect(field, .lengthDelimited)
                value = try AnyValueReference.read(try message.readMessage())
            default:
                try message.skip(field)
            }
        }
        return KeyValueReference(key: key, keyOffset: keyOffset, value: value)
    }

    func keyEquals(_ other: [UInt8]) -> Bool {
        key.count == other.count && key.elementsEqual(other)
    }
}

/// Renders protobuf `KeyValue`s and `AnyValue`s as JSON, counting truncated values.
struct ProtobufAttributeRenderer {
    let maxValueBytes: Int
    let maxNesting: Int
    var truncatedValues = 0

    init(options: OTLPTraceDecoder.Options) {
        maxValueBytes = options.maxAttributeValueBytes
        maxNesting = options.maxAttributeNesting
    }

    /// Writes the `KeyValue`s in field `field` of `message` as JSON object members (without the
    /// braces), calling `inspect` with each one.
    mutating func writeAttributes(
        of message: ProtobufReader,
        field: Int,
        into output: inout JSONWriter,
        _ inspect: (KeyValueReference) -> Void
    ) throws(ProtobufDecodingError) {
        var fields = message
        var first = true
        while let key = try fields.nextField() {
            guard key.number == field else { try fields.skip(key); continue }
            try fields.expect(key, .lengthDelimited)
            let keyValue = try KeyValueReference.read(try fields.readMessage())
            if !first { output.byte(UInt8(ascii: ",")) }
            first = false
            try writeKeyValue(keyValue, into: &output, depth: 0)
            inspect(keyValue)
        }
    }

    private mutating func writeKeyValue(
        _ keyValue: KeyValueReference, into output: inout JSONWriter, depth: Int
    ) throws(ProtobufDecodingError) {
        guard output.string(utf8: keyValue.key) != nil else {
            throw .invalid("attribute key is not valid UTF-8", at: keyValue.keyOffset)
        }
        output.byte(UInt8(ascii: ":"))
        try writeValue(keyValue.value, into: &output, depth: depth)
    }

    private mutating func writeValue(
        _ value: AnyValueReference, into output: inout JSONWriter, depth: Int
    ) throws(ProtobufDecodingError) {
        switch value {
        case .empty:
            output.null()
        case .string(let bytes, let offset):
            guard let truncated = output.string(utf8: bytes, limit: maxValueBytes) else {
                throw .invalid("attribute value is not valid UTF-8", at: offset)
            }
            if truncated { truncatedValues += 1 }
        case .bool(let flag):
            output.bool(flag)
        case .int(let number):
            output.int(number)
        case .double(let number):
            output.double(number)
        case .bytes(let bytes):
            if bytes.count > maxValueBytes {
                truncatedValues += 1
                output.base64String(UnsafeRawBufferPointer(rebasing: bytes[0..<maxValueBytes]))
            } else {
                output.base64String(bytes)
            }
        case .array(var array):
            // ArrayValue: 1 values.
            guard depth < maxNesting else {
                throw .invalid("attribute value nested deeper than \(maxNesting) levels", at: array.offset)
            }
            output.byte(UInt8(ascii: "["))
            var first = true
            while let key = try array.nextField() {
                guard key.number == 1 else { try array.skip(key); continue }
                try array.expect(key, .lengthDelimited)
                if !first { output.byte(UInt8(ascii: ",")) }
                first = false
                try writeValue(try AnyValueReference.read(try array.readMessage()), into: &output, depth: depth + 1)
            }
            output.byte(UInt8(ascii: "]"))
        case .keyValueList(var list):
            // KeyValueList: 1 values.
            guard depth < maxNesting else {
                throw .invalid("attribute value nested deeper than \(maxNesting) levels", at: list.offset)
            }
            output.byte(UInt8(ascii: "{"))
            var first = true
            while let key = try list.nextField() {
                guard key.number == 1 else { try list.skip(key); continue }
                try list.expect(key, .lengthDelimited)
                if !first { output.byte(UInt8(ascii: ",")) }
                first = false
                try writeKeyValue(try KeyValueReference.read(try list.readMessage()), into: &output, depth: depth + 1)
            }
            output.byte(UInt8(ascii: "}"))
        }
    }

    /// A string that must be UTF-8 (event names, scope name and version), not truncated.
    func writeString(
        _ bytes: ProtobufReader.Bytes, offset: Int, into output: inout JSONWriter
    ) throws(ProtobufDecodingError) {
        guard output.string(utf8: bytes) != nil else {
            throw .invalid("string is not valid UTF-8", at: offset)
        }
    }
}
