/// A minimal protobuf writer for building test inputs (pprof and OTLP messages) by hand.
struct TestProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func key(_ field: Int, _ wireType: UInt8) { varint(UInt64(field) << 3 | UInt64(wireType)) }

    mutating func uint(_ field: Int, _ value: UInt64) {
        key(field, 0)
        varint(value)
    }

    mutating func int(_ field: Int, _ value: Int64) { uint(field, UInt64(bitPattern: value)) }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    mutating func packed(_ field: Int, _ values: [UInt64]) {
        var inner = TestProtobufWriter()
        for value in values { inner.varint(value) }
        bytes(field, inner.bytes)
    }

    mutating func message(_ field: Int, _ build: (inout TestProtobufWriter) -> Void) {
        var inner = TestProtobufWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }
}

/// Builds pprof messages field by field, with a string table that interns as it goes (written
/// last, as Go does).
struct PprofBuilder {
    var strings: [String] = [""]
    var body = TestProtobufWriter()

    mutating func s(_ text: String) -> Int64 {
        if let index = strings.firstIndex(of: text) { return Int64(index) }
        strings.append(text)
        return Int64(strings.count - 1)
    }

    mutating func sampleType(_ type: String, _ unit: String) {
        let t = s(type), u = s(unit)
        body.message(1) { $0.int(1, t); $0.int(2, u) }
    }

    mutating func function(id: UInt64, name: String, file: String = "main.go") {
        let n = s(name), f = s(file)
        body.message(5) { $0.uint(1, id); $0.int(2, n); $0.int(4, f) }
    }

    /// A location whose lines call `functions`, innermost first.
    mutating func location(id: UInt64, functions: [UInt64], mapping: UInt64 = 0) {
        body.message(4) { writer in
            writer.uint(1, id)
            if mapping != 0 { writer.uint(2, mapping) }
            for function in functions { writer.message(4) { $0.uint(1, function); $0.int(2, 10) } }
        }
    }

    mutating func sample(locations: [UInt64], values: [Int64], labels: [(String, String)] = [], packed: Bool = true) {
        let labelIndexes = labels.map { (s($0.0), s($0.1)) }
        body.message(2) { writer in
            if packed {
                writer.packed(1, locations)
                writer.packed(2, values.map { UInt64(bitPattern: $0) })
            } else {
                for location in locations { writer.uint(1, location) }
                for value in values { writer.int(2, value) }
            }
            for (key, value) in labelIndexes { writer.message(3) { $0.int(1, key); $0.int(2, value) } }
        }
    }

    mutating func raw(_ build: (inout TestProtobufWriter) -> Void) { build(&body) }

    func encoded() -> [UInt8] {
        var writer = body
        for string in strings { writer.string(6, string) }
        return writer.bytes
    }
}

/// gzip with stored (uncompressed) deflate blocks and a correct CRC: enough to test the
/// inflater's limits and truncation handling without a compressor.
enum StoredGzip {
    static func wrap(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)
            out.append(UInt8(length & 0xFF)); out.append(UInt8(length >> 8))
            out.append(UInt8(~length & 0xFF)); out.append(UInt8((~length >> 8) & 0xFF))
            out.append(contentsOf: data[offset..<(offset + length)])
            offset += length
        } while offset < data.count
        let crc = crc32(data)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        let size = UInt32(truncatingIfNeeded: data.count)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: size >> UInt32(shift))) }
        return out
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
