import Foundation

/// Renders OTLP JSON `KeyValue`s and `AnyValue`s as attributes JSON, counting truncated values.
struct JSONAttributeRenderer {
    typealias Object = [String: Any]

    let maxValueBytes: Int
    let maxNesting: Int
    var truncatedValues = 0

    init(options: OTLPTraceDecoder.Options) {
        maxValueBytes = options.maxAttributeValueBytes
        maxNesting = options.maxAttributeNesting
    }

    /// Writes a JSON array of `KeyValue`s as object members (without braces), calling `inspect`
    /// with each key and its `AnyValue` object.
    mutating func writeAttributes(
        _ attributes: Any?,
        at path: String,
        into output: inout JSONWriter,
        _ inspect: (String, Any) -> Void
    ) throws(OTLPTraceDecodingError) {
        let list = try JSONTraceDecoding.array(attributes, at: path)
        for (index, item) in list.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let keyValue = try JSONTraceDecoding.object(item, at: itemPath) ?? [:]
            if index > 0 { output.byte(UInt8(ascii: ",")) }
            let key = try writeKeyValue(keyValue, at: itemPath, into: &output, depth: 0)
            inspect(key, keyValue["value"] ?? NSNull())
        }
    }

    private mutating func writeKeyValue(
        _ keyValue: Object, at path: String, into output: inout JSONWriter, depth: Int
    ) throws(OTLPTraceDecodingError) -> String {
        let key = try JSONTraceDecoding.string(keyValue["key"], at: path + ".key") ?? ""
        _ = output.string(key)
        output.byte(UInt8(ascii: ":"))
        try writeValue(try JSONTraceDecoding.object(keyValue["value"], at: path + ".value"), at: path + ".value", into: &output, depth: depth)
        return key
    }

    private mutating func writeValue(
        _ value: Object?, at path: String, into output: inout JSONWriter, depth: Int
    ) throws(OTLPTraceDecodingError) {
        guard let value else {
            output.null()
            return
        }
        if let item = value["stringValue"] {
            guard let string = item as? String else { throw .json("expected a string", at: path + ".stringValue") }
            if output.string(string, limit: maxValueBytes) { truncatedValues += 1 }
        } else if let item = value["boolValue"] {
            guard let number = item as? NSNumber, JSONTraceDecoding.isBool(number) else {
                throw .json("expected true or false", at: path + ".boolValue")
            }
            output.bool(number.boolValue)
        } else if let item = value["intValue"] {
            output.int(try JSONTraceDecoding.int64(item, at: path + ".intValue"))
        } else if let item = value["doubleValue"] {
            output.double(try JSONTraceDecoding.double(item, at: path + ".doubleValue"))
        } else if let item = value["bytesValue"] {
            guard let base64 = item as? String, let data = Data(base64Encoded: base64) else {
                throw .json("expected base64", at: path + ".bytesValue")
            }
            if data.count > maxValueBytes { truncatedValues += 1 }
            data.prefix(maxValueBytes).withUnsafeBytes { output.base64String($0) }
        } else if let item = value["arrayValue"] {
            try checkNesting(depth, at: path)
            let values = try JSONTraceDecoding.array(try JSONTraceDecoding.object(item, at: path + ".arrayValue")?["values"], at: path + ".arrayValue.values")
            output.byte(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                let elementPath = "\(path).arrayValue.values[\(index)]"
                if index > 0 { output.byte(UInt8(ascii: ",")) }
                try writeValue(try JSONTraceDecoding.object(element, at: elementPath), at: elementPath, into: &output, depth: depth + 1)
            }
            output.byte(UInt8(ascii: "]"))
        } else if let item = value["kvlistValue"] {
            try checkNesting(depth, at: path)
            let values = try JSONTraceDecoding.array(try JSONTraceDecoding.object(item, at: path + ".kvlistValue")?["values"], at: path + ".kvlistValue.values")
            output.byte(UInt8(ascii: "{"))
            for (index, element) in values.enumerated() {
                let elementPath = "\(path).kvlistValue.values[\(index)]"
                if index > 0 { output.byte(UInt8(ascii: ",")) }
                _ = try writeKeyValue(try JSONTraceDecoding.object(element, at: elementPath) ?? [:], at: elementPath, into: &output, depth: depth + 1)
            }
            output.byte(UInt8(ascii: "}"))
        } else {
            output.null()
        }
    }

    private func checkNesting(_ depth: Int, at path: String) throws(OTLPTraceDecodingError) {
        let limit = maxNesting
        guard depth < limit else { throw .json("attribute value nested deeper than \(limit) levels", at: path) }
    }
}
