import ProtobufWire

/// One pass over a pprof message into flat arrays of raw ids and string indexes, then a resolve
/// step that validates every reference and builds the dense ``Profile``.
///
/// Go writes the string table last and interleaves locations and functions with samples, so
/// nothing is resolved until the whole message has been read.
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

    // Samples.
    var sampleOffsets: [Int32] = []
    var sampleLocationStarts: [Int32] = [0]
    var rawLocationIDs: [UInt64] = []
    var sampleValues: [Int64] = []
    var firstValueCount = -1
    var valueCountMismatch: (sample: Int, count: Int)?
    var sampleLabelStarts: [Int32] = [0]
    var labelKeys: [Int64] = []
    var labelStrings: [Int64] = []
    var labelNumbers: [Int64] = []
    var labelUnits: [Int64] = []

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
        // Sized from the message (every location id takes at least one byte, typically two), so
        // the largest columns do not grow by copying; capacity never written is never paged in.
        rawLocationIDs.reserveCapacity(bytes.count / 2)
        sampleValues.reserveCapacity(bytes.count / 8)
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
                var message = try reader.readMessage()
                try parseSample(&message, offset: key.offset)
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

    private mutating func parseSample(_ reader: inout ProtobufReader, offset: Int) throws {
        let sample = sampleOffsets.count
        sampleOffsets.append(Int32(offset))
        let valuesBefore = sampleValues.count
        while let key = try reader.nextField() {
            switch key.number {
            case 1 where key.wireType == .lengthDelimited:
                var packed = try reader.readMessage()
                while !packed.isAtEnd { rawLocationIDs.append(try packed.readVarint()) }
            case 1:
                try reader.readRepeatedVarint(key) { rawLocationIDs.append($0) }
            case 2:
                try reader.readRepeatedVarint(key) { sampleValues.append(Int64(bitPattern: $0)) }
            case 3:
                try reader.expect(key, .lengthDelimited)
                var label = try reader.readMessage()
                var keyIndex: Int64 = 0
                var string: Int64 = 0
                var number: Int64 = 0
                var unit: Int64 = 0
                while let field = try label.nextField() {
                    switch field.number {
                    case 1:
                        try label.expect(field, .varint)
                        keyIndex = try label.readInt64()
                    case 2:
                        try label.expect(field, .varint)
                        string = try label.readInt64()
                    case 3:
                        try label.expect(field, .varint)
                        number = try label.readInt64()
                    case 4:
                        try label.expect(field, .varint)
                        unit = try label.readInt64()
                    default: try label.skip(field)
                    }
                }
                labelKeys.append(keyIndex)
                labelStrings.append(string)
                labelNumbers.append(number)
                labelUnits.append(unit)
            default:
                try reader.skip(key)
            }
        }
        let valueCount = sampleValues.count - valuesBefore
        if firstValueCount < 0 {
            firstValueCount = valueCount
        } else if valueCount != firstValueCount, valueCountMismatch == nil {
            valueCountMismatch = (sample, valueCount)
        }
        sampleLocationStarts.append(Int32(rawLocationIDs.count))
        sampleLabelStarts.append(Int32(labelKeys.count))
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
