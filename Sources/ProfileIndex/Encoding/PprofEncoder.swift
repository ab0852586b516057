import CompressNIO
import NIOCore
import ProtobufWire

/// Writes a pprof profile (profile.proto) from stacks of functions: what merged profiles and
/// profiles that arrive as text (folded stacks) are turned into, so `go tool pprof` and our
/// own decoder read them like any other. One location and one function per distinct
/// function (no addresses, no line numbers).
///
/// Fields written (pprof's profile.proto): `sample_type` 1, `sample` 2 (`location_id` 1,
/// `value` 2), `location` 4 (`id` 1, `line` 4 → `function_id` 1), `function` 5 (`id` 1,
/// `name` 2, `system_name` 3, `filename` 4), `string_table` 6, `time_nanos` 9,
/// `duration_nanos` 10, `period_type` 11, `period` 12.
public struct PprofEncoder: Sendable {
    public var sampleTypes: [ProfileValueType]
    public var periodType: ProfileValueType?
    public var period: Int64 = 0
    public var timeNanos: Int64 = 0
    public var durationNanos: Int64 = 0

    private var functionNumber: [ProfileFunction: UInt64] = [:]
    private var functions: [ProfileFunction] = []
    private var samples = ProtobufWriter(capacity: 256)
    public private(set) var sampleCount = 0

    public init(sampleTypes: [ProfileValueType], periodType: ProfileValueType? = nil, period: Int64 = 0) {
        self.sampleTypes = sampleTypes
        self.periodType = periodType
        self.period = period
    }

    /// Adds a sample: its stack, root first, and one value per sample type.
    public mutating func addSample(stack: some BidirectionalCollection<ProfileFunction>, values: [Int64]) {
        var locations: [UInt64] = []
        locations.reserveCapacity(stack.count)
        for function in stack.reversed() {
            if let known = functionNumber[function] {
                locations.append(known)
            } else {
                functions.append(function)
                let number = UInt64(functions.count)
                functionNumber[function] = number
                locations.append(number)
            }
        }
        samples.writeMessageField(2) { sample in
            sample.writePackedVarintField(1, locations)
            sample.writePackedVarintField(2, values.map { UInt64(bitPattern: $0) })
        }
        sampleCount += 1
    }

    /// The profile's protobuf bytes.
    public func encoded() -> [UInt8] {
        var strings: [String] = [""]
        var stringIndex: [String: UInt64] = ["": 0]
        func string(_ text: String) -> UInt64 {
            if let known = stringIndex[text] { return known }
            strings.append(text)
            stringIndex[text] = UInt64(strings.count - 1)
            return UInt64(strings.count - 1)
        }
        var writer = ProtobufWriter(capacity: samples.bytes.count + functions.count * 32 + 256)
        for type in sampleTypes {
            let name = string(type.type), unit = string(type.unit)
            writer.writeMessageField(1) { field in
                field.writeVarintField(1, name)
                field.writeVarintField(2, unit)
            }
        }
        writer.writeRaw(samples.bytes)
        for number in 1...max(1, functions.count) where number <= functions.count {
            writer.writeMessageField(4) { location in
                location.writeVarintField(1, UInt64(number))
                location.writeMessageField(4) { line in line.writeVarintField(1, UInt64(number)) }
            }
        }
        for (index, function) in functions.enumerated() {
            let name = string(function.name), file = string(function.filename)
            writer.writeMessageField(5) { entry in
                entry.writeVarintField(1, UInt64(index + 1))
                entry.writeVarintField(2, name)
                entry.writeVarintField(3, name)
                entry.writeVarintField(4, file)
            }
        }
        let period = periodType.map { (string($0.type), string($0.unit)) }
        for text in strings {
            writer.writeStringField(6, text)
        }
        if timeNanos != 0 { writer.writeInt64Field(9, timeNanos) }
        if durationNanos != 0 { writer.writeInt64Field(10, durationNanos) }
        if let period {
            writer.writeMessageField(11) { type in
                type.writeVarintField(1, period.0)
                type.writeVarintField(2, period.1)
            }
        }
        if self.period != 0 { writer.writeInt64Field(12, self.period) }
        return writer.bytes
    }

    /// The profile gzip-compressed, as Go writes pprof files.
    public func gzipped() throws -> [UInt8] {
        var plain = ByteBuffer(bytes: encoded())
        var compressed = try plain.compress(with: .gzip)
        return compressed.readBytes(length: compressed.readableBytes) ?? []
    }
}
