import ProtobufWire

/// Two passes over a pprof message. The first reads everything but the samples into flat arrays
/// of raw ids and string indexes, and only notes where each sample is; the resolve step validates
/// every reference and builds the dense ``Profile``, then the second pass reads the samples
/// straight into it, turning location ids into dense indices as it goes.
///
/// Go writes the string table last and interleaves locations and functions with samples, so
/// samples cannot be resolved while the message is first read; noting their byte ranges lets the
/// largest part of the message (millions of location ids) be read once, with no raw-id column.
struct PprofMessageParser {
    let maxSamples: Int

    // Profile scalars (string indexes unresolved).
    var sampleTypeStrings: [(type: Int64, unit: Int64, offset: Int)] = []
    var periodType: (type: Int64, unit: Int64, offset: Int)?
    var period: Int64 = 0
    var timeNanos: Int64 = 0
    var durationNanos: Int64 = 0
    var comments: [(Int64, Int)] = []
    var defaultSampleType: (Int64, Int)?
    var dropFrames: (Int64, Int)?
    var keepFrames: (Int64, Int)?

    // Samples: where each one's message is (the second pass reads them).
    var sampleOffsets: [Int32] = []
    var sampleBodyStarts: [Int32] = []
    var sampleBodyEnds: [Int32] = []
    /// Bytes of all sample messages: a bound on the number of location ids they hold.
    var sampleBodyBytes = 0

    // Mappings.
    var mappingIDs: [UInt64] = []
    var mappingFiles: [Int64] = []
    var mappingBuildIDs: [Int64] = []
    var mappingOffsets: [Int32] = []

    // Locations.
    var locationIDs: [UInt64] = []
    var locationMappingIDs: [UInt64] = []
    var locationOffsets: [Int32] = []
    var locationLineStarts: [Int32] = [0]
    var lineFunctionIDs: [UInt64] = []

    // Functions.
    var functionIDs: [UInt64] = []
    var functionNames: [Int64] = []
    var functionFiles: [Int64] = []
    var functionOffsets: [Int32] = []

    // String table: byte ranges into the message.
    var stringStarts: [Int32] = []
    var stringLengths: [Int32] = []

    init(maxSamples: Int) {
        self.maxSamples = maxSamples
    }

    // MARK: Parsing

    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws {
        var reader = ProtobufReader(bytes)
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                let (type, unit) = try Self.parseValueType(&message)
                sampleTypeStrings.append((type, unit, key.offset))
            case 2:
                try reader.expect(key, .lengthDelimited)
                guard sampleOffsets.count < maxSamples else {
                    throw ProfileDecodingError(
                        .tooManySamples,
                        "profile has more than the limit of \(maxSamples) samples",
                        at: key.offset
                    )
                }
                let message = try reader.readMessage()
                sampleOffsets.append(Int32(key.offset))
                sampleBodyStarts.append(Int32(message.offset))
                sampleBodyEnds.append(Int32(message.end))
                sampleBodyBytes += message.end - message.offset
            case 3:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                try parseMapping(&message, offset: key.offset)
            case 4:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                try parseLocation(&message, offset: key.offset)
            case 5:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                try parseFunction(&message, offset: key.offset)
            case 6:
                try reader.expect(key, .lengthDelimited)
                let string = try reader.readBytes()
                stringStarts.append(Int32(string.baseAddress.map { $0 - bytes.baseAddress! } ?? 0))
                stringLengths.append(Int32(string.count))
            case 7:
                try reader.expect(key, .varint)
                dropFrames = (try reader.readInt64(), key.offset)
            case 8:
                try reader.expect(key, .varint)
                keepFrames = (try reader.readInt64(), key.offset)
            case 9:
                try reader.expect(key, .varint)
                timeNanos = try reader.readInt64()
            case 10:
                try reader.expect(key, .varint)
                durationNanos = try reader.readInt64()
            case 11:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                let (type, unit) = try Self.parseValueType(&message)
                periodType = (type, unit, key.offset)
            case 12:
                try reader.expect(key, .varint)
                period = try reader.readInt64()
            case 13:
                try reader.readRepeatedVarint(key) { comments.append((Int64(bitPattern: $0), key.offset)) }
            case 14:
                try reader.expect(key, .varint)
                defaultSampleType = (try reader.readInt64(), key.offset)
            default:
                try reader.skip(key)
            }
        }
    }

    private static func parseValueType(_ reader: inout ProtobufReader) throws -> (Int64, Int64) {
        var type: Int64 = 0
        var unit: Int64 = 0
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .varint)
                type = try reader.readInt64()
            case 2:
                try reader.expect(key, .varint)
                unit = try reader.readInt64()
            default: try reader.skip(key)
            }
        }
        return (type, unit)
    }

    private mutating func parseMapping(_ reader: inout ProtobufReader, offset: Int) throws {
        var id: UInt64 = 0
        var file: Int64 = 0
        var buildID: Int64 = 0
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .varint)
                id = try reader.readVarint()
            case 5:
                try reader.expect(key, .varint)
                file = try reader.readInt64()
            case 6:
                try reader.expect(key, .varint)
                buildID = try reader.readInt64()
            default: try reader.skip(key)
            }
        }
        mappingIDs.append(id)
        mappingFiles.append(file)
        mappingBuildIDs.append(buildID)
        mappingOffsets.append(Int32(offset))
    }

    private mutating func parseLocation(_ reader: inout ProtobufReader, offset: Int) throws {
        var id: UInt64 = 0
        var mappingID: UInt64 = 0
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .varint)
                id = try reader.readVarint()
            case 2:
                try reader.expect(key, .varint)
                mappingID = try reader.readVarint()
            case 4:
                try reader.expect(key, .lengthDelimited)
                var line = try reader.readMessage()
                var functionID: UInt64 = 0
                while let field = try line.nextField() {
                    if field.number == 1 {
                        try line.expect(field, .varint)
                        functionID = try line.readVarint()
                    } else {
                        try line.skip(field)
                    }
                }
                lineFunctionIDs.append(functionID)
            default: try reader.skip(key)
            }
        }
        locationIDs.append(id)
        locationMappingIDs.append(mappingID)
        locationOffsets.append(Int32(offset))
        locationLineStarts.append(Int32(lineFunctionIDs.count))
    }

    private mutating func parseFunction(_ reader: inout ProtobufReader, offset: Int) throws {
        var id: UInt64 = 0
        var name: Int64 = 0
        var file: Int64 = 0
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .varint)
                id = try reader.readVarint()
            case 2:
                try reader.expect(key, .varint)
                name = try reader.readInt64()
            case 4:
                try reader.expect(key, .varint)
                file = try reader.readInt64()
            default: try reader.skip(key)
            }
        }
        functionIDs.append(id)
        functionNames.append(name)
        functionFiles.append(file)
        functionOffsets.append(Int32(offset))
    }
}
