import Foundation
import NIOCore
import ProtobufWire

/// A Connect unary codec: the body's encoding, which `Content-Type` names. (The wire side
/// only, so the fuzz target can take this file; the answer is built in ConnectUnary.swift.)
enum ConnectCodec: Sendable {
    case proto
    case json

    /// The codec of a unary request's `Content-Type`; nil for anything else (415).
    init?(contentType: String?) {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/proto", "application/protobuf", "application/x-protobuf": self = .proto
        case "application/json": self = .json
        default: return nil
        }
    }

    var contentType: String {
        switch self {
        case .proto: "application/proto"
        case .json: "application/json"
        }
    }
}

/// A Connect request message read field by field, whichever codec carried it: protobuf by
/// field number, JSON by the field's name (protobuf's JSON mapping: lowerCamelCase, the
/// `.proto` name accepted too; 64-bit integers as numbers or strings). The services read the
/// fields their `.proto` (in `proto/`) declares; unknown fields are ignored, as protobuf does.
struct ConnectMessage {
    private enum Storage {
        case proto([Int: [ProtoValue]])
        case json([String: Any])
    }

    private enum ProtoValue {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
    }

    /// A field whose value is not what the message declares: the field path and the problem.
    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    private let storage: Storage
    /// The message's name and path, for errors (`DiffRequest.left`).
    let path: String

    init(_ body: ByteBuffer, codec: ConnectCodec, name: String) throws {
        path = name
        switch codec {
        case .proto:
            storage = .proto(try body.withUnsafeReadableBytes { bytes in
                do {
                    return try Self.fields(ProtobufReader(bytes))
                } catch {
                    throw DecodingError(description: "\(name) (protobuf): \(error)")
                }
            })
        case .json:
            let object: Any
            do {
                // An empty body is the empty message.
                object = body.readableBytes == 0 ? [String: Any]() : try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
            } catch {
                throw DecodingError(description: "\(name) (JSON): not JSON: \(error.localizedDescription)")
            }
            guard let fields = object as? [String: Any] else { throw DecodingError(description: "\(name) (JSON): expected an object") }
            storage = .json(fields)
        }
    }

    private init(storage: Storage, path: String) {
        self.storage = storage
        self.path = path
    }

    private static func fields(_ message: ProtobufReader) throws(ProtobufDecodingError) -> [Int: [ProtoValue]] {
        var reader = message
        var fields: [Int: [ProtoValue]] = [:]
        while let key = try reader.nextField() {
            let value: ProtoValue
            switch key.wireType {
            case .varint: value = .varint(try reader.readVarint())
            case .fixed64: value = .fixed64(try reader.readFixed64())
            case .fixed32: value = .fixed32(try reader.readFixed32())
            case .lengthDelimited: value = .bytes(Array(try reader.readBytes()))
            default:
                try reader.skip(key)
                continue
            }
            fields[key.number, default: []].append(value)
        }
        return fields
    }

    /// protobuf's JSON name of a field: `label_selector` → `labelSelector`.
    private static func jsonName(_ name: String) -> String {
        var result = ""
        var upper = false
        for character in name {
            if character == "_" {
                upper = true
            } else {
                result.append(upper ? Character(character.uppercased()) : character)
                upper = false
            }
        }
        return result
    }

    private func json(_ fields: [String: Any], _ name: String) -> Any? {
        let value = fields[Self.jsonName(name)] ?? fields[name]
        return value is NSNull ? nil : value
    }

    /// Foundation parses `true`/`false` as NSNumbers of Objective-C type "c".
    private static func isBool(_ number: NSNumber) -> Bool {
        UInt8(bitPattern: number.objCType.pointee) == UInt8(ascii: "c")
    }

    private func fail(_ name: String, _ problem: String) -> DecodingError {
        DecodingError(description: "\(path).\(name): \(problem)")
    }

    // MARK: Scalars

    func string(_ number: Int, _ name: String) throws -> String {
        switch storage {
        case .proto(let fields):
            guard let last = fields[number]?.last else { return "" }
            guard case .bytes(let bytes) = last, let text = String(validating: bytes, as: UTF8.self) else {
                throw fail(name, "expected a string (UTF-8)")
            }
            return text
        case .json(let fields):
            guard let value = json(fields, name) else { return "" }
            guard let text = value as? String else { throw fail(name, "expected a string") }
            return text
        }
    }

    /// An int64 field; nil when absent (proto3 `optional` tells absent from 0).
    func int64(_ number: Int, _ name: String) throws -> Int64? {
        switch storage {
        case .proto(let fields):
            guard let last = fields[number]?.last else { return nil }
            guard case .varint(let value) = last else { throw fail(name, "expected a varint integer") }
            return Int64(bitPattern: value)
        case .json(let fields):
            guard let value = json(fields, name) else { return nil }
            if let text = value as? String, let number = Int64(text) { return number }
            if let number = value as? NSNumber, !Self.isBool(number) {
                let double = number.doubleValue
                if double.rounded() == double, let exact = Int64(exactly: double) { return exact }
            }
            throw fail(name, "expected a 64-bit integer (a number or a decimal string)")
        }
    }

    func double(_ number: Int, _ name: String) throws -> Double? {
        switch storage {
        case .proto(let fields):
            guard let last = fields[number]?.last else { return nil }
            guard case .fixed64(let bits) = last else { throw fail(name, "expected a double") }
            return Double(bitPattern: bits)
        case .json(let fields):
            guard let value = json(fields, name) else { return nil }
            if let number = value as? NSNumber, !Self.isBool(number) { return number.doubleValue }
            if let text = value as? String, let number = Double(text) { return number }
            throw fail(name, "expected a number")
        }
    }

    /// An enum field as its number; in JSON its value name (`names[number]`) or number.
    func enumValue(_ number: Int, _ name: String, names: [String]) throws -> Int {
        switch storage {
        case .proto(let fields):
            guard let last = fields[number]?.last else { return 0 }
            guard case .varint(let value) = last else { throw fail(name, "expected an enum value") }
            return Int(truncatingIfNeeded: value)
        case .json(let fields):
            guard let value = json(fields, name) else { return 0 }
            if let text = value as? String, let index = names.firstIndex(of: text) { return index }
            if let number = value as? NSNumber, !Self.isBool(number) { return number.intValue }
            throw fail(name, "expected one of \(names.joined(separator: ", "))")
        }
    }

    // MARK: Repeated and nested

    func strings(_ number: Int, _ name: String) throws -> [String] {
        switch storage {
        case .proto(let fields):
            return try (fields[number] ?? []).enumerated().map { index, value in
                guard case .bytes(let bytes) = value, let text = String(validating: bytes, as: UTF8.self) else {
                    throw fail("\(name)[\(index)]", "expected a string (UTF-8)")
                }
                return text
            }
        case .json(let fields):
            guard let value = json(fields, name) else { return [] }
            guard let texts = value as? [Any] else { throw fail(name, "expected an array of strings") }
            return try texts.enumerated().map { index, item in
                guard let text = item as? String else { throw fail("\(name)[\(index)]", "expected a string") }
                return text
            }
        }
    }

    func message(_ number: Int, _ name: String) throws -> ConnectMessage? {
        try messages(number, name).last
    }

    func messages(_ number: Int, _ name: String) throws -> [ConnectMessage] {
        switch storage {
        case .proto(let fields):
            return try (fields[number] ?? []).enumerated().map { index, value in
                guard case .bytes(let bytes) = value else { throw fail("\(name)[\(index)]", "expected a message") }
                let nested = try bytes.withUnsafeBytes { raw in
                    do {
                        return try Self.fields(ProtobufReader(raw))
                    } catch {
                        throw fail(name, "\(error)")
                    }
                }
                return ConnectMessage(storage: .proto(nested), path: "\(path).\(name)")
            }
        case .json(let fields):
            guard let value = json(fields, name) else { return [] }
            let items = (value as? [Any]) ?? [value]
            return try items.map { item in
                guard let object = item as? [String: Any] else { throw fail(name, "expected an object") }
                return ConnectMessage(storage: .json(object), path: "\(path).\(name)")
            }
        }
    }
}

/// A response message built once and written in either codec: protobuf by field number, JSON
/// by protobuf's JSON mapping (lowerCamelCase names, 64-bit integers as decimal strings).
/// Fields with their default value (0, "", empty) are left out, as proto3 does.
struct ConnectResponseMessage {
    indirect enum Value {
        case int64(Int64)
        case double(Double)
        case string(String)
        case message(ConnectResponseMessage)
        /// Already encoded protobuf bytes of a message; in JSON, `json` stands for it.
        case encodedMessage([UInt8], json: Any)
        case int64s([Int64])
        case strings([String])
        case messages([ConnectResponseMessage])
    }

    private var fields: [(number: Int, name: String, value: Value)] = []
    /// A message answered whole from its encoded bytes (and their JSON form).
    private var whole: (bytes: [UInt8], json: [String: Any])?

    init() {}

    /// A response that is an already-encoded message (`.encodedMessage`).
    init(wholeMessage value: Value) {
        if case .encodedMessage(let bytes, let json) = value { whole = (bytes, json as? [String: Any] ?? [:]) }
    }

    init(_ build: (inout ConnectResponseMessage) -> Void) {
        build(&self)
    }

    /// `name` is the field's JSON name.
    mutating func set(_ number: Int, _ name: String, _ value: Value) {
        fields.append((number, name, value))
    }

    func proto() -> [UInt8] {
        if let whole { return whole.bytes }
        var writer = ProtobufWriter()
        write(to: &writer)
        return writer.bytes
    }

    private func write(to writer: inout ProtobufWriter) {
        for (number, _, value) in fields {
            switch value {
            case .int64(let int): if int != 0 { writer.writeInt64Field(number, int) }
            case .double(let double): if double != 0 { writer.writeDoubleField(number, double) }
            case .string(let text): if !text.isEmpty { writer.writeStringField(number, text) }
            case .message(let message): writer.writeMessageField(number) { message.write(to: &$0) }
            case .encodedMessage(let bytes, _): writer.writeBytesField(number, bytes)
            case .int64s(let ints): if !ints.isEmpty { writer.writePackedVarintField(number, ints.map { UInt64(bitPattern: $0) }) }
            case .strings(let texts): for text in texts { writer.writeStringField(number, text) }
            case .messages(let messages): for message in messages { writer.writeMessageField(number) { message.write(to: &$0) } }
            }
        }
    }

    func jsonObject() -> [String: Any] {
        if let whole { return whole.json }
        var object: [String: Any] = [:]
        for (_, name, value) in fields {
            switch value {
            case .int64(let int): if int != 0 { object[name] = String(int) }
            case .double(let double): if double != 0 { object[name] = double }
            case .string(let text): if !text.isEmpty { object[name] = text }
            case .message(let message): object[name] = message.jsonObject()
            case .encodedMessage(_, let json): object[name] = json
            case .int64s(let ints): if !ints.isEmpty { object[name] = ints.map(String.init) }
            case .strings(let texts): if !texts.isEmpty { object[name] = texts }
            case .messages(let messages): if !messages.isEmpty { object[name] = messages.map { $0.jsonObject() } }
            }
        }
        return object
    }

    /// The message's bytes in `codec`.
    func encoded(_ codec: ConnectCodec) throws -> [UInt8] {
        switch codec {
        case .proto: return proto()
        case .json: return [UInt8](try JSONSerialization.data(withJSONObject: jsonObject(), options: [.sortedKeys]))
        }
    }
}
